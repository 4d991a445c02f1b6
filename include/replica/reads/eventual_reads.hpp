#pragma once
/// \file
/// No recency promise: a read may return a stale value, and replicas converge once writes stop.
///
/// A read may carry a read-your-writes token (the position of the client's last write). A
/// replica whose state is older than the token either redirects the read to the leader
/// (`eventual_reads`, the default) or holds it until it has applied that position, failing it
/// after `WaitMs` (`eventual_reads_with<on_stale_token::wait, WaitMs>`, as MongoDB's
/// afterClusterTime reads wait on a secondary).

#include <replica/core/policy.hpp>

#include <cstdint>

namespace replica {

/// What a replica does with a read whose token is newer than its state.
enum class on_stale_token : std::uint8_t {
  redirect,  ///< answer `redirect` with the leader's id
  wait,      ///< hold the read until the state catches up (or the wait times out: `fail`)
};

/// Reads may be stale; a read with a token never is: it redirects or waits, as `S` says.
template <on_stale_token S, std::uint32_t WaitMs = 1000>
struct eventual_reads_with {
  using family = reads_tag;
  static constexpr std::string_view name = S == on_stale_token::redirect ? "eventual_reads" : "eventual_reads_with<wait>";
  static constexpr bool strong = false;
  static constexpr bool lease = false;
  static constexpr on_stale_token stale_token = S;
  static constexpr std::uint32_t wait_ms = WaitMs;
};

/// Reads may be stale; a read whose token is ahead of the replica is redirected to the leader.
using eventual_reads = eventual_reads_with<on_stale_token::redirect>;

}  // namespace replica
