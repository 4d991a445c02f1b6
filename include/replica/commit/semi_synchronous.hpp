#pragma once
/// \file
/// Semi-synchronous commit: the leader acknowledges a write once any K followers have
/// acknowledged it at the ack point (MySQL semi-sync with rpl_semi_sync_master_wait_for_slave_count
/// = K; PostgreSQL's synchronous_standby_names = 'ANY K (...)').

#include <replica/commit/ack_on.hpp>
#include <replica/commit/quorum.hpp>
#include <replica/core/policy.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace replica {

/// Wait for any K followers to acknowledge at `At`; when they do not, do `WhenMissing`.
template <std::size_t K, ack_on At = ack_on::flushed, class WhenMissing = when_acks_missing::block>
struct semi_synchronous {
  static_assert(K >= 1, "replica::semi_synchronous: K counts followers and must be at least 1; "
                        "for K = 0 use replica::asynchronous");
  using family = commit_tag;
  using when_missing = WhenMissing;
  static constexpr std::string_view name = "semi_synchronous";
  static constexpr std::size_t followers = K;
  static constexpr ack_on ack_point = At;
  static constexpr std::size_t required_replicas = K + 1;
  static constexpr bool survives_leader_loss = !WhenMissing::degrades;
  static constexpr bool reads_in_sync = false;  ///< (commit_reads_in_sync)
  static constexpr bool reads_connected = false;
  /// Held by the leader and by any K followers; nullopt while fewer than K followers exist.
  static std::optional<std::uint64_t> commit_point(const replication_view& v) noexcept {
    const auto kth = detail::kth_largest_follower(v, K);
    if (!kth) return std::nullopt;
    const std::uint64_t own = v.match[v.leader.value()];
    return *kth < own ? *kth : own;
  }
};

}  // namespace replica
