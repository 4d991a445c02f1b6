#pragma once
/// \file
/// Sharded hybrids: many independent replication groups over one set of nodes, each with the
/// inner topology (a leader per range in CockroachDB, YugabyteDB and Spanner; a replica set per
/// shard in sharded MongoDB). Keys map to shards by hash or by range.

#include <replica/core/extent.hpp>
#include <replica/commit/default_commit.hpp>
#include <replica/core/policy.hpp>

#include <cstddef>
#include <type_traits>

namespace replica {

/// Number of shards (groups); `dynamic_extent` for a run-time count.
template <std::size_t K>
struct shards {
  static constexpr std::size_t value = K;
};
/// Keys map to shards by a hash of the key.
struct by_hash {
  static constexpr bool is_partitioning = true;
  static constexpr std::string_view name = "by_hash";
};
/// Keys map to shards by contiguous key ranges.
struct by_range {
  static constexpr bool is_partitioning = true;
  static constexpr std::string_view name = "by_range";
};

/// Many groups of the topology `Inner`, over one set of nodes.
template <class Inner, class Partitioning = by_hash, class Shards = shards<dynamic_extent>>
struct sharded {
  static_assert(policy_of<Inner, topology_tag>,
                "replica::sharded: the first argument must be a topology (leader_based, multi_leader, leaderless<...>)");
  static_assert(!requires { Inner::is_sharded; }, "replica::sharded: a sharded topology cannot be sharded again");
  static_assert(Partitioning::is_partitioning, "replica::sharded: the second argument must be by_hash or by_range");
  static_assert(Shards::value >= 1, "replica::sharded: at least one shard");

  using family = topology_tag;
  using inner = Inner;
  using partitioning = Partitioning;
  static constexpr std::string_view name = "sharded";
  static constexpr bool is_sharded = true;
  static constexpr std::size_t shard_count = Shards::value;
  static constexpr bool accepts_concurrent_writes = Inner::accepts_concurrent_writes;
  static constexpr bool uses_commit_mode = Inner::uses_commit_mode;
  static constexpr bool can_promise_strong_reads = Inner::can_promise_strong_reads;
  static constexpr bool has_single_leader = Inner::has_single_leader;
  using default_reads = typename Inner::default_reads;
  using default_commit = typename detail::default_commit_of<Inner>::type;
};

}  // namespace replica
