#pragma once
/// \file
/// LWW-Register: one value and the version that wrote it; the join keeps the value with the
/// greater version. Needs a totally ordered version type (ties broken by replica id, so every
/// replica keeps the same value). A concurrent write with the smaller version is discarded:
/// the data loss last-write-wins is known for. With a physical clock, a write made after
/// another but on a node whose clock is behind gets the smaller stamp and is discarded too;
/// a hybrid logical clock advances past every version the writer has seen, which removes that
/// causal case (not the concurrent one).

#include <replica/core/fields.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/time.hpp>
#include <replica/versioning/causal_order.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <utility>

namespace replica {

/// A last-write-wins register of `T`, versioned by `V`.
template <class T, version_tracker V = hybrid_logical_clock>
class lww_register {
  static_assert(V::totally_ordered,
                "replica::lww_register: needs a totally ordered version type (hybrid_logical_clock, lamport_clock, "
                "physical_clock); for concurrent values use mv_register");

 public:
  using version_type = V;

  /// Writes `v` at `self` with its clock reading `now`: the version is the stored one advanced
  /// (for a physical clock: just `now`, which may be smaller). Returns the delta (the whole
  /// register, which is small). If the new version is smaller, the write loses at once.
  lww_register write(replica_id self, local_time now, T v) {
    lww_register delta;
    delta.version_ = version_;
    (void)delta.version_.advance(self, now);
    delta.value_ = std::move(v);
    delta.written_ = true;
    merge(delta);
    return delta;
  }
  [[nodiscard]] const T& value() const noexcept { return value_; }
  [[nodiscard]] const V& version() const noexcept { return version_; }
  /// Whether any write has reached this register.
  [[nodiscard]] bool written() const noexcept { return written_; }
  /// Join: the value with the greater version (two writes with one version, which a physical
  /// clock can give, are ordered by value, so the join stays commutative).
  void merge(const lww_register& o) {
    if (!o.written_) return;
    if (!written_) {
      *this = o;
      return;
    }
    const causal_order c = version_.compare(o.version_);
    if (c == causal_order::before || (c == causal_order::equal && value_ < o.value_)) *this = o;
  }

  friend bool operator==(const lww_register&, const lww_register&) = default;

  REPLICA_FIELDS(version_, value_, written_);

 private:
  V version_{};
  T value_{};
  bool written_ = false;
};

}  // namespace replica
