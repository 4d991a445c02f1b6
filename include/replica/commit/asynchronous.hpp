#pragma once
/// \file
/// Asynchronous commit: the leader acknowledges a write once it holds it itself, and ships it
/// to followers in the background (MySQL's and PostgreSQL's default). Lowest latency; an
/// acknowledged write that had not reached a follower is lost if the leader fails.

#include <replica/commit/ack_on.hpp>
#include <replica/commit/quorum.hpp>
#include <replica/core/policy.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace replica {

/// Acknowledge on the leader's own write; followers catch up in the background.
struct asynchronous {
  using family = commit_tag;
  static constexpr std::string_view name = "asynchronous";
  /// Replicas (leader included) that must hold a write before it is acknowledged.
  static constexpr std::size_t required_replicas = 1;
  static constexpr bool survives_leader_loss = false;
  static constexpr bool reads_in_sync = false;  ///< (commit_reads_in_sync)
  static constexpr bool reads_connected = false;
  /// Committed as soon as the leader holds it.
  static std::optional<std::uint64_t> commit_point(const replication_view& v) noexcept {
    return v.match[v.leader.value()];
  }
};

}  // namespace replica
