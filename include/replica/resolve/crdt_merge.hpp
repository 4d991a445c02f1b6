#pragma once
/// \file
/// CRDT merge: the value type is a state-based CRDT whose merge is commutative, associative and
/// idempotent, so replicas converge whatever the order of delivery, with no acknowledged update
/// lost. Versions are only needed to summarise state for anti-entropy.

#include <replica/core/policy.hpp>
#include <replica/versioning/version_vector.hpp>

namespace replica {

/// The value is a CRDT: concurrent states are joined by the CRDT's own merge.
struct crdt_merge {
  using family = resolver_tag;
  static constexpr std::string_view name = "crdt_merge";
  static constexpr bool resolves_conflicts = true;
  static constexpr bool needs_total_order = false;
  static constexpr bool needs_concurrency_detection = false;
  static constexpr bool may_discard_acknowledged_writes = false;
  using default_versioning = version_vector<>;

  /// The join of two CRDT states (the value type's `merge`).
  template <class Crdt>
    requires requires(Crdt& a, const Crdt& b) { a.merge(b); }
  [[nodiscard]] static Crdt merge(Crdt a, const Crdt& b) {
    a.merge(b);
    return a;
  }
};

}  // namespace replica
