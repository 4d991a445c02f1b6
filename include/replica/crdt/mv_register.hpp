#pragma once
/// \file
/// MV-Register (multi-value register): a write replaces every value it has observed; values
/// written concurrently all survive as siblings, which a reader sees and a later write (that
/// observed them) resolves. The same dot kernel as the OR-Set; `keep_siblings` and
/// `merge_with<F>` store this in the multi-leader topology.

#include <replica/core/fields.hpp>
#include <replica/crdt/dot_kernel.hpp>

#include <algorithm>
#include <vector>

namespace replica {

/// A register that keeps concurrent writes as siblings.
template <class T>
class mv_register {
 public:
  /// Writes `v` at `self`, replacing every value observed here; returns the delta.
  mv_register write(replica_id self, const T& v) {
    return write_after(self, v, [](const dot&) { return true; });
  }
  /// Writes `v`, replacing only the values whose dots `seen` contains (a client's causal
  /// context: what it read); other values stay as siblings. Returns the delta.
  mv_register write(replica_id self, const T& v, const dot_context& seen) {
    return write_after(self, v, [&](const dot& d) { return seen.contains(d); });
  }
  /// The values, sorted (more than one: concurrent siblings).
  [[nodiscard]] std::vector<T> values() const {
    std::vector<T> out;
    for (const auto& e : kernel_.entries()) out.push_back(e.second);
    std::sort(out.begin(), out.end());
    return out;
  }
  /// The dots of the current values (the causal context a reader passes back with its write).
  [[nodiscard]] dot_context observed() const {
    dot_context c;
    for (const auto& e : kernel_.entries()) c.insert(e.first);
    return c;
  }
  void merge(const mv_register& o) { kernel_.merge(o.kernel_); }
  [[nodiscard]] const dot_kernel<T>& kernel() const noexcept { return kernel_; }

  friend bool operator==(const mv_register&, const mv_register&) = default;

  REPLICA_FIELDS(kernel_);

 private:
  template <class Seen>
  mv_register write_after(replica_id self, const T& v, Seen seen) {
    mv_register delta;
    delta.kernel_ = kernel_.remove_if([&](const auto& e) { return seen(e.first); });
    delta.kernel_.merge(kernel_.add(self, v));
    return delta;
  }

  dot_kernel<T> kernel_;
};

}  // namespace replica
