#pragma once
/// \file
/// Leader-based (primary-replica) replication: one leader accepts every write and ships its log
/// to followers in order. One total order of writes, so no conflicts; reads at the leader can
/// be strong. PostgreSQL, MySQL, MongoDB replica sets, Kafka partitions, etcd.

#include <replica/core/policy.hpp>
#include <replica/reads/strong_reads.hpp>

namespace replica {

/// One leader, followers replicate its log.
struct leader_based {
  using family = topology_tag;
  static constexpr std::string_view name = "leader_based";
  /// Only one replica accepts writes, so no resolver is needed.
  static constexpr bool accepts_concurrent_writes = false;
  static constexpr bool uses_commit_mode = true;
  /// One leader at a time (so an election policy and lease reads apply).
  static constexpr bool has_single_leader = true;
  static constexpr bool can_promise_strong_reads = true;
  using default_reads = strong_reads;
};

}  // namespace replica
