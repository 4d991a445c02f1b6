#pragma once
/// \file
/// A candidate's bookkeeping: the votes it has (a majority elects it, commit/quorum.hpp's
/// arithmetic) and its randomized election timeout (a seeded xorshift: the same seed and replica
/// give the same timeouts, so simulated runs replay exactly).

#include <replica/commit/quorum.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/time.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace replica::leader_based_detail {

/// The votes of one election round.
class vote_tally {
 public:
  /// A new round among `n` replicas, with `self`'s own vote.
  void start(std::size_t n, replica_id self) {
    votes_.assign(n, false);
    votes_[self.value()] = true;
  }
  /// `from` granted its vote (counted once, however often it says so).
  void grant(replica_id from) {
    if (from.value() < votes_.size()) votes_[from.value()] = true;
  }
  [[nodiscard]] std::size_t count() const noexcept {
    std::size_t k = 0;
    for (bool v : votes_) k += v;
    return k;
  }
  [[nodiscard]] bool won() const noexcept { return !votes_.empty() && is_majority(count(), votes_.size()); }

 private:
  std::vector<bool> votes_;
};

/// Randomized election timeouts in [min, max).
class election_timer {
 public:
  election_timer(std::uint64_t seed, replica_id self) noexcept : state_{(seed ^ 0x9e3779b97f4a7c15ULL) * (self.value() + 1) + 1} {}
  /// The next timeout.
  duration next(duration min, duration max) noexcept {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    const auto span = (max - min).count();
    return min + duration{span > 0 ? static_cast<duration::rep>(state_ % static_cast<std::uint64_t>(span)) : 0};
  }

 private:
  std::uint64_t state_;
};

}  // namespace replica::leader_based_detail
