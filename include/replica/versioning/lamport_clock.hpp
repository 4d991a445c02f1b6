#pragma once
/// \file
/// A Lamport clock: a counter that every event increments and every receipt raises to the
/// maximum seen, tie-broken by replica id into a total order. Consistent with causality
/// (a happened-before b implies a < b) but it cannot tell concurrent events apart, so it can
/// drive last-write-wins and cannot drive keep_siblings.

#include <replica/core/fields.hpp>
#include <replica/core/hash.hpp>
#include <replica/versioning/causal_order.hpp>

#include <cstdint>
#include <tuple>

namespace replica {

/// Lamport timestamp (counter, replica id), totally ordered.
class lamport_clock {
 public:
  using family = versioning_tag;
  static constexpr bool totally_ordered = true;
  static constexpr bool causal_advance = true;
  static constexpr std::string_view name = "lamport_clock";

  constexpr lamport_clock() noexcept = default;
  constexpr lamport_clock(std::uint64_t counter, replica_id origin) noexcept
      : counter_{counter}, origin_{origin} {}

  [[nodiscard]] constexpr std::uint64_t counter() const noexcept { return counter_; }
  [[nodiscard]] constexpr replica_id origin() const noexcept { return origin_; }

  [[nodiscard]] constexpr causal_order compare(const lamport_clock& o) const noexcept {
    return detail::compare_total(key(), o.key());
  }
  /// Receipt: keep the larger stamp (the next `advance` then moves past both).
  constexpr void merge(const lamport_clock& o) noexcept {
    if (key() < o.key()) *this = o;
  }
  /// A local event: counter + 1. The local clock reading is not used.
  constexpr status advance(replica_id r, local_time /*now*/) noexcept {
    if (counter_ == UINT64_MAX) return error{errc::out_of_range, "lamport counter exhausted"};
    ++counter_;
    origin_ = r;
    return {};
  }

  /// Whether the counter is below 2^63, where every correct replica's stays (versions::within_bounds).
  [[nodiscard]] constexpr bool within_bounds() const noexcept { return counter_ < (std::uint64_t{1} << 63); }

  friend constexpr bool operator==(const lamport_clock&, const lamport_clock&) noexcept = default;

  /// A hash of the stamp (the fields multiplied apart, then mixed once: cheap on a hot path).
  [[nodiscard]] constexpr std::uint64_t hash() const noexcept {
    constexpr std::uint64_t k1 = 0x9e3779b97f4a7c15ULL, k3 = 0x165667b19e3779f9ULL;
    return mix64(counter_ * k1 ^ std::uint64_t{origin_.value()} * k3);
  }

  REPLICA_FIELDS(counter_, origin_);

 private:
  [[nodiscard]] constexpr std::tuple<std::uint64_t, replica_id> key() const noexcept { return {counter_, origin_}; }

  std::uint64_t counter_ = 0;
  replica_id origin_{};
};

}  // namespace replica
