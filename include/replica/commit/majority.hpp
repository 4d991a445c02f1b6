#pragma once
/// \file
/// Majority (quorum) commit: a write is committed once a majority of the replicas, leader
/// included, hold it (Raft, etcd, MongoDB w:majority). Survives the loss of any minority and
/// never needs every follower.

#include <replica/commit/ack_on.hpp>
#include <replica/commit/quorum.hpp>
#include <replica/core/policy.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace replica {

/// Commit on a majority of the replicas at the ack point `At`.
template <ack_on At = ack_on::flushed>
struct majority_with {
  using family = commit_tag;
  static constexpr std::string_view name = "majority";
  static constexpr ack_on ack_point = At;
  /// A majority of any cluster size is reachable by construction.
  static constexpr std::size_t required_replicas = 1;
  static constexpr bool survives_leader_loss = true;
  static constexpr bool reads_in_sync = false;  ///< (commit_reads_in_sync)
  static constexpr bool reads_connected = false;
  /// Replicas needed to commit in a cluster of `n`.
  static constexpr std::size_t quorum(std::size_t n) noexcept { return n / 2 + 1; }
  /// Held by a majority of all replicas, leader included.
  static std::optional<std::uint64_t> commit_point(const replication_view& v) noexcept {
    return detail::majority_point(v.match);
  }
};

/// Majority commit, acknowledged when flushed.
using majority = majority_with<>;

}  // namespace replica
