#pragma once
/// \file
/// The ack point: what a follower must have done with an entry before its acknowledgement
/// counts towards committing it (PostgreSQL's synchronous_commit = remote_write / on /
/// remote_apply), and what the leader does when the acks it needs do not come.

#include <replica/core/time.hpp>

#include <cstdint>
#include <string_view>

namespace replica {

/// When a follower's acknowledgement counts.
enum class ack_on {
  received,  ///< in the follower's memory (PostgreSQL remote_write): lost if it crashes
  flushed,   ///< durable on the follower's disk (PostgreSQL on): survives a follower crash
  applied,   ///< applied to the follower's state (PostgreSQL remote_apply): visible to its reads
};

constexpr std::string_view to_string(ack_on a) noexcept {
  switch (a) {
    case ack_on::received: return "received";
    case ack_on::flushed: return "flushed";
    case ack_on::applied: return "applied";
  }
  return "?";
}

/// What the leader does when a write cannot gather the acks its commit mode needs.
namespace when_acks_missing {

/// Wait (the write stays pending; a client that times out records `info`). PostgreSQL's default.
struct block {
  static constexpr std::string_view name = "block";
  static constexpr bool degrades = false;
};
/// Refuse the write at once with `unavailable` (Kafka's NotEnoughReplicas).
struct fail_fast {
  static constexpr std::string_view name = "fail_fast";
  static constexpr bool degrades = false;
};
/// After `TimeoutMs` without enough acks, acknowledge asynchronously and report the degraded
/// state as an event until enough replicas are back (MySQL's rpl_semi_sync_master_timeout).
template <std::int64_t TimeoutMs = 10'000>
struct fall_back_to_async {
  static_assert(TimeoutMs > 0, "replica::fall_back_to_async: the timeout must be positive");
  static constexpr std::string_view name = "fall_back_to_async";
  static constexpr bool degrades = true;
  static constexpr duration timeout = std::chrono::milliseconds{TimeoutMs};
};

}  // namespace when_acks_missing
}  // namespace replica
