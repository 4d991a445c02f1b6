#pragma once
/// \file
/// PN-Counter: a counter that goes up and down, as two G-Counters (increments and decrements).
/// The value is their difference; the join joins each. Delta mutators return the changed entry.

#include <replica/core/fields.hpp>
#include <replica/crdt/g_counter.hpp>

#include <cstdint>

namespace replica {

/// A counter with increments and decrements.
class pn_counter {
 public:
  /// Adds `n` (negative: subtracts) at replica `self`; returns the delta.
  pn_counter add(replica_id self, std::int64_t n) {
    pn_counter delta;
    if (n >= 0)
      delta.p_ = p_.increment(self, static_cast<std::uint64_t>(n));
    else
      delta.n_ = n_.increment(self, static_cast<std::uint64_t>(-(n + 1)) + 1);
    return delta;
  }
  pn_counter increment(replica_id self, std::uint64_t n = 1) { return add(self, static_cast<std::int64_t>(n)); }
  pn_counter decrement(replica_id self, std::uint64_t n = 1) { return add(self, -static_cast<std::int64_t>(n)); }

  [[nodiscard]] std::int64_t value() const noexcept {
    return static_cast<std::int64_t>(p_.value()) - static_cast<std::int64_t>(n_.value());
  }
  void merge(const pn_counter& o) {
    if (!o.p_.entries().empty()) p_.merge(o.p_);
    if (!o.n_.entries().empty()) n_.merge(o.n_);
  }
  [[nodiscard]] const g_counter& increments() const noexcept { return p_; }
  [[nodiscard]] const g_counter& decrements() const noexcept { return n_; }

  friend bool operator==(const pn_counter&, const pn_counter&) = default;

  REPLICA_FIELDS(p_, n_);

 private:
  g_counter p_, n_;
};

}  // namespace replica
