#pragma once
/// \file
/// A leader-based node's configuration, and the status report it gives an operator.

#include <replica/core/extent.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>
#include <replica/topology/leader_based/events.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace replica {

/// How long a client session lives and how many are kept (leader_based/sessions.hpp). Every
/// replica of a group must use the same limits: forgetting a session is part of applying the log.
struct session_limits {
  std::size_t max = 4096;                                   ///< sessions kept (0: sessions off, retries apply again)
  std::int64_t expiry_us = std::int64_t{3600} * 1'000'000;  ///< idle cluster time before one is forgotten (µs)
};

/// Shared configuration of a leader-based group (`leader_based_node<R, M>::config`).
struct leader_based_config {
  /// How many replicas. 0: the composition's `cluster_size<N>`, or 3 when the size is dynamic
  /// (the same default in every topology). A nonzero count that contradicts N is refused.
  std::size_t nodes = 0;
  group_id group{};
  duration election_min = std::chrono::milliseconds{150};
  duration election_max = std::chrono::milliseconds{300};
  duration heartbeat = std::chrono::milliseconds{30};
  bool pre_vote = true;
  bool check_quorum = true;
  std::size_t max_batch = 64;     ///< entries per append
  std::size_t max_inflight = 8;   ///< unacknowledged appends per follower
  duration max_lag = std::chrono::milliseconds{500};  ///< in-sync set: caught up within this
  std::uint64_t seed = 0;         ///< for randomized election timeouts
  /// 0: ship each write at once. Otherwise the leader batches writes and ships them at the
  /// first tick this long after the oldest unshipped one (Kafka's linger.ms, a binlog
  /// sender's batching); under asynchronous commit, writes acknowledged inside that window
  /// are exactly what a leader crash loses.
  duration ship_interval{0};
  std::uint64_t max_inflight_bytes = 1 << 20;  ///< unacknowledged bytes per follower (a batch is cut to fit; one entry always goes)
  /// How long a leader waits for a follower to install a snapshot before it sends another
  /// (0: `election_max`). Appends are retried after two silent heartbeats; a snapshot is the
  /// whole state, which takes longer to arrive and install, and a copy sent meanwhile only
  /// queues behind it.
  duration snapshot_retry{0};
  /// 0: compact only when `compact` is called. Otherwise, whenever this many entries are applied
  /// past the compaction point, the applied state becomes the snapshot (etcd's way: no replay)
  /// and the log keeps the last `compact_keep` entries below it for followers that lag (a
  /// follower further behind gets the snapshot).
  std::uint64_t compact_every = 0;
  std::uint64_t compact_keep = 0;
  /// Whether replicas fold at points staggered by their ids (`compact_every / nodes` apart), so
  /// that they do not all copy their machines at once (true), or all at multiples of
  /// `compact_every` (false). Measured in docs/benchmarks.md: staggered, a follower's stall
  /// leaves the leader a quorum with the others, which cuts the p99.9 and raises the p99.
  bool compact_stagger = true;
  /// Client sessions: a retried write (same client, same request id) applies at most once
  /// within these limits (docs/models/leader_based.md, "Retries").
  session_limits sessions{};
};

namespace leader_based_detail {

/// Whether a node of a composition whose cluster size is `fixed` (or dynamic_extent) can run
/// with `c` (issue 27, point 4: a contradictory configuration is refused where it is made, not
/// found later as a cluster that never elects):
/// - `nodes` 0 (the default: N, or 3) or, under `cluster_size<N>`, N itself (a count that
///   contradicts the composition is refused, not silently overridden);
/// - `0 < election_min <= election_max` (a heartbeat as slow as `election_min` is allowed: a
///   benchmark with steady appends has no need of heartbeats);
/// - `max_batch` and `max_inflight` at least 1 (or a leader never ships an entry).
/// The replicas a node of a composition of size `fixed` (or dynamic_extent) has under `c`.
inline std::size_t nodes_of(const leader_based_config& c, std::size_t fixed) { return resolve_nodes(fixed, c.nodes); }

inline status validate(const leader_based_config& c, std::size_t fixed) {
  if (fixed != dynamic_extent && c.nodes != 0 && c.nodes != fixed)
    return error{errc::out_of_range, "config::nodes contradicts the composition's cluster_size<N>: set nodes to N, or use a dynamic size"};
  if (c.election_min.count() <= 0 || c.election_min > c.election_max)
    return error{errc::out_of_range, "election timeouts: 0 < election_min <= election_max is required"};
  if (c.max_batch == 0 || c.max_inflight == 0) return error{errc::out_of_range, "max_batch and max_inflight must be at least 1"};
  return {};
}

}  // namespace leader_based_detail

/// One follower, as its leader sees it (lag, in-sync set).
struct follower_status {
  replica_id id;
  std::uint64_t match = 0;
  std::uint64_t lag_entries = 0;
  std::uint64_t lag_bytes = 0;  ///< wire bytes of the entries it lacks
  std::uint64_t inflight_bytes = 0;
  duration lag_time{};     ///< how long since it last held everything the leader had (0: caught up)
  duration since_heard{};
  bool in_sync = false;
  bool rebuilding = false;  ///< it lost its disk and does not count until caught up
};
/// What a leader-based node reports of itself (`leader_based_node<R, M>::report()`).
struct leader_based_status {
  replica::role role{};
  replica::term term{};
  std::optional<replica_id> leader;
  std::uint64_t last_index = 0, commit = 0, applied = 0;
  std::uint64_t snapshot_index = 0;
  bool degraded = false;
  bool lease = false;  ///< a leader holding a read lease now
  bool rebuilding = false;  ///< this replica lost its disk and is not yet caught up (it does not vote)
  std::vector<follower_status> followers;  ///< leader only
};

}  // namespace replica
