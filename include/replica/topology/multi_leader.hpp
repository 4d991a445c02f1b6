#pragma once
/// \file
/// Multi-leader (multi-master) replication: several leaders accept writes locally and propagate
/// them to each other in the background. Low write latency in every region; conflicts are
/// inevitable, so a resolver is required.

#include <replica/commit/asynchronous.hpp>
#include <replica/core/policy.hpp>
#include <replica/reads/eventual_reads.hpp>

namespace replica {

/// Every leader accepts writes; changes propagate asynchronously between leaders.
struct multi_leader {
  using family = topology_tag;
  static constexpr std::string_view name = "multi_leader";
  static constexpr bool accepts_concurrent_writes = true;
  static constexpr bool uses_commit_mode = true;  // local ack, or wait for K other leaders
  /// Leaders acknowledge locally unless told to wait for others (multi_leader_node).
  using default_commit = asynchronous;
  /// Every node leads: no election policy, no lease reads.
  static constexpr bool has_single_leader = false;
  /// Propagation between leaders is asynchronous: a read at one leader can miss another's write.
  static constexpr bool can_promise_strong_reads = false;
  using default_reads = eventual_reads;
};

}  // namespace replica
