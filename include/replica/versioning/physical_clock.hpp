#pragma once
/// \file
/// A physical timestamp: the local wall-clock reading of the replica that wrote, tie-broken by
/// replica id. What Cassandra's write timestamps are. Totally ordered, so it can drive
/// last-write-wins; but it trusts a clock, so a replica whose clock runs behind produces
/// versions that sort *before* what it has already seen (`causal_advance == false`). That is
/// the data loss the article warns about, and tests/versioning/physical_clock.cpp shows it.

#include <replica/core/fields.hpp>
#include <replica/core/hash.hpp>
#include <replica/versioning/causal_order.hpp>

#include <cstdint>
#include <tuple>

namespace replica {

/// Wall-clock timestamp (microseconds of the writer's local clock) plus the writer's id.
class physical_clock {
 public:
  using family = versioning_tag;
  static constexpr bool totally_ordered = true;
  static constexpr bool causal_advance = false;  // a clock behind gives an earlier stamp
  static constexpr std::string_view name = "physical_clock";

  constexpr physical_clock() noexcept = default;
  constexpr physical_clock(std::int64_t micros, replica_id origin) noexcept
      : micros_{micros}, origin_{origin} {}

  [[nodiscard]] constexpr std::int64_t micros() const noexcept { return micros_; }
  [[nodiscard]] constexpr replica_id origin() const noexcept { return origin_; }

  [[nodiscard]] constexpr causal_order compare(const physical_clock& o) const noexcept {
    return detail::compare_total(key(), o.key());
  }
  constexpr void merge(const physical_clock& o) noexcept {
    if (key() < o.key()) *this = o;
  }
  /// The new event's stamp is the local clock reading, whatever this version says.
  constexpr status advance(replica_id r, local_time now) noexcept {
    micros_ = replica::micros(now);
    origin_ = r;
    return {};
  }

  friend constexpr bool operator==(const physical_clock&, const physical_clock&) noexcept = default;

  /// A hash of the stamp (the fields multiplied apart, then mixed once: cheap on a hot path).
  [[nodiscard]] constexpr std::uint64_t hash() const noexcept {
    constexpr std::uint64_t k1 = 0x9e3779b97f4a7c15ULL, k3 = 0x165667b19e3779f9ULL;
    return mix64(static_cast<std::uint64_t>(micros_) * k1 ^ std::uint64_t{origin_.value()} * k3);
  }

  REPLICA_FIELDS(micros_, origin_);

 private:
  [[nodiscard]] constexpr std::tuple<std::int64_t, replica_id> key() const noexcept { return {micros_, origin_}; }

  std::int64_t micros_ = 0;
  replica_id origin_{};
};

}  // namespace replica
