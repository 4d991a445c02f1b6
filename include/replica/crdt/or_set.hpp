#pragma once
/// \file
/// OR-Set (observed-remove set), delta-state. Each add tags the element with a new dot; a
/// remove forgets the dots it has *observed*. Concurrent add and remove of one element:
/// - `set_bias::add_wins` (default): the concurrent add's dot was not observed by the remove,
///   so the element stays (the add wins; the Riak/Dynamo cart keeps the item).
/// - `set_bias::remove_wins`: a remove also leaves a remove token with its own dot; while a
///   remove token survives, the element is absent, so the concurrent remove wins. A later add
///   that observed the token clears it.
/// Removed dots stay in the causal context (a version vector, plus a dot cloud only across
/// gaps), not as per-element tombstones.

#include <replica/core/fields.hpp>
#include <replica/crdt/dot_kernel.hpp>

#include <cstdint>
#include <utility>
#include <vector>

namespace replica {

/// Which of a concurrent add and remove of one element wins.
enum class set_bias : std::uint8_t { add_wins, remove_wins };

/// An observed-remove set.
template <class T, set_bias Bias = set_bias::add_wins>
class or_set {
 public:
  static constexpr set_bias bias = Bias;

  /// Adds `x` at replica `self`; returns the delta.
  or_set add(replica_id self, const T& x) {
    or_set delta;
    delta.kernel_ = kernel_.remove_if([&](const auto& e) { return e.second.first == x; });
    delta.kernel_.merge(kernel_.add(self, token{x, true}));
    return delta;
  }
  /// Removes `x` (what this replica has observed of it); returns the delta.
  or_set remove(replica_id self, const T& x) {
    or_set delta;
    delta.kernel_ = kernel_.remove_if([&](const auto& e) { return e.second.first == x; });
    if constexpr (Bias == set_bias::remove_wins) delta.kernel_.merge(kernel_.add(self, token{x, false}));
    return delta;
  }
  [[nodiscard]] bool contains(const T& x) const {
    bool added = false;
    for (const auto& [d, t] : kernel_.entries()) {
      if (t.first != x) continue;
      if (!t.second) return false;  // a surviving remove token (remove_wins)
      added = true;
    }
    return added;
  }
  /// The elements, sorted.
  [[nodiscard]] std::vector<T> elements() const {
    std::vector<T> all;
    for (const auto& [d, t] : kernel_.entries())
      if (t.second) all.push_back(t.first);
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    if constexpr (Bias == set_bias::remove_wins) std::erase_if(all, [&](const T& x) { return !contains(x); });
    return all;
  }
  void merge(const or_set& o) { kernel_.merge(o.kernel_); }
  [[nodiscard]] const auto& kernel() const noexcept { return kernel_; }

  friend bool operator==(const or_set&, const or_set&) = default;

  REPLICA_FIELDS(kernel_);

 private:
  using token = std::pair<T, bool>;  ///< (element, added: false for a remove token)
  dot_kernel<token> kernel_;
};

}  // namespace replica
