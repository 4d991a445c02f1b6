#pragma once
/// \file
/// Read repair of a leaderless node: once a read has its answers, every replica that answered
/// with less than the resolved versions is sent them all (siblings included: it never picks one
/// of concurrent siblings). Asynchronous by default (the read answers first, and repairs when
/// every replica answered or the deadline passed); `blocking_read_repair` repairs the stale
/// replicas of the read's quorum and answers only once they acknowledged. A CRTP base of
/// `leaderless_node`, as the coordinator is.

#include <replica/core/ids.hpp>
#include <replica/topology/leaderless/events.hpp>

#include <cstdint>
#include <optional>
#include <utility>

namespace replica::leaderless_detail {

template <class Node>
class read_repair {
 protected:
  Node& n() noexcept { return static_cast<Node&>(*this); }

  /// Blocking read repair: the replicas that answered with less than `best` are written it, and
  /// the read waits for them. False if none is behind (answer now).
  template <class Q, class State>
  bool start_blocking_repair(std::uint64_t id, Q& q, State& best) {
    using strategy = typename Node::strategy;
    q.repair_wait.assign(q.targets.size(), false);
    std::uint32_t sent = 0;
    for (std::size_t i = 0; i < q.targets.size(); ++i) {
      if (!q.answered[i] || strategy::is_empty(best) || strategy::same_set(q.replies[i], best)) continue;
      if (q.targets[i].id == n().self_) {
        (void)n().store(q.key, best);  // (best is maximal over what was read: it fits)
        q.replies[i] = best;
        continue;
      }
      q.repair_wait[i] = true;
      ++sent;
      n().send(q.targets[i].id, typename Node::put{id, q.key, best, std::nullopt, false});
    }
    if (sent == 0) return false;
    q.waiting = sent;
    q.repaired = std::move(best);
    n().out_.events.push_back({leaderless_event_kind::read_repair, q.key, n().self_, sent});
    return true;
  }
  /// A replica acknowledged a blocking read repair.
  template <class Q>
  void repair_acked(std::uint64_t id, Q& q, replica_id from) {
    for (std::size_t i = 0; i < q.targets.size(); ++i) {
      if (q.targets[i].id != from || !q.repair_wait[i]) continue;
      q.repair_wait[i] = false;
      q.replies[i] = q.repaired;  // (so the read's late repair does not send it again)
      if (--q.waiting == 0) {
        n().answer_read(q, q.repaired);
        n().maybe_finish_read(id, q);
      }
      return;
    }
  }
  /// Read repair: every replica that answered with less than the resolved versions gets them
  /// all (siblings included: it never picks one).
  template <class Q>
  void repair(const Q& q) {
    using strategy = typename Node::strategy;
    if (!n().cfg_.read_repair) return;
    const auto resolved = n().resolve(q);
    if (!resolved || strategy::is_empty(*resolved)) return;
    const auto& best = *resolved;
    std::uint32_t sent = 0;
    for (std::size_t i = 0; i < q.targets.size(); ++i) {
      if (!q.answered[i] || strategy::same_set(q.replies[i], best)) continue;
      ++sent;
      if (q.targets[i].id == n().self_)
        (void)n().store(q.key, best);  // (best is maximal over what was read: it fits)
      else
        n().send(q.targets[i].id, typename Node::put{0, q.key, best, std::nullopt, false});
    }
    if (sent > 0) n().out_.events.push_back({leaderless_event_kind::read_repair, q.key, n().self_, sent});
  }
};

}  // namespace replica::leaderless_detail
