#pragma once
/// \file
/// The resolver of topologies with one writer: there are no concurrent writes to resolve.
/// `replica::replicator` refuses it for topologies that accept concurrent writes.

#include <replica/core/policy.hpp>
#include <replica/versioning/lamport_clock.hpp>

namespace replica {

/// No conflict resolution (single-writer topologies only).
struct no_resolver {
  using family = resolver_tag;
  static constexpr std::string_view name = "no_resolver";
  static constexpr bool resolves_conflicts = false;
  static constexpr bool needs_total_order = false;
  static constexpr bool needs_concurrency_detection = false;
  static constexpr bool may_discard_acknowledged_writes = false;
  using default_versioning = lamport_clock;
};

}  // namespace replica
