#pragma once
/// \file
/// The outside controller of `controller_election` (Kafka's controller, Patroni over its
/// consensus store): it watches the replicas' status, remembers the leader's in-sync set, and
/// when the leader has been unreachable for `failover_after`, promotes the most advanced
/// reachable replica of that set at a new term.
///
/// I/O-free like the nodes: the driver feeds it `observe(replica, report)` for every replica it
/// can reach, calls `decide(now)`, and carries out a returned promotion by calling the
/// replica's `promote(now, term)`. `sim::run_failover_controller` does that on the simulator.
///
/// With `unclean` allowed and no in-sync replica reachable, it promotes the most advanced
/// reachable replica anyway and counts what that throws away: the log positions the old
/// leader had committed (acknowledged) beyond the new leader's log.

#include <replica/core/ids.hpp>
#include <replica/core/time.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace replica {

class failover_controller {
 public:
  struct options {
    std::size_t nodes = 3;
    duration failover_after = std::chrono::milliseconds{300};
    bool unclean = false;  ///< promote outside the in-sync set when nothing in it is left
  };
  struct promotion {
    replica_id to;
    replica::term term;
    bool unclean = false;
    /// Positions the old leader had acknowledged that the new leader lacks (0 if clean).
    std::uint64_t thrown_away = 0;
  };

  explicit failover_controller(options o) : opt_{o}, seen_(o.nodes), isr_(o.nodes, true) {}

  /// Starts a round of observations at `now` (forgets who was reachable).
  void begin_round(local_time now) {
    now_ = now;
    for (auto& s : seen_) s.reachable = s.leads = false;
  }
  /// What one reachable replica reports (a leader_based_node's `report()`).
  template <class Report>
  void observe(replica_id r, const Report& rep) {
    if (r.value() >= seen_.size()) return;
    auto& s = seen_[r.value()];
    s.reachable = true;
    s.last_index = rep.last_index;
    using role_t = decltype(rep.role);
    s.leads = rep.role == role_t::leader;
    if (rep.term > max_term_) max_term_ = rep.term;
    if (s.leads && (!leader_ || rep.term >= leader_term_)) {
      leader_ = r;
      leader_term_ = rep.term;
      leader_seen_ = now_;
      leader_commit_ = rep.commit;
      // The leader's in-sync set (itself included), as Kafka's leader records it in the controller.
      std::fill(isr_.begin(), isr_.end(), false);
      isr_[r.value()] = true;
      for (const auto& f : rep.followers) isr_[f.id.value()] = f.in_sync;
    }
  }
  /// After a round: the promotion to carry out, if the leader has been gone long enough.
  [[nodiscard]] std::optional<promotion> decide() {
    // A leader that is reachable and still leads is fine; one that restarted (and follows) or
    // cannot be reached is replaced once it has been gone for failover_after.
    if (leader_ && seen_[leader_->value()].reachable && seen_[leader_->value()].leads) return std::nullopt;
    if (leader_ && now_ - leader_seen_ < opt_.failover_after) return std::nullopt;
    if (!leader_ && now_.time_since_epoch() < opt_.failover_after) return std::nullopt;  // let the first leader be chosen after startup
    auto best = most_advanced(true);
    bool unclean = false;
    if (!best && opt_.unclean) {
      best = most_advanced(false);
      unclean = best.has_value();
    }
    if (!best) return std::nullopt;
    const std::uint64_t have = seen_[best->value()].last_index;
    promotion p{*best, max_term_.next(), unclean, unclean && leader_commit_ > have ? leader_commit_ - have : 0};
    if (leader_) isr_[leader_->value()] = false;
    leader_ = *best;
    leader_term_ = p.term;
    leader_seen_ = now_;
    max_term_ = p.term;
    thrown_away_ += p.thrown_away;
    ++promotions_;
    return p;
  }

  [[nodiscard]] std::optional<replica_id> leader() const noexcept { return leader_; }
  [[nodiscard]] bool in_sync(replica_id r) const { return r.value() < isr_.size() && isr_[r.value()]; }
  [[nodiscard]] std::uint64_t promotions() const noexcept { return promotions_; }
  /// Acknowledged positions thrown away by unclean promotions so far.
  [[nodiscard]] std::uint64_t thrown_away() const noexcept { return thrown_away_; }

 private:
  struct seen {
    bool reachable = false;
    bool leads = false;
    std::uint64_t last_index = 0;
  };
  /// The reachable replica (in the in-sync set, if `isr_only`) with the longest log; ties go to
  /// the lowest id.
  [[nodiscard]] std::optional<replica_id> most_advanced(bool isr_only) const {
    std::optional<replica_id> best;
    for (std::uint32_t i = 0; i < seen_.size(); ++i) {
      if (!seen_[i].reachable || (isr_only && !isr_[i])) continue;
      if (!best || seen_[i].last_index > seen_[best->value()].last_index) best = replica_id{i};
    }
    return best;
  }

  options opt_;
  std::vector<seen> seen_;
  std::vector<bool> isr_;  ///< the last in-sync set a leader reported (everyone, before any leader)
  std::optional<replica_id> leader_;
  replica::term leader_term_{}, max_term_{};
  local_time now_{}, leader_seen_{};
  std::uint64_t leader_commit_ = 0;
  std::uint64_t thrown_away_ = 0;
  std::uint64_t promotions_ = 0;
};

}  // namespace replica
