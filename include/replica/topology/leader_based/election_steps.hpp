#pragma once
/// \file
/// The elections of a leader-based node (etcd's `campaign`, `stepCandidate` and vote handling):
/// a pre-vote round when configured (a partitioned node cannot disrupt a working cluster when
/// it returns), a real election that persists the new term and the self-vote before asking,
/// votes granted to up-to-date logs only and made durable before they leave, a leader's
/// hand-over (`timeout_now`), and taking office (a no-op that commits what came before). A CRTP
/// base of `leader_based_node`: the state stays the node's, and the node befriends this class.

#include <replica/core/ids.hpp>
#include <replica/core/time.hpp>
#include <replica/topology/leader_based/events.hpp>
#include <replica/topology/leader_based/leader_steps.hpp>

#include <cstdint>
#include <optional>

namespace replica::leader_based_detail {

template <class Node>
class election_steps {
 protected:
  Node& n() noexcept { return static_cast<Node&>(*this); }

  void start_election() {
    n().votes_.start(n().n_, n().self_);
    n().leader_.reset();
    n().last_heard_leader_ = n().now_;
    n().reset_election_timeout();
    if (n().cfg_.pre_vote) {
      n().role_ = role::pre_candidate;
      n().emit(leader_event::kind::became_pre_candidate);
      if (n().votes_.won()) return start_real_election();
      for (std::uint32_t i = 0; i < n().n_; ++i)
        if (i != n().self_.value()) n().send(replica_id{i}, typename Node::vote_request{true, n().last_position()}, n().hard_.current.next());
      return;
    }
    start_real_election();
  }
  void start_real_election(bool force = false) {
    if (n().role_ == role::leader) n().step_down_pending();
    n().role_ = role::candidate;
    n().leader_.reset();
    n().last_heard_leader_ = n().now_;
    n().reset_election_timeout();
    n().hard_.current = n().hard_.current.next();
    n().hard_.voted_for = n().self_;
    n().persist_hard_state();
    n().votes_.start(n().n_, n().self_);
    n().emit(leader_event::kind::became_candidate);
    if (n().votes_.won()) return become_leader();
    for (std::uint32_t i = 0; i < n().n_; ++i)
      if (i != n().self_.value()) n().send(replica_id{i}, typename Node::vote_request{false, n().last_position(), force});
  }
  void become_leader() {
    n().role_ = role::leader;
    n().leader_ = n().self_;
    n().shipped_ = {};  // a leader's log only grows while it leads: the cache is valid from here on
    n().degraded_ = false;
    n().transfer_to_.reset();
    n().rounds_.reset();
    n().tracker_.reset(n().last_index(), n().now_);
    n().emit(leader_event::kind::became_leader);
    n().term_start_ = n().last_index() + 1;
    n().cluster_clock_offset_ = n().last_cluster_time() - micros(n().now_);  // cluster time goes on from the last entry's
    n().append_noop();  // commits everything before it
    n().broadcast_append(ship::heartbeat);
    n().advance_commit();
  }

  template <class VoteRequest>  // (a template: the node is incomplete where this class is)
  void on_vote_request(replica_id from, replica::term t, const VoteRequest& v) {
    if (n().hard_.rebuilding) {  // what it promised before it lost its disk is unknown: no vote
      n().send(from, typename Node::vote_response{v.pre, false}, v.pre ? std::optional{t} : std::nullopt);
      return;
    }
    const bool up_to_date = v.last >= n().last_position();
    if (v.pre) {
      // Would we vote in term t? Only if we have not heard from a leader lately (so a node that
      // was partitioned away cannot disrupt a working cluster when it returns).
      const bool leader_alive =
          n().role_ == role::leader || (n().leader_.has_value() && n().now_ - n().last_heard_leader_ < n().cfg_.election_min);
      n().send(from, typename Node::vote_response{true, t > n().hard_.current && up_to_date && !leader_alive}, t);
      return;
    }
    const bool can_vote = !n().hard_.voted_for || *n().hard_.voted_for == from;
    const bool grant = can_vote && up_to_date;
    if (grant) {
      n().hard_.voted_for = from;
      n().persist_hard_state();  // durable before the response leaves
      n().last_heard_leader_ = n().now_;
    }
    n().send(from, typename Node::vote_response{false, grant});
  }
  template <class VoteResponse>
  void on_vote_response(replica_id from, replica::term t, const VoteResponse& v) {
    if (v.pre) {
      if (n().role_ != role::pre_candidate || t != n().hard_.current.next()) return;
      if (v.granted) n().votes_.grant(from);
      if (n().votes_.won()) start_real_election();
      return;
    }
    if (n().role_ != role::candidate || t != n().hard_.current) return;
    if (v.granted) n().votes_.grant(from);
    if (n().votes_.won()) become_leader();
  }
  template <class TimeoutNow>
  void on_timeout_now(replica_id from, replica::term t, const TimeoutNow&) {
    if (t != n().hard_.current || n().leader_ != from || n().hard_.rebuilding) return;  // only the current leader hands over
    start_real_election(true);
  }
};

}  // namespace replica::leader_based_detail
