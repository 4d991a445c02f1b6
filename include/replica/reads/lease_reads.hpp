#pragma once
/// \file
/// Linearizable leader reads without a round trip per read: the leader serves reads locally
/// while it holds a lease, which a quorum's acknowledgement of its heartbeats renews.
///
/// The clock assumption (the price of skipping the round trip): every replica's clock runs at
/// a rate within `MaxDriftPpm` parts per million of true time, and never jumps. Offsets do not
/// matter: each replica only measures intervals on its own clock.
/// - A follower that heard from the leader less than `election_min` ago (its own clock) refuses
///   to vote, so no other leader can exist until that interval has passed.
/// - The leader's lease starts when it sent the heartbeat round a quorum acknowledged, and
///   lasts election_min * (1 - rho) / (1 + rho) of its own clock, rho = MaxDriftPpm / 10^6:
///   shorter than the shortest true interval any follower's election_min can take.
/// A clock that runs faster than the bound, or jumps forward, voids the promise: the test
/// `lease reads go stale when a clock breaks the drift bound` shows the stale read.

#include <replica/core/policy.hpp>

#include <cstdint>

namespace replica {

/// Leader reads served under a lease; linearizable if clocks drift by at most MaxDriftPpm.
template <std::uint32_t MaxDriftPpm = 1000>
struct lease_reads {
  using family = reads_tag;
  static constexpr std::string_view name = "lease_reads";
  static constexpr bool strong = true;
  static constexpr bool lease = true;
  static constexpr std::uint32_t max_drift_ppm = MaxDriftPpm;
  static_assert(MaxDriftPpm < 1'000'000,
                "replica::lease_reads: MaxDriftPpm must be below 1,000,000 (a clock drifting by 100% or more "
                "bounds nothing); typical quartz drift is under 100 ppm");
};

}  // namespace replica
