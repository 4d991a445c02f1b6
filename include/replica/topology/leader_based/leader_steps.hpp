#pragma once
/// \file
/// The leader's steps of a leader-based node (etcd's `stepLeader` and `maybeSendAppend`):
/// accepting writes, advancing the commit point by the commit mode's rule, answering the
/// writes it committed, degrading and recovering, shipping appends and snapshots within each
/// follower's window, and taking the followers' answers. A CRTP base of `leader_based_node`:
/// the state stays the node's, and the node befriends this class.

#include <replica/commit/ack_on.hpp>
#include <replica/core/client.hpp>
#include <replica/core/ids.hpp>
#include <replica/topology/leader_based/config.hpp>
#include <replica/topology/leader_based/events.hpp>
#include <replica/topology/leader_based/progress.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace replica::leader_based_detail {

/// Why an append goes: new entries (nothing if there are none or the window is shut); the
/// commit index, to a follower not yet sent it and heard from within an election timeout
/// (entries if the window is open, else nothing; empty if there are none: empty appends do
/// not count against the window, so a silent follower gets heartbeats only); or a heartbeat
/// (always, empty if the window is shut).
enum class ship : std::uint8_t { entries, commit, heartbeat };

template <class Node>
class leader_steps {
 protected:
  Node& n() noexcept { return static_cast<Node&>(*this); }
  const Node& n() const noexcept { return static_cast<const Node&>(*this); }

  /// The leader's step for an append response: the follower's progress, then the commit point,
  /// read rounds, a pending transfer, the next append and the commit index.
  template <class Response>
  void on_append_response(replica_id from, const Response& a) {
    if (n().role_ != role::leader) return;
    progress& p = n().tracker_[from];
    p.heard(n().now_, a.read_round);
    if (p.said_rebuilding(a.rebuilding, n().last_index())) {
      // A follower that lost its disk is caught up once something after the mark commits
      // without it: a no-op makes sure there is something, writes or not.
      n().append_noop();
      broadcast_append();
    }
    if (a.success)
      p.acknowledged(a.received, a.flushed, a.applied, n().last_index(), Node::ack_point, n().now_);
    else
      p.rejected(a.hint, a.need_snapshot, n().last_index());
    advance_commit();
    n().confirm_rounds();
    if (n().transfer_to_ == from && p.match_received >= n().last_index()) n().send(from, typename Node::timeout_now{});
    send_append(from);
    tell_commit();
  }
  /// The clock and configuration a commit rule is asked under.
  [[nodiscard]] auto view() const {
    using context = typename std::remove_cvref_t<decltype(n().tracker_)>::view_context;
    return context{.now = n().now_, .max_lag = n().cfg_.max_lag, .connected = n().cfg_.election_min};
  }
  /// The commit mode's rule over the positions acknowledged at the ack point (or applied).
  [[nodiscard]] std::optional<std::uint64_t> rule(bool applied) const {
    const auto& t = n().tracker_;
    const std::uint64_t own = applied ? n().applied_ : n().durable_index_;
    return t.template commit_point<typename Node::commit_mode>(t.matches(Node::ack_point, applied, own), view());
  }

  /// Accepts one request; true if it appended to the log. `satisfiable`: fail-fast's check (could
  /// the rule commit a new entry now?), worked out once per batch.
  template <class Request>
  bool accept(const Request& req, std::optional<bool>& satisfiable) {
    if (Node::traits::is_query(req.op)) {
      typename Node::reply r{req.client, req.id};
      n().serve_read(req, r);
      return false;
    }
    if (n().role_ != role::leader) {
      typename Node::reply r{req.client, req.id};
      n().redirect(r);
      return false;
    }
    if (n().transfer_to_) {
      typename Node::reply r{req.client, req.id};
      r.status = reply_status::fail;  // a switchover is under way: not done, retry at the new leader
      r.error = errc::not_leader;
      r.leader_hint = n().transfer_to_;
      n().out_.replies.push_back(std::move(r));
      return false;
    }
    if constexpr (std::is_same_v<typename Node::when_missing, when_acks_missing::fail_fast>) {
      if (!satisfiable) satisfiable = n().tracker_.template satisfiable<typename Node::commit_mode>(n().last_index() + 1, view());
      if (!*satisfiable) {
        typename Node::reply r{req.client, req.id};
        r.status = reply_status::fail;
        r.error = errc::unavailable;
        n().out_.replies.push_back(std::move(r));
        return false;
      }
    }
    const std::uint64_t index = n().last_index() + 1;
    n().append_local(Node::traits::command_of(req.op), req.client, req.id);
    n().pending_writes_.emplace_back(index, req.id, n().now_, req.client);
    return true;
  }

  void advance_commit() {
    if (n().role_ != role::leader) return;
    // (Every replica's match is at most the last index, so with all of it committed no rule can
    // move the point: the second acknowledgement of a batch that a majority already holds.)
    if (n().commit_ < n().last_index()) {
      std::optional<std::uint64_t> point = n().degraded_ ? std::optional{n().durable_index_} : rule(false);
      if (point && *point > n().commit_ && n().term_at(*point) == n().hard_.current) {  // current-term rule (Raft §5.4.2)
        n().commit_ = *point;
        n().apply_committed();
      }
    }
    reply_committed_writes();
  }
  void reply_committed_writes() {
    std::uint64_t ackable = n().commit_;
    if (Node::ack_point == ack_on::applied && !n().degraded_) {
      const auto a = rule(true);
      ackable = std::min(n().commit_, a.value_or(0));
    }
    while (!n().pending_writes_.empty() && n().pending_writes_.front().index <= ackable) {
      const auto& w = n().pending_writes_.front();
      typename Node::reply& r = n().out_.replies.emplace_back();  // built in place: replies are the per-entry output
      r.client = w.client;
      r.id = w.id;
      r.token = w.index;
      n().state_.take(w.index, r);
      n().pending_writes_.pop_front();
    }
  }
  void leader_tick() {
    // Check quorum: a leader that has not heard from a majority for an election timeout steps
    // down. (Not under controller_election: there the controller's new term fences a leader.)
    if (n().cfg_.check_quorum && Node::election::self_elect) {
      if (!n().tracker_.quorum_heard(n().now_, n().cfg_.election_max)) {
        n().become_follower(n().hard_.current, std::nullopt);
        return;
      }
    }
    if (n().transfer_to_ && n().now_ >= n().transfer_deadline_) {
      n().transfer_to_.reset();
      n().emit(leader_event::kind::transfer_aborted);
    }
    // Degrade to asynchronous when acks have not come for the configured time.
    if constexpr (Node::when_missing::degrades) {
      if (!n().degraded_ && !n().pending_writes_.empty() && n().now_ - n().pending_writes_.front().since >= Node::when_missing::timeout) {
        n().degraded_ = true;
        n().emit(leader_event::kind::degraded);
      } else if (n().degraded_) {
        const auto c = rule(false);
        if (c && *c >= n().last_index()) {
          n().degraded_ = false;
          n().emit(leader_event::kind::recovered);
        }
      }
    }
    advance_commit();
    if (n().unshipped_since_ && n().now_ - *n().unshipped_since_ >= n().cfg_.ship_interval) {
      n().unshipped_since_.reset();
      broadcast_append();
    }
    if (!n().unshipped_since_) tell_commit();  // (a degraded leader's commits; with writes waiting to ship, they carry it)
    if (n().now_ - n().last_heartbeat_ >= n().cfg_.heartbeat) {
      // Retransmit to followers whose pipeline stalled (lost messages).
      for (auto& p : n().tracker_)
        if (n().now_ - p.last_heard >= n().cfg_.heartbeat * 2) p.stalled();
      broadcast_append(ship::heartbeat);
    }
  }
  /// Followers that have not been sent the commit index learn it now, if `Node::eager_commit` (see
  /// send_append's `ship::commit`); otherwise with their next append or heartbeat.
  void tell_commit() {
    if constexpr (Node::eager_commit) broadcast_append(ship::commit);
  }
  void broadcast_append(ship why = ship::entries) {
    if (why == ship::heartbeat) {
      n().last_heartbeat_ = n().now_;
      if constexpr (Node::lease_reads) {
        // Each heartbeat opens a round; a quorum's acknowledgement of it renews the lease from
        // the moment it was sent.
        n().rounds_.open(n().now_, true);
      }
    }
    for (std::uint32_t i = 0; i < n().n_; ++i)
      if (i != n().self_.value()) send_append(replica_id{i}, why);
  }
  void send_append(replica_id to, ship why = ship::entries) {
    const bool heartbeat = why == ship::heartbeat;
    progress& p = n().tracker_[to];
    if (why == ship::commit && (p.commit_sent >= n().commit_ || !n().tracker_.connected(to.value(), n().now_, n().cfg_.election_min))) return;
    if (p.wants_snapshot(n().log_.base_index())) {
      // The entries it needs are compacted away (or its log diverged below its own compaction
      // point): send the state instead, once per stall.
      if (p.inflight > 0 && !heartbeat) return;
      if (p.inflight > 0 && n().now_ - p.last_heard < n().cfg_.heartbeat * 2) return;
      // And not again while the last one may still be arriving or installing: a large state
      // takes longer than two heartbeats, and each copy is built, encoded and queued whole (a
      // 28 MB one sent every heartbeat filled the transport's queue: docs/benchmarks.md).
      if (p.snapshot_on_its_way(n().now_, n().cfg_.snapshot_retry.count() > 0 ? n().cfg_.snapshot_retry : n().cfg_.election_max)) return;
      typename Node::install_snapshot m{n().snapshot_at(n().applied_), n().commit_};
      p.sent_snapshot(m.snap.index, n().cfg_.max_inflight, n().now_);
      p.sent_commit(n().commit_);
      n().send(to, std::move(m));
      return;
    }
    const bool has_entries = p.next <= n().last_index();
    if (!has_entries && why == ship::entries) return;
    const std::uint64_t in_flight = p.inflight_bytes(n().log_);
    const bool window_open = p.window_open(n().log_, n().cfg_.max_inflight, n().cfg_.max_inflight_bytes);
    if (has_entries && !window_open && !heartbeat) return;
    typename Node::append_request a;
    const std::uint64_t from = has_entries && window_open ? p.next : n().last_index() + 1;
    a.prev = {n().term_at(from - 1), log_index{from - 1}};
    std::uint64_t upto = std::min<std::uint64_t>(n().last_index(), from - 1 + n().cfg_.max_batch);
    if (from <= upto) {
      // Cut the batch to the byte window (one entry always goes, however large).
      const std::uint64_t budget = n().cfg_.max_inflight_bytes - std::min(in_flight, n().cfg_.max_inflight_bytes) + n().log_.bytes_through(from - 1);
      while (upto > from && n().log_.bytes_through(upto) > budget) --upto;
      if (!n().shipped_.empty() && from >= n().shipped_from_ && upto < n().shipped_from_ + n().shipped_.size() &&
          n().shipped_[upto - n().shipped_from_].term == n().log_.at(upto).term) {
        a.entries = n().shipped_.slice(from - n().shipped_from_, upto - from + 1);  // share the batch just persisted
      } else {
        const auto behind = n().log_.slice(from, upto);  // one copy, straight out of the log
        a.entries = n().batches_.copy_of(behind.begin(), behind.end());
      }
    }
    a.commit = n().commit_;
    p.sent_commit(n().commit_);
    a.read_round = n().rounds_.current();
    a.rebuilt = p.rebuilt(n().commit_);
    if (!a.entries.empty()) p.sent_entries(upto);
    n().send(to, std::move(a));
  }
  /// Each follower as this leader sees it (`report()`): position, lag, bytes in flight, in sync.
  void report_followers(std::vector<follower_status>& out) const {
    const Node& nd = n();
    for (std::uint32_t i = 0; i < nd.n_; ++i) {
      if (i == nd.self_.value()) continue;
      const progress& p = nd.tracker_[replica_id{i}];
      const std::uint64_t m = std::min(nd.last_index(), p.match(Node::ack_point));
      const std::uint64_t lag = nd.last_index() - m;
      out.push_back({.id = replica_id{i},
                     .match = m,
                     .lag_entries = lag,
                     .lag_bytes = nd.log_.bytes_through(nd.last_index()) - nd.log_.bytes_through(m),
                     .inflight_bytes = p.inflight_bytes(nd.log_),
                     .lag_time = lag == 0 ? duration{} : nd.now_ - p.caught_up_at,
                     .since_heard = nd.now_ - p.last_heard,
                     .in_sync = nd.tracker_.in_sync(i, nd.now_, nd.cfg_.max_lag),
                     .rebuilding = p.rebuilding});
    }
  }
  void step_down_pending() {
    // Writes we accepted may or may not commit under the next leader: the outcome is unknown.
    for (const auto& w : n().pending_writes_) {
      typename Node::reply r{w.client, w.id};
      r.status = reply_status::unknown;
      n().out_.replies.push_back(std::move(r));
    }
    n().pending_writes_.clear();
    n().state_.forget_outcomes();
    n().pending_reads_.drop_all([this](const auto& rd) { n().fail_read(rd); });
  }
};

}  // namespace replica::leader_based_detail
