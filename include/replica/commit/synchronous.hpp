#pragma once
/// \file
/// Synchronous commit: the leader waits for every follower in the in-sync replica set, and
/// refuses writes while that set (leader included) is smaller than MinInSync (Kafka's
/// acks=all with min.insync.replicas). Never degrades silently.

#include <replica/commit/ack_on.hpp>
#include <replica/commit/quorum.hpp>
#include <replica/core/policy.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace replica {

/// Wait for all in-sync replicas; refuse writes while fewer than `MinInSync` are in sync.
template <std::size_t MinInSync, ack_on At = ack_on::flushed, class WhenMissing = when_acks_missing::fail_fast>
struct synchronous_with {
  static_assert(MinInSync >= 1, "replica::synchronous_with: MinInSync counts the leader and must be at least 1");
  static_assert(!WhenMissing::degrades,
                "replica::synchronous_with: synchronous commit never degrades silently; use block or "
                "fail_fast, or semi_synchronous<K, At, fall_back_to_async<T>> if degrading is wanted");
  using family = commit_tag;
  using when_missing = WhenMissing;
  static constexpr std::string_view name = "synchronous";
  static constexpr std::size_t min_in_sync = MinInSync;
  static constexpr ack_on ack_point = At;
  static constexpr std::size_t required_replicas = MinInSync;
  static constexpr bool survives_leader_loss = true;
  static constexpr bool reads_in_sync = true;  ///< (commit_reads_in_sync)
  static constexpr bool reads_connected = false;
  /// Held by every in-sync replica; nullopt (writes refused) while fewer than MinInSync are in sync.
  static std::optional<std::uint64_t> commit_point(const replication_view& v) noexcept {
    std::uint64_t point = v.match[v.leader.value()];
    std::size_t in_sync = 0;
    for (std::size_t i = 0; i < v.match.size(); ++i) {
      if (!(i == v.leader.value() || v.in_sync.empty() || v.in_sync[i])) continue;
      point = v.match[i] < point ? v.match[i] : point;
      ++in_sync;
    }
    if (in_sync < MinInSync) return std::nullopt;
    return point;
  }
};

/// acks=all with min.insync.replicas = 2 (the common production setting).
using synchronous = synchronous_with<2>;

}  // namespace replica
