#pragma once
/// \file
/// What a leader-based node reports (its events) and the roles it moves between.

#include <replica/core/ids.hpp>

#include <cstdint>
#include <string_view>

namespace replica {

/// What a leader-based node reports.
struct leader_event {
  enum class kind : std::uint8_t {
    became_follower,
    became_pre_candidate,
    became_candidate,
    became_leader,
    stepped_down,     ///< a leader lost its quorum (check quorum) or saw a higher term
    degraded,         ///< commit fell back to asynchronous (acks did not come in time)
    recovered,        ///< the commit mode's rule holds again
    rewound,          ///< applied entries were discarded: they conflicted with the new leader's log
    compacted,        ///< entries up to `index` were folded into a snapshot
    snapshot_installed,  ///< a follower replaced its state with the leader's snapshot (at `index`)
    transfer_started,    ///< the leader hands leadership to another replica
    transfer_aborted,    ///< the target did not take over within an election timeout
    rebuild_started,     ///< a replica started from a lost disk: it waits for a leader to catch it up
    rebuilt,             ///< that replica was caught up: it votes and counts again
  } what{};
  replica::term term{};
  std::uint64_t index = 0;  ///< last log index when it happened
};

constexpr std::string_view to_string(leader_event::kind k) noexcept {
  using k_t = leader_event::kind;
  switch (k) {
    case k_t::became_follower: return "became_follower";
    case k_t::became_pre_candidate: return "became_pre_candidate";
    case k_t::became_candidate: return "became_candidate";
    case k_t::became_leader: return "became_leader";
    case k_t::stepped_down: return "stepped_down";
    case k_t::degraded: return "degraded";
    case k_t::recovered: return "recovered";
    case k_t::rewound: return "rewound";
    case k_t::compacted: return "compacted";
    case k_t::snapshot_installed: return "snapshot_installed";
    case k_t::transfer_started: return "transfer_started";
    case k_t::transfer_aborted: return "transfer_aborted";
    case k_t::rebuild_started: return "rebuild_started";
    case k_t::rebuilt: return "rebuilt";
  }
  return "?";
}

/// A role in the protocol.
enum class role : std::uint8_t { follower, pre_candidate, candidate, leader };
}  // namespace replica
