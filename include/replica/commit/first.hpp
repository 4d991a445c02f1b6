#pragma once
/// \file
/// Priority-ordered synchronous commit: the leader waits for the first K followers of a
/// priority list that are connected (PostgreSQL's synchronous_standby_names = 'FIRST K (...)').
/// Unlike semi_synchronous<K>, an ack from a lower-priority follower does not count while a
/// higher-priority one is connected.

#include <replica/commit/ack_on.hpp>
#include <replica/commit/quorum.hpp>
#include <replica/core/policy.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace replica {

/// Wait for the first K connected followers by priority; when they do not ack, do `WhenMissing`.
template <std::size_t K, ack_on At = ack_on::flushed, class WhenMissing = when_acks_missing::block>
struct first {
  static_assert(K >= 1, "replica::first: K counts followers and must be at least 1; "
                        "for K = 0 use replica::asynchronous");
  using family = commit_tag;
  using when_missing = WhenMissing;
  static constexpr std::string_view name = "first";
  static constexpr std::size_t followers = K;
  static constexpr ack_on ack_point = At;
  static constexpr std::size_t required_replicas = K + 1;
  static constexpr bool survives_leader_loss = !WhenMissing::degrades;
  static constexpr bool reads_in_sync = false;  ///< (commit_reads_in_sync)
  static constexpr bool reads_connected = true;
  /// Held by the leader and by the first K connected followers in priority (id) order; nullopt
  /// (wait) while fewer than K followers are connected.
  static std::optional<std::uint64_t> commit_point(const replication_view& v) noexcept {
    std::uint64_t point = v.match[v.leader.value()];
    std::size_t taken = 0;
    for (std::size_t i = 0; i < v.match.size() && taken < K; ++i) {
      if (i == v.leader.value() || (!v.connected.empty() && !v.connected[i])) continue;
      point = v.match[i] < point ? v.match[i] : point;
      ++taken;
    }
    if (taken < K) return std::nullopt;
    return point;
  }
};

}  // namespace replica
