#pragma once
/// \file
/// The node of a leader-based replicator: Raft-style leader election and log shipping, with the
/// commit mode, ack point and read guarantee taken from the composed policies.
///
///   using pg_like = replica::replicator<replica::leader_based, replica::semi_synchronous<1>>;
///   replica::leader_based_node<pg_like> node{self, config, disk};             // integer registers
///   replica::leader_based_node<pg_like, my_ledger> ledger{self, config, disk};  // the user's machine
///
/// The node replicates a `state_machine` (core/state_machine.hpp; default `kv_register`): a
/// write's command goes through the log and reaches `Machine::apply` on every replica in log
/// order once committed; a read's query goes to the const `Machine::read` under the read
/// guarantee; compaction takes `Machine::snapshot()` at the applied index and snapshot install
/// goes through `Machine::restore`. The node never names keys or values.
///
/// - Election: terms, randomized timeouts, pre-vote, votes only for candidates whose log is at
///   least as up to date (Raft §5.4.1), and a leader that has not heard from a majority for an
///   election timeout steps down (check quorum). A new leader appends a no-op of its term.
/// - Log shipping: pipelined appends with an in-flight limit per follower; a follower checks
///   the previous (index, term), truncates a conflicting suffix and answers with a hint;
///   duplicated, reordered and lost messages are harmless.
/// - Commit: the commit mode's `commit_point` over the replicas' acknowledged positions at the
///   ack point (received, flushed; `applied` gates the client's reply on followers having
///   applied), and, as Raft requires, only entries of the current term are committed by
///   counting. The protocol code does not branch on the commit mode.
/// - When acks do not come: `block` waits, `fail_fast` refuses writes the rule cannot commit
///   now, `fall_back_to_async<T>` commits on the leader alone after T and reports it.
/// - Reads: with `strong_reads`, the leader serves a read after a quorum confirms it is still
///   leader (read-index); followers redirect. With `lease_reads<ppm>`, the leader serves reads
///   locally while its lease holds (see lease_reads.hpp for the clock assumption). With
///   `eventual_reads`, any replica serves its own state; a read carrying a token (a write's log
///   position) newer than the follower's applied state is redirected to the leader, or waits
///   (`eventual_reads_with<on_stale_token::wait>`).
/// - Flow control: per follower at most `max_inflight` appends and `max_inflight_bytes` bytes
///   unacknowledged; lag is reported in entries, bytes and time.
/// - Compaction: `compact(index)` (or `compact_every`) folds applied entries into a snapshot; a
///   follower that needs compacted entries (behind the compaction point, or diverged below
///   its own) receives the leader's snapshot instead.
/// - Election: `raft_election` (votes) or `controller_election` (an outside controller calls
///   `promote`); `transfer_leadership(to)` hands leadership over gracefully (Raft §3.10).
///
/// Bad input (a message from an unknown replica, for another group, or from a stale term; a
/// client token from the future; an operation for the leader at a follower) is refused with an
/// error value and changes no state.

#include <replica/commit/ack_on.hpp>
#include <replica/commit/quorum.hpp>
#include <replica/core/client.hpp>
#include <replica/core/effects.hpp>
#include <replica/core/envelope.hpp>
#include <replica/core/extent.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>
#include <replica/core/state_machine.hpp>
#include <replica/core/time.hpp>
#include <replica/data/kv_register.hpp>
#include <replica/reads/eventual_reads.hpp>
#include <replica/core/node.hpp>
#include <replica/topology/leader_based/election.hpp>
#include <replica/topology/leader_based/entry_batch.hpp>
#include <replica/topology/leader_based/fifo.hpp>
#include <replica/topology/leader_based/raft_log.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

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
  }
  return "?";
}

/// A role in the protocol.
enum class role : std::uint8_t { follower, pre_candidate, candidate, leader };

namespace detail {
template <class C>
constexpr ack_on ack_point_of() {
  if constexpr (requires { C::ack_point; })
    return C::ack_point;
  else
    return ack_on::flushed;
}
template <class C>
struct when_missing_of {
  using type = when_acks_missing::block;
};
template <class C>
  requires requires { typename C::when_missing; }
struct when_missing_of<C> {
  using type = typename C::when_missing;
};
template <class Reads>
constexpr bool lease_of() {
  if constexpr (requires { Reads::lease; }) return Reads::lease; else return false;
}
template <class Reads>
constexpr std::uint32_t drift_ppm_of() {
  if constexpr (requires { Reads::max_drift_ppm; }) return Reads::max_drift_ppm; else return 0;
}
template <class Reads>
constexpr on_stale_token stale_token_of() {
  if constexpr (requires { Reads::stale_token; }) return Reads::stale_token; else return on_stale_token::redirect;
}
template <class Reads>
constexpr std::uint32_t wait_ms_of() {
  if constexpr (requires { Reads::wait_ms; }) return Reads::wait_ms; else return 1000;
}
template <class P>
struct election_or_default {
  using type = P;
};
template <>
struct election_or_default<void> {
  using type = raft_election;
};
}  // namespace detail

template <class R, state_machine Machine = kv_register>
class leader_based_node {
  using traits = machine_traits<Machine>;

 public:
  using replicator_type = R;
  using machine_type = Machine;
  /// What a client request carries (a command or a query), and the reply it gets.
  using operation = typename traits::operation;
  using command = typename traits::command;
  using query = typename traits::query;
  using result_type = typename traits::result;
  using reply = basic_client_reply<result_type>;
  using commit_mode = typename R::commit_mode;
  using when_missing = typename detail::when_missing_of<commit_mode>::type;
  static constexpr ack_on ack_point = detail::ack_point_of<commit_mode>();
  static constexpr bool strong_reads = R::reads::strong;
  static constexpr bool lease_reads = detail::lease_of<typename R::reads>();
  static constexpr on_stale_token stale_token = detail::stale_token_of<typename R::reads>();
  /// Whether followers are told a new commit index at once (etcd's broadcast after a commit)
  /// rather than with the next append or heartbeat: when something waits on what a follower
  /// has applied, that is follower reads (a read policy that is not strong) or the applied ack
  /// point (a write's reply waits for followers to apply it). Otherwise nothing a client sees
  /// depends on it, and the two messages per follower per commit are saved.
  static constexpr bool eager_commit = !strong_reads || ack_point == ack_on::applied;
  using election = typename detail::election_or_default<typename R::template policy_for<election_tag>>::type;

  /// One log entry: a client's command (or a leader's no-op) at a position.
  struct entry {
    replica::term term{};
    std::uint64_t index = 0;
    command op{};  ///< (a default command in a no-op, never applied)
    /// The holding log's size in bytes through this entry (raft_log::bytes_through): set by the
    /// log it is appended to, never taken from a message; not part of the entry's value.
    std::uint64_t log_bytes = 0;
    /// A leader's no-op (appended when it takes office): it commits the entries before it and
    /// does not reach the state machine.
    bool is_noop = false;
    [[nodiscard]] bool noop() const noexcept { return is_noop; }
    /// The command's variable size on the wire (the log counts bytes with it).
    [[nodiscard]] std::uint64_t body_bytes() const noexcept { return traits::body_bytes(op); }
    friend bool operator==(const entry& a, const entry& b) noexcept {
      return a.term == b.term && a.index == b.index && a.is_noop == b.is_noop && a.op == b.op;
    }
  };
  /// Entries shipped or persisted together, sharing one buffer (see entry_batch.hpp).
  using batch = leader_based_detail::entry_batch<entry>;

  // ---- messages ----
  struct vote_request {
    bool pre = false;  ///< a pre-vote: asks "would you vote?" without disturbing terms
    log_position last{};
    bool force = false;  ///< a leadership transfer or manual failover: ignore the leader's lease
  };
  struct vote_response {
    bool pre = false;
    bool granted = false;
  };
  struct append_request {
    log_position prev{};
    batch entries;
    std::uint64_t commit = 0;
    std::uint64_t read_round = 0;  ///< read-index confirmation round this heartbeat carries
  };
  struct append_response {
    bool success = false;
    std::uint64_t received = 0;  ///< last index in the follower's log (in memory)
    std::uint64_t flushed = 0;   ///< last index durable on its disk
    std::uint64_t applied = 0;   ///< last index applied to its state
    std::uint64_t hint = 0;      ///< on rejection: the leader should retry from hint + 1
    std::uint64_t read_round = 0;
    bool need_snapshot = false;  ///< on rejection: the logs diverge below my compaction point
  };
  /// The applied state at a log position, replacing the receiver's log up to it.
  struct snapshot {
    std::uint64_t index = 0;
    replica::term term{};
    std::uint64_t bytes = 0;  ///< bytes_through(index) of the log it folds
    /// The machine's state after applying through `index` (an empty disk: the state of a
    /// default-constructed machine, before any command).
    typename Machine::snapshot_type state = Machine{}.snapshot();
    friend bool operator==(const snapshot&, const snapshot&) = default;
  };
  struct install_snapshot {
    snapshot snap;
    std::uint64_t commit = 0;
  };
  /// A leadership transfer's last step: "campaign now, you are up to date" (Raft's TimeoutNow).
  struct timeout_now {};
  using message = std::variant<vote_request, vote_response, append_request, append_response, install_snapshot, timeout_now>;

  // ---- persistence ----
  struct hard_state {
    replica::term current{};
    std::optional<replica_id> voted_for{};
    friend bool operator==(const hard_state&, const hard_state&) = default;
  };
  /// Truncate the log after `from - 1`, then append `entries` (which start at `from`).
  struct log_write {
    std::uint64_t from = 1;
    batch entries;
  };
  using persist_entry = std::variant<hard_state, log_write, snapshot>;
  struct durable_state {
    hard_state hard{};
    snapshot snap{};         ///< the compaction point and the state at it
    std::vector<entry> log;  ///< log[i] has index snap.index + i + 1
  };
  using event = leader_event;

  struct config {
    std::size_t nodes = 3;  ///< used when the cluster size is dynamic
    group_id group{};
    duration election_min = std::chrono::milliseconds{150};
    duration election_max = std::chrono::milliseconds{300};
    duration heartbeat = std::chrono::milliseconds{30};
    bool pre_vote = true;
    bool check_quorum = true;
    std::size_t max_batch = 64;     ///< entries per append
    std::size_t max_inflight = 8;   ///< unacknowledged appends per follower
    duration max_lag = std::chrono::milliseconds{500};  ///< in-sync set: caught up within this
    std::uint64_t seed = 0;         ///< for randomized election timeouts
    /// 0: ship each write at once. Otherwise the leader batches writes and ships them at the
    /// first tick this long after the oldest unshipped one (Kafka's linger.ms, a binlog
    /// sender's batching); under asynchronous commit, writes acknowledged inside that window
    /// are exactly what a leader crash loses.
    duration ship_interval{0};
    std::uint64_t max_inflight_bytes = 1 << 20;  ///< unacknowledged bytes per follower (a batch is cut to fit; one entry always goes)
    /// 0: compact only when `compact` is called. Otherwise fold applied entries into a snapshot
    /// whenever more than this many follow the compaction point (keeping `compact_keep`).
    std::uint64_t compact_every = 0;
    std::uint64_t compact_keep = 0;
  };

  /// One follower's replication progress, as the leader tracks it (etcd's `tracker.Progress`).
  struct progress {
    std::uint64_t next = 1;  ///< Invariant: match_received < next
    std::uint64_t match_received = 0, match_flushed = 0, match_applied = 0;
    std::size_t inflight = 0;
    local_time last_heard{};
    local_time caught_up_at{};
    std::uint64_t read_round = 0;
    bool need_snapshot = false;
    std::uint64_t commit_sent = 0;  ///< the highest commit index sent to it
  };

  /// What an operator sees (lag, in-sync set, degraded mode).
  struct follower_status {
    replica_id id;
    std::uint64_t match = 0;
    std::uint64_t lag_entries = 0;
    std::uint64_t lag_bytes = 0;  ///< wire bytes of the entries it lacks
    std::uint64_t inflight_bytes = 0;
    duration lag_time{};     ///< how long since it last held everything the leader had (0: caught up)
    duration since_heard{};
    bool in_sync = false;
  };
  struct status_report {
    replica::role role{};
    replica::term term{};
    std::optional<replica_id> leader;
    std::uint64_t last_index = 0, commit = 0, applied = 0;
    std::uint64_t snapshot_index = 0;
    bool degraded = false;
    bool lease = false;  ///< a leader holding a read lease now
    std::vector<follower_status> followers;  ///< leader only
  };

  leader_based_node(replica_id self, const config& cfg, const durable_state& disk)
      : self_{self},
        cfg_{cfg},
        n_{cluster_nodes(cfg)},
        hard_{disk.hard},
        log_{disk.snap.index, disk.snap.term, disk.snap.bytes, disk.log},
        durable_index_{log_.last_index()},
        commit_{disk.snap.index},
        applied_{disk.snap.index},
        snapshot_state_{disk.snap.state} {
    machine_.restore(snapshot_state_);
    rng_state_ = (cfg.seed ^ 0x9e3779b97f4a7c15ULL) * (self.value() + 1) + 1;
    if constexpr (fixed_nodes == dynamic_extent) {
      progress_.resize(n_);
      match_buf_.resize(n_);
    }
    isr_buf_ = std::make_unique<bool[]>(n_);
    conn_buf_ = std::make_unique<bool[]>(n_);
    reset_election_timeout();
  }

  // ---- inputs ---------------------------------------------------------------------------------

  status step(const envelope<message>& m, local_time now) { return receive(m, now); }
  /// The same, from a caller that owns the message and is done with it (a network layer or the
  /// simulator, after taking it off its queue): a follower then persists the batch of entries it
  /// brought by taking it over, not by sharing it (one reference count less per append).
  status step(envelope<message>&& m, local_time now) { return receive(std::move(m), now); }

 private:
  /// step's body, for a message read (`const envelope&`) or owned (`envelope&&`).
  template <class E>
  status receive(E&& m, local_time now) {
    now_ = now;
    if (!booted_) boot();
    if (m.from.value() >= n_ || m.from == self_) return error{errc::unknown_replica, "sender is not a peer in this cluster"};
    if (m.to != self_) return error{errc::unknown_replica, "message addressed to another replica"};
    if (m.group != cfg_.group) return error{errc::wrong_group, "message for another replication group"};
    const bool is_pre = is_pre_vote_message(m.payload);
    if (m.term < hard_.current && !is_pre) {
      // Tell a stale sender about the newer term, so a deposed leader steps down.
      if (std::holds_alternative<append_request>(m.payload) || std::holds_alternative<install_snapshot>(m.payload))
        send(m.from, append_response{false, last_index(), durable_index_, applied_, last_index(), 0});
      else if (const auto* v = std::get_if<vote_request>(&m.payload))
        send(m.from, vote_response{v->pre, false});
      return error{errc::stale_term, "message from an older term"};
    }
    if constexpr (lease_reads) {
      // A replica that heard from a live leader within election_min does not vote, nor even
      // learn the candidate's term: that is what lets the leader's lease hold.
      if (const auto* v = std::get_if<vote_request>(&m.payload); v && !v->pre && !v->force && m.term > hard_.current && in_lease())
        return {};
    }
    if (m.term > hard_.current && !is_pre) {
      const bool from_leader = std::holds_alternative<append_request>(m.payload) || std::holds_alternative<install_snapshot>(m.payload);
      become_follower(m.term, from_leader ? std::optional{m.from} : std::nullopt);
    }
    std::visit([&](auto&& p) { handle(m.from, m.term, std::forward<decltype(p)>(p)); }, std::forward<E>(m).payload);
    maybe_compact();
    return {};
  }

 public:
  void tick(local_time now) {
    now_ = now;
    if (!booted_) boot();
    if (ack_point == ack_on::received) flush();
    expire_waiting_reads();
    if (role_ == role::leader) {
      leader_tick();
    } else if (election::self_elect && now_ - last_heard_leader_ >= election_timeout_) {
      start_election();
    }
    maybe_compact();
  }

  void submit(const client_request<operation>& req, local_time now) { submit_batch(std::span{&req, 1}, now); }

  /// Several requests at once (a client batch, Kafka's producer batch): appended together and
  /// shipped in one append per follower. Reads in the batch are served as single reads.
  void submit_batch(std::span<const client_request<operation>> reqs, local_time now) {
    now_ = now;
    if (!booted_) boot();
    bool appended = false;
    batching_ = true;  // one persisted write for the whole batch (group commit)
    std::optional<bool> satisfiable;  // fail_fast's check: once per batch (nothing it reads changes within one)
    for (const auto& req : reqs) appended |= accept(req, satisfiable);
    batching_ = false;
    if (!appended) return;
    flush();
    advance_commit();  // (first: an append shipped now carries what this commits, under asynchronous commit)
    if (cfg_.ship_interval.count() == 0) {
      broadcast_append();
    } else if (!unshipped_since_) {
      unshipped_since_ = now;
    }
    maybe_compact();
  }

  // ---- operator actions -------------------------------------------------------------------------

  /// Graceful switchover (Raft §3.10, `etcdctl move-leader`, Patroni's switchover): the leader
  /// stops taking writes, brings `to` up to date, then tells it to campaign at once. Aborted
  /// (event `transfer_aborted`) if `to` has not taken over within an election timeout.
  status transfer_leadership(replica_id to, local_time now) {
    now_ = now;
    if (to.value() >= n_) return error{errc::unknown_replica, "transfer target is not in this cluster"};
    if (role_ != role::leader) return error{errc::not_leader, "only the leader can transfer leadership"};
    if (to == self_) return {};
    transfer_to_ = to;
    transfer_deadline_ = now_ + cfg_.election_max;
    emit(leader_event::kind::transfer_started);
    if (progress_[to.value()].match_received >= last_index())
      send(to, timeout_now{});
    else
      send_append(to);
    return {};
  }

  /// Manual failover. Under raft_election: campaign now, skipping pre-vote and the leader's
  /// lease (it still needs a majority of votes, so it cannot lose committed writes). Under
  /// controller_election: become leader at `at_term`, which the controller chose above every
  /// term it has seen (it fences the old leader).
  status promote(local_time now, std::optional<replica::term> at_term = std::nullopt) {
    now_ = now;
    if (!booted_) boot();
    if constexpr (election::self_elect) {
      if (role_ == role::leader) return {};
      start_real_election(true);
    } else {
      if (!at_term) return error{errc::out_of_range, "controller_election: promote needs the controller's new term"};
      if (*at_term <= hard_.current) return error{errc::stale_term, "promotion term is not above this replica's term"};
      if (role_ == role::leader) step_down_pending();
      hard_.current = *at_term;
      hard_.voted_for = self_;
      persist_hard_state();
      become_leader();
    }
    return {};
  }

  /// Folds applied entries up to `index` into a snapshot; later followers that need them get
  /// the snapshot. `out_of_range` past the applied index.
  status compact(std::uint64_t index) {
    if (index > applied_) return error{errc::out_of_range, "cannot compact past the applied index"};
    if (index <= log_.snapshot_index()) return {};
    // The state at `index`: the state now, if nothing after it is applied; otherwise replay.
    snapshot s = snapshot_at(index);
    snapshot_state_ = s.state;
    log_.compact_through(index);
    out_.persist.push_back(std::move(s));
    emit(leader_event::kind::compacted);
    return {};
  }

  effects_of<leader_based_node>& effects() { return out_; }

  static void persist(durable_state& d, const persist_entry& p) {
    if (const auto* h = std::get_if<hard_state>(&p)) {
      d.hard = *h;
    } else if (const auto* w = std::get_if<log_write>(&p)) {
      const std::uint64_t keep = w->from - 1 > d.snap.index ? w->from - 1 - d.snap.index : 0;
      d.log.resize(std::min<std::size_t>(d.log.size(), keep));
      for (const entry& e : w->entries)
        if (e.index > d.snap.index) d.log.push_back(e);
    } else {
      const auto& s = std::get<snapshot>(p);
      const std::uint64_t at = s.index > d.snap.index ? s.index - d.snap.index : 0;  // position in d.log
      const bool keep_suffix = at >= 1 && at <= d.log.size() && d.log[at - 1].term == s.term;
      if (keep_suffix)
        d.log.erase(d.log.begin(), d.log.begin() + static_cast<std::ptrdiff_t>(at));
      else
        d.log.clear();
      d.snap = s;
    }
  }

  // ---- observation ------------------------------------------------------------------------------

  [[nodiscard]] replica::role current_role() const noexcept { return role_; }
  [[nodiscard]] bool is_leader() const noexcept { return role_ == role::leader; }
  [[nodiscard]] replica::term current_term() const noexcept { return hard_.current; }
  [[nodiscard]] std::optional<replica_id> leader() const noexcept { return leader_; }
  [[nodiscard]] std::uint64_t commit_index() const noexcept { return commit_; }
  [[nodiscard]] std::uint64_t applied_index() const noexcept { return applied_; }
  [[nodiscard]] std::uint64_t last_index() const noexcept { return log_.last_index(); }
  [[nodiscard]] std::uint64_t snapshot_index() const noexcept { return log_.snapshot_index(); }
  /// The entries after the compaction point (all of them if nothing was compacted).
  [[nodiscard]] const std::vector<entry>& log() const noexcept { return log_.entries(); }
  /// The entry at `index`, unless compacted away or past the end.
  [[nodiscard]] const entry* entry_at(std::uint64_t index) const noexcept { return log_.contains(index) ? &log_.at(index) : nullptr; }
  [[nodiscard]] bool degraded() const noexcept { return degraded_; }
  /// Whether this leader could serve a lease read now.
  [[nodiscard]] bool holds_lease() const noexcept { return role_ == role::leader && lease_valid(); }
  /// The replicated state machine, as applied through `applied_index()`.
  [[nodiscard]] const Machine& machine() const noexcept { return machine_; }
  /// The machine's state at the compaction point (`snapshot_index()`).
  [[nodiscard]] const typename Machine::snapshot_type& compacted_state() const noexcept { return snapshot_state_; }
  /// The machine's digest (for convergence checks), when it has one.
  [[nodiscard]] std::uint64_t digest() const
    requires has_digest<Machine>
  {
    return machine_.digest();
  }
  [[nodiscard]] status_report report() const {
    status_report s{role_, hard_.current, leader_, last_index(), commit_, applied_, log_.snapshot_index(), degraded_, holds_lease(), {}};
    if (role_ == role::leader)
      for (std::uint32_t i = 0; i < n_; ++i) {
        if (i == self_.value()) continue;
        const progress& p = progress_[i];
        const std::uint64_t m = std::min(last_index(), ack_match(p));
        const std::uint64_t lag = last_index() - m;
        s.followers.push_back({replica_id{i}, m, lag, log_.bytes_through(last_index()) - log_.bytes_through(m), inflight_bytes(p),
                               lag == 0 ? duration{} : now_ - p.caught_up_at, now_ - p.last_heard, in_sync(i)});
      }
    return s;
  }

 private:
  struct pending_write {  // (ordered so that it packs into 32 bytes)
    std::uint64_t index;
    request_id id;
    local_time since;
    client_id client;
    bool has_outcome = false;  ///< the machine returned a result other than the default: see outcomes_
  };
  struct pending_read {
    client_id client;
    request_id id;
    query q;
    std::uint64_t read_index;  ///< leader: serve once applied; follower (wait mode): the token
    std::uint64_t round;
    local_time deadline{};
  };

  /// The compile-time cluster size, or dynamic_extent.
  static constexpr std::size_t fixed_nodes = R::cluster_size_policy::extent;
  /// Per replica: an array under a compile-time cluster size (no indirection), else a vector
  /// sized when the node is made.
  template <class T>
  using per_replica = std::conditional_t<fixed_nodes != dynamic_extent, std::array<T, fixed_nodes == dynamic_extent ? 1 : fixed_nodes>,
                                         std::vector<T>>;
  static std::size_t cluster_nodes(const config& c) {
    if constexpr (fixed_nodes != dynamic_extent)
      return fixed_nodes;
    else
      return c.nodes;
  }
  static bool is_pre_vote_message(const message& m) {
    if (const auto* v = std::get_if<vote_request>(&m)) return v->pre;
    if (const auto* v = std::get_if<vote_response>(&m)) return v->pre;
    return false;
  }
  /// On the first input after starting: under lease_reads a restarted replica does not vote
  /// for election_min, as if it had just heard from a leader (it may have, before the crash).
  void boot() {
    booted_ = true;
    booted_at_ = now_;
  }

  // ---- log ----
  [[nodiscard]] replica::term term_at(std::uint64_t index) const { return log_.term_or_zero(index); }
  [[nodiscard]] log_position last_position() const { return {term_at(last_index()), log_index{last_index()}}; }
  /// Appends the entry (term, index, op) made where it lies in the log (no temporary to copy).
  void append_local(replica::term t, std::uint64_t index, const command& op) { write_log_from(log_.emplace_back(t, index, op).index); }
  /// Records that the log changed from `index` on; persisted now, or at the next flush when
  /// followers acknowledge on receipt.
  void write_log_from(std::uint64_t index) {
    dirty_from_ = std::min(dirty_from_, index);
    if (!batching_ && (ack_point != ack_on::received || role_ == role::leader)) flush();
  }
  void flush() {
    if (dirty_from_ == UINT64_MAX) return;
    const std::uint64_t from = std::max(std::min<std::uint64_t>(dirty_from_, last_index() + 1), log_.snapshot_index() + 1);
    const auto& es = log_.entries();
    const auto first = es.begin() + static_cast<std::ptrdiff_t>(from - log_.snapshot_index() - 1);
    // One shared copy of the new entries: persisted, and (on a leader) shipped from.
    batch b = batches_.copy_of(first, es.end());
    if (role_ == role::leader) {
      shipped_ = b;
      shipped_from_ = from;
    }
    out_.persist.emplace_back(std::in_place_type<log_write>, from, std::move(b));  // (in place: no variant moved)
    durable_index_ = last_index();
    dirty_from_ = UINT64_MAX;
  }
  void persist_hard_state() { out_.persist.push_back(hard_); }
  /// The applied state at `index` (snapshot_index() <= index <= applied_).
  [[nodiscard]] snapshot snapshot_at(std::uint64_t index) const {
    snapshot s{.index = index, .term = term_at(index), .bytes = log_.bytes_through(index), .state = {}};
    if (index == applied_) {
      s.state = machine_.snapshot();
      return s;
    }
    Machine m;
    m.restore(snapshot_state_);
    for (std::uint64_t i = log_.snapshot_index() + 1; i <= index; ++i)
      if (const entry& e = log_.at(i); !e.noop()) (void)m.apply(e.op);
    s.state = m.snapshot();
    return s;
  }
  /// Automatic compaction (`compact_every`), at the end of an input (step, tick, submit): after
  /// the messages it sends are built, so a batch committed and applied at once (asynchronous
  /// commit) ships as entries, not as a snapshot of a log that no longer holds it.
  void maybe_compact() {
    if (cfg_.compact_every == 0 || applied_ < log_.snapshot_index() + cfg_.compact_every + cfg_.compact_keep) return;
    (void)compact(applied_ - cfg_.compact_keep);
  }

  // ---- roles ----
  void become_follower(replica::term t, std::optional<replica_id> leader) {
    const bool was_leader = role_ == role::leader;
    if (t > hard_.current) {
      hard_.current = t;
      hard_.voted_for.reset();
      persist_hard_state();
    }
    if (was_leader) step_down_pending();
    if (role_ != role::follower) emit(was_leader ? leader_event::kind::stepped_down : leader_event::kind::became_follower);
    role_ = role::follower;
    leader_ = leader;
    degraded_ = false;
    transfer_to_.reset();
    lease_until_ = local_time{};
    lease_rounds_.clear();
    last_heard_leader_ = now_;
    reset_election_timeout();
  }
  void start_election() {
    votes_.assign(n_, false);
    votes_[self_.value()] = true;
    leader_.reset();
    last_heard_leader_ = now_;
    reset_election_timeout();
    if (cfg_.pre_vote) {
      role_ = role::pre_candidate;
      emit(leader_event::kind::became_pre_candidate);
      if (won(votes_)) return start_real_election();
      for (std::uint32_t i = 0; i < n_; ++i)
        if (i != self_.value()) send(replica_id{i}, vote_request{true, last_position()}, hard_.current.next());
      return;
    }
    start_real_election();
  }
  void start_real_election(bool force = false) {
    if (role_ == role::leader) step_down_pending();
    role_ = role::candidate;
    leader_.reset();
    last_heard_leader_ = now_;
    reset_election_timeout();
    hard_.current = hard_.current.next();
    hard_.voted_for = self_;
    persist_hard_state();
    votes_.assign(n_, false);
    votes_[self_.value()] = true;
    emit(leader_event::kind::became_candidate);
    if (won(votes_)) return become_leader();
    for (std::uint32_t i = 0; i < n_; ++i)
      if (i != self_.value()) send(replica_id{i}, vote_request{false, last_position(), force});
  }
  void become_leader() {
    role_ = role::leader;
    leader_ = self_;
    shipped_ = {};  // a leader's log only grows while it leads: the cache is valid from here on
    degraded_ = false;
    transfer_to_.reset();
    lease_until_ = local_time{};
    lease_rounds_.clear();
    for (auto& p : progress_) p = progress{last_index() + 1, 0, 0, 0, 0, now_, now_, 0, false, 0};
    emit(leader_event::kind::became_leader);
    term_start_ = last_index() + 1;
    write_log_from(log_.emplace_back(hard_.current, term_start_, command{}, 0, true).index);  // a no-op: commits everything before it
    broadcast_append(ship::heartbeat);
    advance_commit();
  }
  [[nodiscard]] bool won(const std::vector<bool>& v) const {
    return static_cast<std::size_t>(std::count(v.begin(), v.end(), true)) >= n_ / 2 + 1;
  }

  // ---- handlers ----
  void handle(replica_id from, replica::term t, const vote_request& v) {
    const bool up_to_date = v.last >= last_position();
    if (v.pre) {
      // Would we vote in term t? Only if we have not heard from a leader lately (so a node that
      // was partitioned away cannot disrupt a working cluster when it returns).
      const bool leader_alive =
          role_ == role::leader || (leader_.has_value() && now_ - last_heard_leader_ < cfg_.election_min);
      send(from, vote_response{true, t > hard_.current && up_to_date && !leader_alive}, t);
      return;
    }
    const bool can_vote = !hard_.voted_for || *hard_.voted_for == from;
    const bool grant = can_vote && up_to_date;
    if (grant) {
      hard_.voted_for = from;
      persist_hard_state();  // durable before the response leaves
      last_heard_leader_ = now_;
    }
    send(from, vote_response{false, grant});
  }
  void handle(replica_id from, replica::term t, const vote_response& v) {
    if (v.pre) {
      if (role_ != role::pre_candidate || t != hard_.current.next()) return;
      if (v.granted) votes_[from.value()] = true;
      if (won(votes_)) start_real_election();
      return;
    }
    if (role_ != role::candidate || t != hard_.current) return;
    if (v.granted) votes_[from.value()] = true;
    if (won(votes_)) become_leader();
  }
  void handle(replica_id from, replica::term, const append_request& a) { on_append(from, a, nullptr); }
  void handle(replica_id from, replica::term, append_request&& a) { on_append(from, a, &a.entries); }
  /// An append from the leader; `owned`: its entries, when the message is the node's to take.
  void on_append(replica_id from, const append_request& a, batch* owned) {
    if (role_ != role::follower) become_follower(hard_.current, from);
    leader_ = from;
    last_heard_leader_ = now_;
    append_response r{false, 0, 0, 0, 0, a.read_round};
    const std::uint64_t prev = a.prev.index.value();
    const std::uint64_t snap = log_.snapshot_index();
    if (prev > last_index()) {
      r.hint = last_index();
    } else if (prev < snap && (a.entries.empty() || a.entries.back().index < snap)) {
      // Below my compaction point I cannot check the leader's entries against mine: resume
      // after it (the leader compares its term there, or sends a snapshot if it lacks it).
      r.hint = snap;
    } else if (prev >= snap && term_at(prev) != a.prev.term) {
      if (prev == snap) {
        r.need_snapshot = true;  // diverged at (or below) my compaction point: only a snapshot helps
        r.hint = snap;
      } else {
        // Back off over the whole conflicting term at once.
        std::uint64_t h = prev - 1;
        const replica::term bad = term_at(prev);
        while (h > std::max(commit_, snap) && term_at(h) == bad) --h;
        r.hint = h;
      }
    } else {
      r.success = true;
      std::uint64_t last_new = prev;
      std::size_t appended_from = a.entries.size();  // position in a.entries of the first entry appended
      for (std::size_t pos = 0; pos < a.entries.size(); ++pos) {
        const entry& e = a.entries[pos];
        last_new = e.index;
        if (e.index < snap) continue;  // folded into my snapshot; checked at the snapshot's index
        if (e.index == snap) {
          if (e.term == log_.snapshot_term()) continue;
          r = append_response{false, 0, 0, 0, snap, a.read_round, true};
          break;
        }
        if (e.index <= last_index()) {
          if (term_at(e.index) == e.term) continue;  // already have it (a duplicate)
          // A conflicting suffix. Under majority-style commit it is never below the commit
          // index; under asynchronous or degraded commit it can be (this node acknowledged
          // writes the cluster never had): rewind, as pg_rewind does, and report it.
          log_.truncate_after(e.index - 1);
          if (applied_ > last_index()) rewind();
          if (durable_index_ > last_index()) durable_index_ = last_index();
          dirty_from_ = std::min(dirty_from_, e.index);
        }
        // From here on every entry is new and goes at the end of the log: append the rest at once.
        appended_from = pos;
        log_.append(a.entries.begin() + pos, a.entries.end());
        last_new = a.entries.back().index;
        dirty_from_ = std::min(dirty_from_, e.index);
        break;
      }
      if (dirty_from_ != UINT64_MAX && ack_point != ack_on::received) {
        if (appended_from < a.entries.size() && dirty_from_ == a.entries[appended_from].index) {
          // Exactly what this message brought: persist its slice, no copy (the batch itself,
          // when the message is ours and all of it is new).
          out_.persist.emplace_back(std::in_place_type<log_write>, dirty_from_,
                                    owned && appended_from == 0 ? std::move(*owned) : a.entries.slice(appended_from));
          durable_index_ = last_index();
          dirty_from_ = UINT64_MAX;
        } else {
          flush();
        }
      }
      last_new_verified_ = std::max(last_new, prev);
      if (r.success) {
        const std::uint64_t new_commit = std::min(a.commit, last_new);
        if (new_commit > commit_) commit_ = new_commit;
        apply_committed();
      }
    }
    // Acknowledge only what this request verified: entries past `last_new` may be stale ones
    // of an older term (etcd answers with lastnewi for the same reason).
    const std::uint64_t verified = r.success ? last_new_verified_ : last_index();
    send_new<append_response>(from, r.success, verified, std::min(durable_index_, verified), std::min(applied_, verified), r.hint,
                              r.read_round, r.need_snapshot);
  }
  void handle(replica_id from, replica::term, const install_snapshot& m) {
    if (role_ != role::follower) become_follower(hard_.current, from);
    leader_ = from;
    last_heard_leader_ = now_;
    const snapshot& s = m.snap;
    // Already have it (or a later compaction point): nothing to replace.
    // Below my compaction point only terms tell: logs' terms never decrease, so a leader's term
    // above my snapshot's means my snapshot holds entries its log does not.
    const bool have_it = s.index <= commit_ && (s.index < log_.snapshot_index() ? s.term <= log_.snapshot_term()
                                                                                 : log_.term_at(s.index) == s.term);
    if (!have_it) {
      const bool agrees = log_.contains(s.index) && log_.at(s.index).term == s.term;
      // Applied entries past the snapshot that the snapshot's log does not have are discarded.
      if (applied_ > s.index && !agrees) emit(leader_event::kind::rewound);
      log_.install(s.index, s.term, s.bytes);
      machine_.restore(s.state);
      snapshot_state_ = s.state;
      applied_ = s.index;
      commit_ = agrees ? std::max(commit_, s.index) : s.index;
      durable_index_ = agrees ? std::max(s.index, std::min(durable_index_, last_index())) : s.index;
      if (dirty_from_ <= s.index) dirty_from_ = UINT64_MAX;
      out_.persist.push_back(s);
      emit(leader_event::kind::snapshot_installed);
      commit_ = std::max(commit_, std::min(m.commit, last_index()));
      apply_committed();
    }
    const std::uint64_t verified = std::max(s.index, std::min(commit_, last_index()));
    send(from, append_response{true, verified, std::min(durable_index_, verified), std::min(applied_, verified), 0, 0});
  }
  void handle(replica_id from, replica::term t, const timeout_now&) {
    if (t != hard_.current || leader_ != from) return;  // only the current leader hands over
    start_real_election(true);
  }
  void handle(replica_id from, replica::term, const append_response& a) {
    if (role_ != role::leader) return;
    progress& p = progress_[from.value()];
    p.last_heard = now_;
    p.read_round = std::max(p.read_round, a.read_round);
    if (a.success) {
      p.need_snapshot = false;
      const std::uint64_t had = p.match_received;
      p.match_received = std::max(p.match_received, std::min(a.received, last_index()));
      // The window: nothing is in flight once it holds everything sent; otherwise this answered
      // one append of entries if it moved the match (an answer to an empty append, a heartbeat
      // or a commit notice, frees nothing).
      if (p.match_received + 1 >= p.next)
        p.inflight = 0;
      else if (p.match_received > had && p.inflight > 0)
        --p.inflight;
      p.match_flushed = std::max(p.match_flushed, std::min(a.flushed, last_index()));
      p.match_applied = std::max(p.match_applied, std::min(a.applied, last_index()));
      p.next = std::max(p.next, p.match_received + 1);
      if (ack_match(p) >= last_index()) p.caught_up_at = now_;
    } else {
      if (a.need_snapshot || a.hint > last_index()) {
        p.need_snapshot = true;  // it diverged at its compaction point, or compacted past our whole log
      } else if (a.hint + 1 > p.next) {
        p.next = a.hint + 1;  // it compacted past what we sent: resume after its compaction point
      } else {
        p.next = std::max<std::uint64_t>(1, std::min(p.next, a.hint + 1));
      }
      p.inflight = 0;
    }
    advance_commit();
    confirm_rounds();
    if (transfer_to_ == from && p.match_received >= last_index()) send(from, timeout_now{});
    send_append(from);
    tell_commit();
  }

  // ---- leader ----
  [[nodiscard]] std::uint64_t ack_match(const progress& p) const {
    return ack_point == ack_on::received ? p.match_received : p.match_flushed;
  }
  [[nodiscard]] std::uint64_t inflight_bytes(const progress& p) const {
    const std::uint64_t sent = p.next - 1;
    return sent > p.match_received ? log_.bytes_through(sent) - log_.bytes_through(p.match_received) : 0;
  }
  [[nodiscard]] bool in_sync(std::uint32_t i) const {
    if (i == self_.value()) return true;
    return now_ - progress_[i].caught_up_at <= cfg_.max_lag;
  }
  [[nodiscard]] bool connected(std::uint32_t i) const {
    return i == self_.value() || now_ - progress_[i].last_heard <= cfg_.election_min;
  }

  /// The commit mode's rule over `match` (per replica, leader's own entry included).
  /// (The in-sync set and connectivity are worked out only for a mode that reads them.)
  [[nodiscard]] std::optional<std::uint64_t> rule(std::span<const std::uint64_t> match) const {
    constexpr bool isr = commit_reads_in_sync<commit_mode>, conn = commit_reads_connected<commit_mode>;
    if constexpr (isr || conn) {
      for (std::uint32_t i = 0; i < n_; ++i) {
        if constexpr (isr) isr_buf_[i] = in_sync(i);
        if constexpr (conn) conn_buf_[i] = connected(i);
      }
    }
    const replication_view v{match, self_, isr ? std::span<const bool>{isr_buf_.get(), n_} : std::span<const bool>{},
                             conn ? std::span<const bool>{conn_buf_.get(), n_} : std::span<const bool>{}};
    return commit_mode::commit_point(v);
  }
  /// Per replica, the position acknowledged at the ack point (or applied), the leader's own
  /// included. Reuses one buffer: no allocation per call.
  [[nodiscard]] std::span<const std::uint64_t> matches(bool applied) const {
    for (std::uint32_t i = 0; i < n_; ++i)
      match_buf_[i] = i == self_.value() ? (applied ? applied_ : durable_index_)
                                         : (applied ? progress_[i].match_applied : ack_match(progress_[i]));
    return match_buf_;
  }
  /// Could the rule commit the last entry if every connected replica caught up now?
  [[nodiscard]] bool rule_satisfiable() const {
    for (std::uint32_t i = 0; i < n_; ++i) match_buf_[i] = connected(i) ? last_index() + 1 : 0;
    const auto c = rule(match_buf_);
    return c && *c >= last_index() + 1;
  }

  /// Accepts one request; true if it appended to the log. `satisfiable`: rule_satisfiable(),
  /// once worked out for this batch.
  bool accept(const client_request<operation>& req, std::optional<bool>& satisfiable) {
    if (traits::is_query(req.op)) {
      reply r{req.client, req.id};
      serve_read(req, r);
      return false;
    }
    if (role_ != role::leader) {
      reply r{req.client, req.id};
      redirect(r);
      return false;
    }
    if (transfer_to_) {
      reply r{req.client, req.id};
      r.status = reply_status::fail;  // a switchover is under way: not done, retry at the new leader
      r.error = errc::not_leader;
      r.leader_hint = transfer_to_;
      out_.replies.push_back(std::move(r));
      return false;
    }
    if constexpr (std::is_same_v<when_missing, when_acks_missing::fail_fast>) {
      if (!satisfiable) satisfiable = rule_satisfiable();
      if (!*satisfiable) {
        reply r{req.client, req.id};
        r.status = reply_status::fail;
        r.error = errc::unavailable;
        out_.replies.push_back(std::move(r));
        return false;
      }
    }
    const std::uint64_t index = last_index() + 1;
    append_local(hard_.current, index, traits::command_of(req.op));
    pending_writes_.emplace_back(index, req.id, now_, req.client, false);
    return true;
  }

  void advance_commit() {
    if (role_ != role::leader) return;
    // (Every replica's match is at most the last index, so with all of it committed no rule can
    // move the point: the second acknowledgement of a batch that a majority already holds.)
    if (commit_ < last_index()) {
      std::optional<std::uint64_t> point = degraded_ ? std::optional{durable_index_} : rule(matches(false));
      if (point && *point > commit_ && term_at(*point) == hard_.current) {  // current-term rule (Raft §5.4.2)
        commit_ = *point;
        apply_committed();
      }
    }
    reply_committed_writes();
  }
  void reply_committed_writes() {
    std::uint64_t ackable = commit_;
    if (ack_point == ack_on::applied && !degraded_) {
      const auto a = rule(matches(true));
      ackable = std::min(commit_, a.value_or(0));
    }
    while (!pending_writes_.empty() && pending_writes_.front().index <= ackable) {
      const pending_write& w = pending_writes_.front();
      reply& r = out_.replies.emplace_back();  // built in place: replies are the per-entry output
      r.client = w.client;
      r.id = w.id;
      r.token = w.index;
      if (w.has_outcome) take_outcome(w.index, r);
      pending_writes_.pop_front();
    }
  }
  void leader_tick() {
    // Check quorum: a leader that has not heard from a majority for an election timeout steps
    // down. (Not under controller_election: there the controller's new term fences a leader.)
    if (cfg_.check_quorum && election::self_elect) {
      std::size_t heard = 1;
      for (std::uint32_t i = 0; i < n_; ++i)
        if (i != self_.value() && now_ - progress_[i].last_heard < cfg_.election_max) ++heard;
      if (heard < n_ / 2 + 1) {
        become_follower(hard_.current, std::nullopt);
        return;
      }
    }
    if (transfer_to_ && now_ >= transfer_deadline_) {
      transfer_to_.reset();
      emit(leader_event::kind::transfer_aborted);
    }
    // Degrade to asynchronous when acks have not come for the configured time.
    if constexpr (when_missing::degrades) {
      if (!degraded_ && !pending_writes_.empty() && now_ - pending_writes_.front().since >= when_missing::timeout) {
        degraded_ = true;
        emit(leader_event::kind::degraded);
      } else if (degraded_) {
        const auto c = rule(matches(false));
        if (c && *c >= last_index()) {
          degraded_ = false;
          emit(leader_event::kind::recovered);
        }
      }
    }
    advance_commit();
    if (unshipped_since_ && now_ - *unshipped_since_ >= cfg_.ship_interval) {
      unshipped_since_.reset();
      broadcast_append();
    }
    if (!unshipped_since_) tell_commit();  // (a degraded leader's commits; with writes waiting to ship, they carry it)
    if (now_ - last_heartbeat_ >= cfg_.heartbeat) {
      // Retransmit to followers whose pipeline stalled (lost messages).
      for (auto& p : progress_)
        if (now_ - p.last_heard >= cfg_.heartbeat * 2) {
          p.inflight = 0;
          p.next = std::min(p.next, p.match_received + 1);
        }
      broadcast_append(ship::heartbeat);
    }
  }
  /// Followers that have not been sent the commit index learn it now, if `eager_commit` (see
  /// send_append's `ship::commit`); otherwise with their next append or heartbeat.
  void tell_commit() {
    if constexpr (eager_commit) broadcast_append(ship::commit);
  }
  /// Why an append goes: new entries (nothing if there are none or the window is shut); the
  /// commit index, to a follower not yet sent it and heard from within an election timeout
  /// (entries if the window is open, else nothing; empty if there are none: empty appends do
  /// not count against the window, so a silent follower gets heartbeats only); or a heartbeat
  /// (always, empty if the window is shut).
  enum class ship : std::uint8_t { entries, commit, heartbeat };
  void broadcast_append(ship why = ship::entries) {
    if (why == ship::heartbeat) {
      last_heartbeat_ = now_;
      if constexpr (lease_reads) {
        // Each heartbeat opens a round; a quorum's acknowledgement of it renews the lease from
        // the moment it was sent.
        lease_rounds_.push_back({++read_round_, now_});
      }
    }
    for (std::uint32_t i = 0; i < n_; ++i)
      if (i != self_.value()) send_append(replica_id{i}, why);
  }
  void send_append(replica_id to, ship why = ship::entries) {
    const bool heartbeat = why == ship::heartbeat;
    progress& p = progress_[to.value()];
    if (why == ship::commit && (p.commit_sent >= commit_ || !connected(to.value()))) return;
    if (p.need_snapshot || p.next <= log_.snapshot_index()) {
      // The entries it needs are compacted away (or its log diverged below its own compaction
      // point): send the state instead, once per stall.
      if (p.inflight > 0 && !heartbeat) return;
      if (p.inflight > 0 && now_ - p.last_heard < cfg_.heartbeat * 2) return;
      install_snapshot m{snapshot_at(applied_), commit_};
      p.next = m.snap.index + 1;
      p.need_snapshot = false;
      p.inflight = cfg_.max_inflight;  // nothing else until it answers
      p.commit_sent = std::max(p.commit_sent, commit_);
      send(to, std::move(m));
      return;
    }
    const bool has_entries = p.next <= last_index();
    if (!has_entries && why == ship::entries) return;
    // The window: appends and bytes in flight. An entry larger than the byte window goes alone
    // once nothing else is in flight.
    const std::uint64_t in_flight = inflight_bytes(p);
    const bool window_open =
        p.inflight < cfg_.max_inflight &&
        (in_flight == 0 || (has_entries && in_flight + log_.bytes_through(p.next) - log_.bytes_through(p.next - 1) <= cfg_.max_inflight_bytes));
    if (has_entries && !window_open && !heartbeat) return;
    append_request a;
    const std::uint64_t from = has_entries && window_open ? p.next : last_index() + 1;
    a.prev = {term_at(from - 1), log_index{from - 1}};
    std::uint64_t upto = std::min<std::uint64_t>(last_index(), from - 1 + cfg_.max_batch);
    if (from <= upto) {
      // Cut the batch to the byte window (one entry always goes, however large).
      const std::uint64_t budget = cfg_.max_inflight_bytes - std::min(in_flight, cfg_.max_inflight_bytes) + log_.bytes_through(from - 1);
      while (upto > from && log_.bytes_through(upto) > budget) --upto;
      if (!shipped_.empty() && from >= shipped_from_ && upto < shipped_from_ + shipped_.size() &&
          shipped_[upto - shipped_from_].term == log_.at(upto).term) {
        a.entries = shipped_.slice(from - shipped_from_, upto - from + 1);  // share the batch just persisted
      } else {
        catch_up_.clear();
        for (std::uint64_t k = from; k <= upto; ++k) catch_up_.push_back(log_.at(k));
        a.entries = batches_.copy_of(catch_up_.begin(), catch_up_.end());
      }
    }
    a.commit = commit_;
    p.commit_sent = std::max(p.commit_sent, commit_);
    a.read_round = read_round_;
    if (!a.entries.empty()) {
      p.next = upto + 1;
      ++p.inflight;
    }
    send(to, std::move(a));
  }
  void step_down_pending() {
    // Writes we accepted may or may not commit under the next leader: the outcome is unknown.
    for (const auto& w : pending_writes_) {
      reply r{w.client, w.id};
      r.status = reply_status::unknown;
      out_.replies.push_back(std::move(r));
    }
    pending_writes_.clear();
    outcomes_.clear();
    fail_reads(pending_reads_);
  }
  void fail_reads(std::vector<pending_read>& reads) {
    for (const auto& rd : reads) {
      reply r{rd.client, rd.id};
      r.status = reply_status::fail;  // a read that was not served had no effect
      r.error = errc::unavailable;
      r.leader_hint = leader_;
      out_.replies.push_back(std::move(r));
    }
    reads.clear();
  }

  // ---- reads ----
  [[nodiscard]] bool in_lease() const {
    return role_ == role::leader || (leader_.has_value() && now_ - last_heard_leader_ < cfg_.election_min) ||
           now_ - booted_at_ < cfg_.election_min;
  }
  [[nodiscard]] bool lease_valid() const { return lease_reads && now_ < lease_until_ && commit_ >= term_start_; }
  /// A quorum's highest acknowledged round: confirms read-index reads and renews the lease.
  void confirm_rounds() {
    if (pending_reads_.empty() && lease_rounds_.empty()) return;
    // The highest read round a quorum has confirmed (reusing the match buffer: no allocation).
    for (std::uint32_t i = 0; i < n_; ++i) match_buf_[i] = i == self_.value() ? read_round_ : progress_[i].read_round;
    const std::uint64_t confirmed = detail::kth_largest(match_buf_, n_ / 2 + 1);
    if constexpr (lease_reads) {
      constexpr double rho = detail::drift_ppm_of<typename R::reads>() / 1e6;
      const auto len = duration{static_cast<duration::rep>(static_cast<double>(cfg_.election_min.count()) * (1 - rho) / (1 + rho))};
      while (!lease_rounds_.empty() && lease_rounds_.front().first <= confirmed) {
        lease_until_ = std::max(lease_until_, lease_rounds_.front().second + len);
        lease_rounds_.pop_front();
      }
    }
    serve_confirmed_reads(confirmed);
  }
  void serve_read(const client_request<operation>& req, reply& r) {
    if (req.token && *req.token > last_index() && role_ == role::leader) {
      r.status = reply_status::fail;  // a token from the future: no write of ours has that position
      r.error = errc::out_of_range;
      out_.replies.push_back(std::move(r));
      return;
    }
    if (role_ != role::leader) {
      const bool fresh_enough = !req.token || *req.token <= applied_;
      if (strong_reads) return redirect(r);
      if (fresh_enough) return reply_read(r, traits::query_of(req.op));
      if constexpr (stale_token == on_stale_token::wait) {
        waiting_reads_.push_back({.client = req.client,
                                  .id = req.id,
                                  .q = traits::query_of(req.op),
                                  .read_index = *req.token,
                                  .round = 0,
                                  .deadline = now_ + std::chrono::milliseconds{detail::wait_ms_of<typename R::reads>()}});
        return;
      }
      return redirect(r);
    }
    if constexpr (!strong_reads) {
      reply_read(r, traits::query_of(req.op));
      return;
    }
    if (lease_valid()) {
      reply_read(r, traits::query_of(req.op));  // the lease says no other leader can have committed anything
      return;
    }
    // Read-index: remember the commit index, confirm leadership with a quorum round, serve once
    // applied. Until an entry of this term commits, the commit index may be stale: wait for it.
    pending_reads_.push_back({.client = req.client,
                              .id = req.id,
                              .q = traits::query_of(req.op),
                              .read_index = std::max(commit_, term_start_),
                              .round = ++read_round_,
                              .deadline = {}});
    broadcast_append(ship::heartbeat);
    confirm_rounds();
  }
  void serve_confirmed_reads(std::uint64_t confirmed) {
    auto it = pending_reads_.begin();
    while (it != pending_reads_.end()) {
      if (it->round <= confirmed && applied_ >= it->read_index) {
        reply r{it->client, it->id};
        reply_read(r, it->q);
        it = pending_reads_.erase(it);
      } else {
        ++it;
      }
    }
  }
  /// Follower reads waiting for their token: served once applied, failed at their deadline.
  void serve_waiting_reads() {
    if (waiting_reads_.empty()) return;
    auto it = waiting_reads_.begin();
    while (it != waiting_reads_.end()) {
      if (applied_ >= it->read_index) {
        reply r{it->client, it->id};
        reply_read(r, it->q);
        it = waiting_reads_.erase(it);
      } else {
        ++it;
      }
    }
  }
  void expire_waiting_reads() {
    if (waiting_reads_.empty()) return;
    std::vector<pending_read> expired;
    std::erase_if(waiting_reads_, [&](const pending_read& rd) {
      if (now_ < rd.deadline && role_ != role::leader) return false;
      expired.push_back(rd);
      return true;
    });
    fail_reads(expired);
  }
  /// Answers a read with the machine's state as applied now (the token names that position).
  void reply_read(reply& r, const query& q) {
    replica::result<result_type> v = machine_.read(q);
    if (v.ok()) {
      r.result = std::move(*v);
    } else {
      r.status = reply_status::fail;
      r.error = v.code();
    }
    r.token = applied_;
    out_.replies.push_back(std::move(r));
  }
  void redirect(reply& r) {
    r.status = reply_status::redirect;
    r.leader_hint = leader_;
    out_.replies.push_back(std::move(r));
  }

  /// The pending write at log `index`, if this leader accepted one there.
  pending_write* find_pending(std::uint64_t index) {
    auto it = std::lower_bound(pending_writes_.begin(), pending_writes_.end(), index,
                               [](const pending_write& w, std::uint64_t i) { return w.index < i; });
    return it != pending_writes_.end() && it->index == index ? &*it : nullptr;
  }

  // ---- apply ----
  /// Discards the applied state past the (truncated) log: restores the machine from the
  /// compaction snapshot and re-applies the committed entries after it.
  void rewind() {
    emit(leader_event::kind::rewound);
    machine_.restore(snapshot_state_);
    commit_ = std::min<std::uint64_t>(commit_, last_index());
    applied_ = log_.snapshot_index();
    apply_committed();
  }
  /// Whether a write's reply needs what the machine returned: an error, or a result other than
  /// the default one (a reply starts out holding the default).
  static bool worth_keeping(const replica::result<result_type>& r) {
    if constexpr (std::equality_comparable<result_type>)
      return !r.ok() || !(*r == result_type{});
    else
      return true;
  }
  /// Applies the committed entries, in log order, to the machine; what a command returned is
  /// kept for the reply of a write this leader accepted.
  void apply_committed() {
    const std::uint64_t before = applied_;
    const std::uint64_t upto = std::min(commit_, last_index());
    if (upto <= applied_) return;
    const entry* e = &log_.at(applied_ + 1);  // entries are contiguous in the log
    for (const entry* end = e + (upto - applied_); e != end; ++e) {
      if (e->noop()) continue;
      replica::result<result_type> r = machine_.apply(e->op);
      if (!pending_writes_.empty() && worth_keeping(r))
        if (pending_write* p = find_pending(e->index)) {
          p->has_outcome = true;
          outcomes_.emplace(e->index, std::move(r));
        }
    }
    applied_ = upto;
    if (applied_ != before) serve_waiting_reads();
  }
  /// Moves what the machine returned for the write at `index` into its reply.
  void take_outcome(std::uint64_t index, reply& r) {
    auto it = outcomes_.find(index);
    if (it == outcomes_.end()) return;
    if (it->second.ok()) {
      r.result = std::move(*it->second);
    } else {
      r.status = reply_status::fail;  // refused by the machine: definitely not done
      r.error = it->second.code();
    }
    outcomes_.erase(it);
  }

  // ---- plumbing ----
  template <class P>
  void send(replica_id to, P payload, std::optional<replica::term> t = std::nullopt) {
    out_.messages.emplace_back(self_, to, cfg_.group, t.value_or(hard_.current),
                               built_by{[&] { return message{std::in_place_type<P>, std::move(payload)}; }});
  }
  /// Sends a `P` made from `args` where it lies in the outbox, in the current term. For a
  /// message whose fields were worked out one by one: copying a struct built that way may read
  /// it back with 16-byte loads spanning its 8-byte stores, a store-forwarding stall.
  template <class P, class... A>
  void send_new(replica_id to, A&&... args) {
    out_.messages.emplace_back(self_, to, cfg_.group, hard_.current,
                               built_by{[&] { return message{std::in_place_type<P>, std::forward<A>(args)...}; }});
  }
  void emit(leader_event::kind k) { out_.events.push_back({k, hard_.current, last_index()}); }
  void reset_election_timeout() {
    rng_state_ ^= rng_state_ << 13;
    rng_state_ ^= rng_state_ >> 7;
    rng_state_ ^= rng_state_ << 17;
    const auto span = (cfg_.election_max - cfg_.election_min).count();
    election_timeout_ = cfg_.election_min + duration{span > 0 ? static_cast<duration::rep>(rng_state_ % static_cast<std::uint64_t>(span)) : 0};
  }

  replica_id self_;
  config cfg_;
  /// How many replicas: a constant under a compile-time cluster size (loops over it unroll).
  [[no_unique_address]] extent_count<fixed_nodes> n_;
  hard_state hard_;
  leader_based_detail::raft_log<entry> log_;
  std::uint64_t durable_index_ = 0;
  std::uint64_t commit_ = 0, applied_ = 0;
  std::uint64_t dirty_from_ = UINT64_MAX;
  replica::role role_ = role::follower;
  std::optional<replica_id> leader_;
  std::uint64_t term_start_ = 0;
  typename Machine::snapshot_type snapshot_state_;  ///< the machine's state at the compaction point
  Machine machine_;                                 ///< the state applied through applied_
  /// What the machine returned for pending writes whose reply needs it (see worth_keeping).
  std::map<std::uint64_t, replica::result<result_type>> outcomes_;
  per_replica<progress> progress_;
  std::vector<bool> votes_;
  leader_based_detail::fifo<pending_write> pending_writes_;  // Invariant: increasing `index`; not necessarily contiguous
  std::vector<pending_read> pending_reads_;
  std::vector<pending_read> waiting_reads_;  ///< follower reads waiting for their token
  std::uint64_t read_round_ = 0;
  std::uint64_t last_new_verified_ = 0;
  batch shipped_;                  ///< the leader's last persisted batch, shared with its appends
  leader_based_detail::batch_pool<entry> batches_;  ///< recycled buffers for new batches
  std::vector<entry> catch_up_;    ///< scratch: entries gathered for a follower that is behind
  std::uint64_t shipped_from_ = 0;  ///< index of shipped_[0]
  std::deque<std::pair<std::uint64_t, local_time>> lease_rounds_;  ///< heartbeat rounds not yet confirmed, with their send time
  local_time lease_until_{};
  std::optional<replica_id> transfer_to_;
  local_time transfer_deadline_{};
  bool degraded_ = false;
  bool batching_ = false;
  bool booted_ = false;
  local_time booted_at_{};
  std::optional<local_time> unshipped_since_;
  local_time now_{}, last_heard_leader_{}, last_heartbeat_{};
  duration election_timeout_{};
  std::uint64_t rng_state_ = 1;
  mutable per_replica<std::uint64_t> match_buf_;
  mutable std::unique_ptr<bool[]> isr_buf_, conn_buf_;
  effects_of<leader_based_node> out_;
};

}  // namespace replica
