#pragma once
/// \file
/// A hybrid logical clock (Kulkarni et al., 2014): the largest physical time seen plus a
/// logical counter. Stays close to the wall clock, yet an event always sorts after everything
/// it has seen, even on a replica whose clock runs behind. This removes the *causal* case of
/// last-write-wins loss (a write that follows another by causality is never hidden behind it);
/// truly concurrent writes are still ordered arbitrarily, and one of them is still discarded.

#include <replica/core/fields.hpp>
#include <replica/core/hash.hpp>
#include <replica/versioning/causal_order.hpp>

#include <algorithm>
#include <cstdint>
#include <tuple>

namespace replica {

/// HLC timestamp (wall micros, logical counter, replica id), totally ordered.
class hybrid_logical_clock {
 public:
  using family = versioning_tag;
  static constexpr bool totally_ordered = true;
  static constexpr bool causal_advance = true;
  static constexpr std::string_view name = "hybrid_logical_clock";

  constexpr hybrid_logical_clock() noexcept = default;
  constexpr hybrid_logical_clock(std::int64_t wall, std::uint64_t logical, replica_id origin) noexcept
      : wall_{wall}, logical_{logical}, origin_{origin} {}

  [[nodiscard]] constexpr std::int64_t wall() const noexcept { return wall_; }
  [[nodiscard]] constexpr std::uint64_t logical() const noexcept { return logical_; }
  [[nodiscard]] constexpr replica_id origin() const noexcept { return origin_; }

  [[nodiscard]] constexpr causal_order compare(const hybrid_logical_clock& o) const noexcept {
    return detail::compare_total(key(), o.key());
  }
  /// Receipt: keep the larger stamp. Merge then `advance` is exactly the HLC receive rule.
  constexpr void merge(const hybrid_logical_clock& o) noexcept {
    if (key() < o.key()) *this = o;
  }
  /// A local event: wall = max(wall, now); the logical counter restarts when wall moved.
  constexpr status advance(replica_id r, local_time now) noexcept {
    const std::int64_t pt = replica::micros(now);
    if (pt > wall_) {
      wall_ = pt;
      logical_ = 0;
    } else {
      if (logical_ == UINT64_MAX) return error{errc::out_of_range, "hlc logical counter exhausted"};
      ++logical_;
    }
    origin_ = r;
    return {};
  }

  /// Whether the stamp is one a correct replica makes (wall time within ±2^62 µs, the logical
  /// counter below 2^63): merging one beyond would leave `advance` no room, and every later
  /// event of the clock that took it would fail (versions::within_bounds).
  [[nodiscard]] constexpr bool within_bounds() const noexcept {
    return wall_ < (std::int64_t{1} << 62) && wall_ > -(std::int64_t{1} << 62) && logical_ < (std::uint64_t{1} << 63);
  }

  friend constexpr bool operator==(const hybrid_logical_clock&, const hybrid_logical_clock&) noexcept =
      default;

  /// A hash of the stamp (the fields multiplied apart, then mixed once: cheap on a hot path).
  [[nodiscard]] constexpr std::uint64_t hash() const noexcept {
    constexpr std::uint64_t k1 = 0x9e3779b97f4a7c15ULL, k2 = 0xc2b2ae3d27d4eb4fULL, k3 = 0x165667b19e3779f9ULL;
    return mix64(static_cast<std::uint64_t>(wall_) * k1 ^ logical_ * k2 ^ std::uint64_t{origin_.value()} * k3);
  }

  REPLICA_FIELDS(wall_, logical_, origin_);

 private:
  [[nodiscard]] constexpr std::tuple<std::int64_t, std::uint64_t, replica_id> key() const noexcept { return {wall_, logical_, origin_}; }

  std::int64_t wall_ = 0;
  std::uint64_t logical_ = 0;
  replica_id origin_{};
};

}  // namespace replica
