#pragma once
/// \file
/// A leaderless node's run-time configuration (`leaderless_node<R>::config`) and its check.

#include <replica/core/extent.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>
#include <replica/topology/leaderless/consistency.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace replica {

struct leaderless_config {
  std::size_t nodes = default_nodes;
  group_id group{};
  std::size_t vnodes = 64;
  std::vector<std::uint16_t> datacenters{};  ///< datacenter of node i (empty: all in 0)
  duration request_timeout = std::chrono::milliseconds{500};
  duration replica_timeout = std::chrono::milliseconds{50};  ///< sloppy: when to try a fallback
  duration handoff_interval = std::chrono::milliseconds{100};
  bool read_repair = true;
  /// How long a key whose every version is a tombstone is kept before it is collected
  /// (Cassandra's gc_grace_seconds). Collected earlier than every replica has seen the
  /// delete, a replica that missed it brings the value back.
  duration tombstone_grace = std::chrono::seconds{10};
  /// 0: no anti-entropy. Otherwise every interval this node compares its Merkle tree with the
  /// next peer (round robin) and exchanges the keys of the buckets that differ.
  duration anti_entropy_interval{0};
  /// Primary-only quorums (Riak's PW and PR): how many of a write's acknowledgements, or of a
  /// read's replies, must come from the key's own N replicas (fallbacks do not count), on top of
  /// W or R. 0: no such requirement. A write that cannot collect them answers `unknown` at
  /// `request_timeout` (it may be stored on fallbacks), a read too; more than N is refused
  /// at once (`unavailable`).
  std::size_t primary_writes = 0;
  std::size_t primary_reads = 0;
  /// W and R for requests at `consistency_level::configured`, as Riak's bucket properties
  /// `w` and `r` (0: the compile-time `w<W>`, `r<R>`). At most N.
  std::size_t write_quorum = 0;
  std::size_t read_quorum = 0;
  /// Nodes `0 .. storage_nodes - 1` hold data (0: every node). The others are client-side
  /// coordinators: on the ring they are not, they own no keys and are never fallbacks, but they
  /// coordinate requests like any node (Voldemort's client-side routing, a token-aware driver).
  std::size_t storage_nodes = 0;

  /// How many nodes hold data (the rest are client-side coordinators).
  [[nodiscard]] std::size_t data_nodes() const noexcept {
    return storage_nodes == 0 ? nodes : std::min(storage_nodes, nodes);
  }
};

namespace leaderless_detail {

/// Whether `c` describes a cluster a node of replication factor `n`, compile-time quorums `w`
/// and `r` (and, if `strong`, the promise W + R > N) can run in: a node count the ring accepts,
/// `storage_nodes` within it, datacenter tags below 16, quorums at most N.
inline status validate(const leaderless_config& c, std::size_t n, std::size_t w, std::size_t r, bool strong) {
  if (c.nodes == 0) return error{errc::out_of_range, "a leaderless cluster needs at least one node"};
  if (c.storage_nodes > c.nodes) return error{errc::out_of_range, "storage_nodes is more than the cluster's nodes"};
  if (c.primary_writes > n || c.primary_reads > n)
    return error{errc::out_of_range, "a primary quorum (PW, PR) larger than N can never be met"};
  if (c.write_quorum > n || c.read_quorum > n) return error{errc::out_of_range, "a write or read quorum larger than N can never be met"};
  if (strong) {
    const std::size_t wq = c.write_quorum ? c.write_quorum : w, rq = c.read_quorum ? c.read_quorum : r;
    if (wq + rq <= n) return error{errc::out_of_range, "strong_reads promised: the configured W + R must exceed N (as the compile-time ones do)"};
  }
  for (auto d : c.datacenters)
    if (d >= quorum_requirement::max_dcs) return error{errc::out_of_range, "datacenter tags must be below 16"};
  if (c.vnodes == 0) return error{errc::out_of_range, "the ring needs at least one virtual node per member"};
  return {};
}

}  // namespace leaderless_detail
}  // namespace replica
