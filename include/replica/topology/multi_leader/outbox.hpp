#pragma once
/// \file
/// The changes a multi-leader node keeps for sending until every leader it sends them to has
/// acknowledged them: its own, and (ring, star hub) those it relays. Propagation is
/// at-least-once: what a peer has not acknowledged is offered again on every re-send.
///
///   outbox<change> box{disk.log};
///   box.keep(c);
///   auto again = box.due(peer, plan, book.applied(peer), 256);  // not yet acknowledged by peer
///   auto gone = box.trim(plan, targets, book);                   // every receiver has it: sorted dots

#include <replica/core/ids.hpp>
#include <replica/topology/multi_leader/acknowledgements.hpp>
#include <replica/topology/multi_leader/propagation.hpp>
#include <replica/versioning/dot.hpp>
#include <replica/versioning/version_vector.hpp>

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace replica::multi_leader_detail {

/// `Change`: has `origin` (a replica id) and `seq` (its origin's sequence number).
template <class Change>
class outbox {
 public:
  outbox() = default;
  explicit outbox(std::vector<Change> kept) : kept_{std::move(kept)} {}

  void keep(const Change& c) { kept_.push_back(c); }
  [[nodiscard]] std::size_t size() const noexcept { return kept_.size(); }

  /// The kept changes `plan` sends to `to` that `to` has not acknowledged (`acked`: what it
  /// has applied), oldest first, at most `max`.
  [[nodiscard]] std::vector<Change> due(replica_id to, const propagation_plan& plan, const version_vector<>& acked, std::size_t max) const {
    std::vector<Change> out;
    for (const Change& c : kept_) {
      if (out.size() >= max) break;
      if (plan.ships(c.origin, to) && c.seq > acked.counter(c.origin)) out.push_back(c);
    }
    return out;
  }
  /// Drops the changes every target `plan` sends them to has acknowledged; returns their dots,
  /// sorted (what the persisted copy drops too).
  [[nodiscard]] std::vector<dot> trim(const propagation_plan& plan, const std::vector<replica_id>& targets, const ack_book& book) {
    std::vector<dot> gone;
    std::erase_if(kept_, [&](const Change& c) {
      for (replica_id p : targets)
        if (plan.ships(c.origin, p) && book.applied(p).counter(c.origin) < c.seq) return false;
      gone.push_back(dot{c.origin, c.seq});
      return true;
    });
    std::sort(gone.begin(), gone.end());
    return gone;
  }

 private:
  std::vector<Change> kept_;  ///< in the order kept
};

}  // namespace replica::multi_leader_detail
