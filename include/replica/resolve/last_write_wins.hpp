#pragma once
/// \file
/// Last-write-wins: of concurrent versions, the one with the greatest version survives and the
/// others are discarded. Needs a totally ordered version type (ties broken by replica id, so
/// every replica picks the same winner). Every acknowledged write it discards is counted: this
/// is the silent data loss the article warns about.

#include <replica/core/policy.hpp>
#include <replica/versioning/causal_order.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

namespace replica {

/// Keep the value with the greatest version; discard the rest (and count them).
struct last_write_wins {
  using family = resolver_tag;
  static constexpr std::string_view name = "last_write_wins";
  static constexpr bool resolves_conflicts = true;
  static constexpr bool needs_total_order = true;
  static constexpr bool needs_concurrency_detection = false;
  static constexpr bool may_discard_acknowledged_writes = true;
  using default_versioning = hybrid_logical_clock;

  /// Whether the incoming version replaces the stored one.
  template <version_tracker V>
  [[nodiscard]] static constexpr bool incoming_wins(const V& stored, const V& incoming) {
    return stored.compare(incoming) == causal_order::before;
  }
};

}  // namespace replica
