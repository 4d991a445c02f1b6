#pragma once
/// \file
/// The node of a leader-based replicator: Raft-style leader election and log shipping, with the
/// commit mode, ack point and read guarantee taken from the composed policies.
///
///   using pg_like = replica::replicator<replica::leader_based, replica::semi_synchronous<1>>;
///   replica::leader_based_node<pg_like> node{self, config, disk};             // integer registers
///   replica::leader_based_node<pg_like, my_ledger> ledger{self, config, disk};  // the user's machine
///
/// It replicates a `state_machine` (default `kv_register`): committed commands reach
/// `Machine::apply` in log order, reads `Machine::read` under the read guarantee, compaction and
/// snapshot install go through `snapshot` and `restore`. The node never names keys or values.
///
/// What it does is documented in docs/models/leader_based.md. The parts, each with its tests:
/// - leader_based/wire.hpp: entries, messages, persist entries, the disk;
/// - leader_based/raft_log.hpp: the log and its consistency check; leader_based/applier.hpp:
///   the state machine behind its seam;
/// - leader_based/campaign.hpp: votes and election timeouts; election_steps.hpp: pre-vote,
///   elections, votes, the hand-over and taking office;
/// - leader_based/leader_steps.hpp and follower_steps.hpp: each role's steps;
/// - leader_based/tracker.hpp and progress.hpp: the followers' progress (probe, replicate,
///   snapshot) and the commit rule's inputs; commit/quorum.hpp: the arithmetic;
/// - leader_based/reads.hpp: read-index rounds, leases, reads waiting for a token.
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
#include <replica/core/node.hpp>
#include <replica/reads/eventual_reads.hpp>
#include <replica/topology/leader_based/applier.hpp>
#include <replica/topology/leader_based/boundary.hpp>
#include <replica/topology/leader_based/campaign.hpp>
#include <replica/topology/leader_based/config.hpp>
#include <replica/topology/leader_based/election.hpp>
#include <replica/topology/leader_based/entry_batch.hpp>
#include <replica/topology/leader_based/events.hpp>
#include <replica/topology/leader_based/fifo.hpp>
#include <replica/topology/leader_based/election_steps.hpp>
#include <replica/topology/leader_based/follower_steps.hpp>
#include <replica/topology/leader_based/leader_steps.hpp>
#include <replica/topology/leader_based/machine_check.hpp>
#include <replica/topology/leader_based/policy_traits.hpp>
#include <replica/topology/leader_based/progress.hpp>
#include <replica/topology/leader_based/raft_log.hpp>
#include <replica/topology/leader_based/reads.hpp>
#include <replica/topology/leader_based/tracker.hpp>
#include <replica/topology/leader_based/wire.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <variant>
#include <vector>

namespace replica {

template <class R, class Machine = kv_register>
class leader_based_node : private leader_based_detail::leader_steps<leader_based_node<R, Machine>>,
                          private leader_based_detail::follower_steps<leader_based_node<R, Machine>>,
                          private leader_based_detail::election_steps<leader_based_node<R, Machine>> {
  static_assert(leader_based_detail::machine_check<Machine>::checked);  // (each rule's message is there)
  using traits = machine_traits<Machine>;
  using leader_steps = leader_based_detail::leader_steps<leader_based_node>;
  friend leader_steps;
  using leader_steps::accept;
  using leader_steps::advance_commit;
  using leader_steps::broadcast_append;
  using leader_steps::leader_tick;
  using leader_steps::on_append_response;
  using leader_steps::send_append;
  using leader_steps::step_down_pending;
  using leader_steps::tell_commit;
  using ship = leader_based_detail::ship;
  using follower_steps = leader_based_detail::follower_steps<leader_based_node>;
  friend follower_steps;
  using follower_steps::on_append;
  using follower_steps::on_install_snapshot;
  using election_steps = leader_based_detail::election_steps<leader_based_node>;
  friend election_steps;
  using election_steps::become_leader;
  using election_steps::on_timeout_now;
  using election_steps::on_vote_request;
  using election_steps::on_vote_response;
  using election_steps::start_election;
  using election_steps::start_real_election;

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

  using wire = leader_based_detail::wire<Machine, leader_based_node>;
  using entry = typename wire::entry;
  /// Entries shipped or persisted together, sharing one buffer (see entry_batch.hpp).
  using batch = typename wire::batch;
  using vote_request = typename wire::vote_request;
  using vote_response = typename wire::vote_response;
  using append_request = typename wire::append_request;
  using append_response = typename wire::append_response;
  using snapshot = typename wire::snapshot;
  using install_snapshot = typename wire::install_snapshot;
  using timeout_now = typename wire::timeout_now;
  using message = typename wire::message;
  using hard_state = typename wire::hard_state;
  using log_write = typename wire::log_write;
  using persist_entry = typename wire::persist_entry;
  using durable_state = typename wire::durable_state;
  using event = leader_event;
  using config = leader_based_config;
  using status_report = leader_based_status;

  using progress = leader_based_detail::progress;

  leader_based_node(replica_id self, const config& cfg, const durable_state& disk)
      : self_{self},
        cfg_{cfg},
        config_{validate(cfg)},
        n_{cluster_nodes(cfg)},
        hard_{disk.hard},
        log_{disk.snap.index, disk.snap.term, disk.snap.bytes, disk.log},
        durable_index_{log_.last_index()},
        commit_{disk.snap.index},
        applied_{disk.snap.index},
        state_{disk.snap.state, disk.snap.sessions, cfg.sessions},
        tracker_{self, n_},
        timer_{cfg.seed, self} {
    reset_election_timeout();
  }

  // ---- inputs ---------------------------------------------------------------------------------

  /// Whether a node of this composition can run with `c` (leader_based/config.hpp). A node
  /// built with a configuration this refuses takes no part: `step` returns the error, every
  /// request is refused with its code, and it never campaigns.
  static status validate(const config& c) { return leader_based_detail::validate(c, fixed_nodes); }
  /// How many replicas a cluster of these nodes has under `c`.
  static std::size_t nodes_in(const config& c) { return cluster_nodes(c); }
  [[nodiscard]] const status& config_status() const noexcept { return config_; }

  status step(const envelope<message>& m, local_time now) { return receive(m, now); }
  /// The same, from a caller that owns the message and is done with it (a network layer or the
  /// simulator, after taking it off its queue): a follower then persists the batch of entries it
  /// brought by taking it over, not by sharing it (one reference count less per append).
  status step(envelope<message>&& m, local_time now) { return receive(std::move(m), now); }

 private:
  /// step's body, for a message read (`const envelope&`) or owned (`envelope&&`).
  template <class E>
  status receive(E&& m, local_time now) {
    if (!config_) return config_;
    now_ = now;
    if (!booted_) boot();
    if (m.from.value() >= n_ || m.from == self_) return error{errc::unknown_replica, "sender is not a peer in this cluster"};
    if (m.to != self_) return error{errc::unknown_replica, "message addressed to another replica"};
    if (m.group != cfg_.group) return error{errc::wrong_group, "message for another replication group"};
    if (auto s = leader_based_detail::boundary<wire>::check(m.term, m.payload); !s) return s;
    const bool is_pre = wire::is_pre_vote(m.payload);
    if (m.term < hard_.current && !is_pre) {
      // Tell a stale sender about the newer term, so a deposed leader steps down.
      if (std::holds_alternative<append_request>(m.payload) || std::holds_alternative<install_snapshot>(m.payload))
        send(m.from, append_response{.success = false,
                                     .received = last_index(),
                                     .flushed = durable_index_,
                                     .applied = applied_,
                                     .hint = last_index(),
                                     .read_round = 0,
                                     .need_snapshot = false,
                                     .rebuilding = hard_.rebuilding});
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
    if (!config_) return;
    now_ = now;
    if (!booted_) boot();
    if (ack_point == ack_on::received) flush();
    expire_waiting_reads();
    if (role_ == role::leader) {
      leader_tick();
    } else if (election::self_elect && !hard_.rebuilding && now_ - last_heard_leader_ >= election_timeout_) {
      start_election();
    }
    maybe_compact();
  }

  void submit(const client_request<operation>& req, local_time now) { submit_batch(std::span{&req, 1}, now); }

  /// Several requests at once (a client batch, Kafka's producer batch): appended together and
  /// shipped in one append per follower. Reads in the batch are served as single reads.
  void submit_batch(std::span<const client_request<operation>> reqs, local_time now) {
    now_ = now;
    if (!config_) return refuse_all(reqs);
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
    if (tracker_[to].match_received >= last_index())
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
    if (!config_) return config_;
    now_ = now;
    if (!booted_) boot();
    if (hard_.rebuilding) return error{errc::unavailable, "this replica is rebuilding a lost disk: it cannot lead until a leader has caught it up"};
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

  /// Folds applied entries up to `index` into a snapshot and drops them from the log; later
  /// followers that need them get the snapshot. `out_of_range` past the applied index.
  status compact(std::uint64_t index) {
    if (index > applied_) return error{errc::out_of_range, "cannot compact past the applied index"};
    fold(index);
    log_.discard_through(index);
    return {};
  }

  effects_of<leader_based_node>& effects() { return out_; }

  /// What writing one persist entry does to the disk.
  static void persist(durable_state& d, const persist_entry& p) { wire::persist(d, p); }
  /// The same, moving a snapshot's state into the disk.
  static void persist(durable_state& d, persist_entry&& p) { wire::persist(d, std::move(p)); }
  static bool restates(const durable_state& d, const persist_entry& p) { return wire::restates(d, p); }
  /// A copy of the disk is cheap when the machine's snapshots share on copy (core/node.hpp).
  static constexpr bool durable_copy_shares = replica::shares_on_copy<typename Machine::snapshot_type>;
  /// Whether `m` may leave before `batch` is durable: a leader's appends (core/node.hpp; why, in wire.hpp).
  static bool sendable_before_persist(const message& m, std::span<const persist_entry> batch) {
    return wire::sendable_before_persist(m, batch);
  }
  /// Whether `r` may be delivered before `batch` is durable: acknowledgements of what earlier
  /// batches made durable (core/node.hpp; why, in wire.hpp).
  static bool deliverable_before_persist(const reply& r, std::span<const persist_entry> batch) {
    return wire::deliverable_before_persist(r.token, batch);
  }
  /// The disk to start from when this replica's disk was lost (FAULTS.md D10; a new data
  /// directory on a node that was a member): empty, and marked rebuilding, so the replica
  /// does not vote or count as if it still held the log it acknowledged. An empty
  /// `durable_state{}` is for a replica of a new cluster (`--bootstrap`).
  static durable_state lost_disk() { return wire::lost_disk(); }

  // ---- observation ------------------------------------------------------------------------------

  [[nodiscard]] replica::role current_role() const noexcept { return role_; }
  [[nodiscard]] bool is_leader() const noexcept { return role_ == role::leader; }
  [[nodiscard]] replica::term current_term() const noexcept { return hard_.current; }
  [[nodiscard]] std::optional<replica_id> leader() const noexcept { return leader_; }
  [[nodiscard]] std::uint64_t commit_index() const noexcept { return commit_; }
  [[nodiscard]] std::uint64_t applied_index() const noexcept { return applied_; }
  [[nodiscard]] std::uint64_t last_index() const noexcept { return log_.last_index(); }
  [[nodiscard]] std::uint64_t snapshot_index() const noexcept { return log_.snapshot_index(); }
  /// The index of the first entry the log holds (`log()[0]`). Up to `compact_keep` entries at
  /// or below `snapshot_index()` stay for followers that lag (they are folded into the
  /// snapshot too); after a restart the log starts after the snapshot.
  [[nodiscard]] std::uint64_t first_index() const noexcept { return log_.base_index() + 1; }
  /// The entries the log holds, from `first_index()`.
  [[nodiscard]] const std::vector<entry>& log() const noexcept { return log_.entries(); }
  /// The entry at `index`, unless compacted away or past the end.
  [[nodiscard]] const entry* entry_at(std::uint64_t index) const noexcept { return log_.contains(index) ? &log_.at(index) : nullptr; }
  [[nodiscard]] bool degraded() const noexcept { return degraded_; }
  /// Whether this replica is rebuilding a lost disk (it neither votes nor counts; see
  /// `lost_disk`).
  [[nodiscard]] bool rebuilding() const noexcept { return hard_.rebuilding; }
  /// Whether this leader could serve a lease read now.
  [[nodiscard]] bool holds_lease() const noexcept { return role_ == role::leader && lease_valid(); }
  /// The replicated state machine, as applied through `applied_index()`.
  [[nodiscard]] const Machine& machine() const noexcept { return state_.machine(); }
  /// The machine's state at the compaction point (`snapshot_index()`).
  [[nodiscard]] const typename Machine::snapshot_type& compacted_state() const noexcept { return state_.compacted(); }
  /// The machine's digest (for convergence checks), when it has one.
  [[nodiscard]] std::uint64_t digest() const
    requires has_digest<Machine>
  {
    return state_.machine().digest();
  }
  [[nodiscard]] status_report report() const {
    status_report s{.role = role_,
                    .term = hard_.current,
                    .leader = leader_,
                    .last_index = last_index(),
                    .commit = commit_,
                    .applied = applied_,
                    .snapshot_index = log_.snapshot_index(),
                    .degraded = degraded_,
                    .lease = holds_lease(),
                    .rebuilding = hard_.rebuilding,
                    .followers = {}};
    if (role_ == role::leader) this->report_followers(s.followers);
    return s;
  }

 private:
  struct pending_write {  // (ordered so that it packs into 32 bytes)
    std::uint64_t index;
    request_id id;
    local_time since;
    client_id client;
  };
  using pending_read = leader_based_detail::waiting_read<query>;

  /// The compile-time cluster size, or dynamic_extent.
  static constexpr std::size_t fixed_nodes = R::cluster_size_policy::extent;
  static std::size_t cluster_nodes(const config& c) { return leader_based_detail::nodes_of(c, fixed_nodes); }
  /// On the first input after starting: under lease_reads a restarted replica does not vote
  /// for election_min, as if it had just heard from a leader (it may have, before the crash).
  /// A replica rebuilding a lost disk makes that durable first (its disk may be a new, empty
  /// one that does not say so yet).
  void boot() {
    booted_ = true;
    booted_at_ = now_;
    if (hard_.rebuilding) {
      persist_hard_state();
      emit(leader_event::kind::rebuild_started);
    }
  }

  // ---- log ----
  [[nodiscard]] replica::term term_at(std::uint64_t index) const { return log_.term_or_zero(index); }
  [[nodiscard]] log_position last_position() const { return {term_at(last_index()), log_index{last_index()}}; }
  /// Appends a client's command at the next index, made where it lies in the log (no temporary
  /// to copy), stamped with who asked and the cluster time.
  template <class C>  // (forwarded: a command that `command_of` made is moved into the log)
  void append_local(C&& op, client_id client, request_id request) {
    write_log_from(log_.emplace_back(hard_.current, last_index() + 1, std::forward<C>(op), 0, false, client, request, cluster_time()).index);
  }
  /// Appends a no-op of the current term: committing it commits what is before it; the
  /// machine never sees it.
  void append_noop() {
    write_log_from(log_.emplace_back(hard_.current, last_index() + 1, command{}, 0, true, client_id{}, request_id{}, cluster_time()).index);
  }
  /// The cluster time of the last entry in the log (or of the compaction point).
  [[nodiscard]] std::int64_t last_cluster_time() const {
    return log_.entries().empty() ? state_.compacted_sessions().time : log_.entries().back().time;
  }
  /// The leader's cluster time now: its clock, continued from the last entry's time when it
  /// took office, and never below that of the last entry (sessions.hpp).
  [[nodiscard]] std::int64_t cluster_time() const { return std::max(last_cluster_time(), micros(now_) + cluster_clock_offset_); }
  /// Records that the log changed from `index` on; persisted now, or at the next flush when
  /// followers acknowledge on receipt.
  void write_log_from(std::uint64_t index) {
    dirty_from_ = std::min(dirty_from_, index);
    if (!batching_ && (ack_point != ack_on::received || role_ == role::leader)) flush();
  }
  void flush() {
    if (dirty_from_ == UINT64_MAX) return;
    const std::uint64_t from = std::max(std::min<std::uint64_t>(dirty_from_, last_index() + 1), log_.base_index() + 1);
    const auto& es = log_.entries();
    const auto first = es.begin() + static_cast<std::ptrdiff_t>(from - log_.base_index() - 1);
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
    const entry* after_snapshot = log_.entries().data() + (log_.snapshot_index() - log_.base_index());
    auto [state, sessions] = state_.state_at(log_.snapshot_index(), index, applied_, after_snapshot);
    return {.index = index, .term = term_at(index), .bytes = log_.bytes_through(index), .state = std::move(state), .sessions = std::move(sessions)};
  }
  /// Makes the state at `index` (snapshot_index() < index <= applied_) the compaction state,
  /// persisted; the log keeps its entries.
  void fold(std::uint64_t index) {
    if (index <= log_.snapshot_index()) return;
    snapshot s = snapshot_at(index);  // the state now, if nothing after it is applied; otherwise a replay
    state_.compacted_to(s.state, s.sessions);
    log_.fold_through(index);
    out_.persist.push_back(std::move(s));
    emit(leader_event::kind::compacted);
  }
  /// Automatic compaction (`compact_every`), at the end of an input (step, tick, submit), as
  /// etcd does it: the snapshot is taken at the applied index (the machine's own state, no
  /// replay), and the log keeps `compact_keep` entries below it for followers that lag. After
  /// the messages the input sends are built, so a batch committed and applied at once
  /// (asynchronous commit) ships as entries even without `compact_keep`.
  ///
  /// Each replica folds when its applied index passes a mark, every `compact_every` entries,
  /// the marks staggered by replica id (`compact_every / nodes` apart; `compact_stagger`):
  /// copying a large machine takes tens of milliseconds, and replicas that all did it at the
  /// same index stalled every commit at once. Staggered, a follower's stall leaves the leader a
  /// quorum with the others.
  void maybe_compact() {
    const std::uint64_t every = cfg_.compact_every;
    if (every == 0 || applied_ <= log_.snapshot_index()) return;
    const std::uint64_t shift = cfg_.compact_stagger ? every - every / cluster_nodes(cfg_) * self_.value() : 0;  // marks at -shift (mod every)
    if ((applied_ + shift) / every == (log_.snapshot_index() + shift) / every) return;
    fold(applied_);
    if (applied_ > cfg_.compact_keep) log_.discard_through(applied_ - cfg_.compact_keep);
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
    rounds_.reset();
    last_heard_leader_ = now_;
    reset_election_timeout();
  }
  // ---- handlers ----
  void handle(replica_id from, replica::term t, const vote_request& v) { on_vote_request(from, t, v); }
  void handle(replica_id from, replica::term t, const vote_response& v) { on_vote_response(from, t, v); }
  void handle(replica_id from, replica::term, const append_request& a) { on_append(from, a, static_cast<batch*>(nullptr)); }
  void handle(replica_id from, replica::term, append_request&& a) { on_append(from, a, &a.entries); }
  void handle(replica_id from, replica::term, const install_snapshot& m) { on_install_snapshot(from, m); }
  void handle(replica_id from, replica::term, const append_response& a) { on_append_response(from, a); }
  void handle(replica_id from, replica::term t, const timeout_now& m) { on_timeout_now(from, t, m); }


  /// A node whose configuration `validate` refuses answers every request with that refusal.
  void refuse_all(std::span<const client_request<operation>> reqs) {
    for (const auto& req : reqs) {
      reply& r = out_.replies.emplace_back(req.client, req.id);
      r.status = reply_status::fail;
      r.error = config_.code();
    }
  }
  void fail_read(const pending_read& rd) {
    reply r{rd.client, rd.id};
    r.status = reply_status::fail;  // a read that was not served had no effect
    r.error = errc::unavailable;
    r.leader_hint = leader_;
    out_.replies.push_back(std::move(r));
  }

  // ---- reads ----
  [[nodiscard]] bool in_lease() const {
    return role_ == role::leader || (leader_.has_value() && now_ - last_heard_leader_ < cfg_.election_min) ||
           now_ - booted_at_ < cfg_.election_min;
  }
  [[nodiscard]] bool lease_valid() const { return lease_reads && rounds_.lease_holds(now_) && commit_ >= term_start_; }
  /// A quorum's highest echoed round: confirms read-index reads and renews the lease.
  void confirm_rounds() {
    if (pending_reads_.empty() && !rounds_.renewing()) return;
    const std::uint64_t confirmed = tracker_.confirmed_round(rounds_.current());
    if constexpr (lease_reads) rounds_.confirm(confirmed, leader_based_detail::lease_length(cfg_.election_min, detail::drift_ppm_of<typename R::reads>()));
    pending_reads_.serve_ready(confirmed, applied_, [this](const pending_read& rd) { serve_waited(rd); });
  }
  void serve_waited(const pending_read& rd) {
    reply r{rd.client, rd.id};
    reply_read(r, rd.q);
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
        waiting_reads_.push({.client = req.client,
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
    pending_reads_.push({.client = req.client,
                         .id = req.id,
                         .q = traits::query_of(req.op),
                         .read_index = std::max(commit_, term_start_),
                         .round = rounds_.open(now_, false),
                         .deadline = {}});
    broadcast_append(ship::heartbeat);
    confirm_rounds();
  }
  /// Follower reads waiting for their token: served once applied, failed at their deadline.
  void serve_waiting_reads() {
    waiting_reads_.serve_ready(0, applied_, [this](const pending_read& rd) { serve_waited(rd); });
  }
  void expire_waiting_reads() {
    waiting_reads_.drop_if([this](const pending_read& rd) { return now_ >= rd.deadline || role_ == role::leader; },
                           [this](const pending_read& rd) { fail_read(rd); });
  }
  /// Answers a read with the machine's state as applied now (the token names that position).
  void reply_read(reply& r, const query& q) {
    state_.read(q, r);
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
    state_.rewind();
    commit_ = std::min<std::uint64_t>(commit_, last_index());
    applied_ = log_.snapshot_index();  // (the log never truncates a folded entry)
    apply_committed();
  }
  /// Applies the committed entries, in log order; what a command returned is kept for the reply
  /// of a write this leader accepted.
  void apply_committed() {
    const std::uint64_t upto = std::min(commit_, last_index());
    if (upto <= applied_) return;
    const entry* first = &log_.at(applied_ + 1);  // entries are contiguous in the log
    state_.apply(first, first + (upto - applied_), [this](std::uint64_t index) {
      return !pending_writes_.empty() && find_pending(index) != nullptr;
    });
    applied_ = upto;
    serve_waiting_reads();
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
  void reset_election_timeout() { election_timeout_ = timer_.next(cfg_.election_min, cfg_.election_max); }

  replica_id self_;
  config cfg_;
  status config_;  ///< validate(cfg_)
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
  std::int64_t cluster_clock_offset_ = 0;  ///< a leader's cluster time minus its clock (µs)
  leader_based_detail::applier<Machine> state_;  ///< the machine, applied through applied_
  leader_based_detail::tracker<fixed_nodes> tracker_;  ///< the followers, as this node leads them
  leader_based_detail::vote_tally votes_;
  leader_based_detail::fifo<pending_write> pending_writes_;  // Invariant: increasing `index`; not necessarily contiguous
  leader_based_detail::read_queue<query> pending_reads_;  ///< read-index reads waiting for their round
  leader_based_detail::read_queue<query> waiting_reads_;  ///< follower reads waiting for their token
  leader_based_detail::read_rounds rounds_;                ///< confirmation rounds and the lease
  std::uint64_t last_new_verified_ = 0;
  batch shipped_;                  ///< the leader's last persisted batch, shared with its appends
  leader_based_detail::batch_pool<entry> batches_;  ///< recycled buffers for new batches
  std::uint64_t shipped_from_ = 0;  ///< index of shipped_[0]
  std::optional<replica_id> transfer_to_;
  local_time transfer_deadline_{};
  bool degraded_ = false;
  bool batching_ = false;
  bool booted_ = false;
  local_time booted_at_{};
  std::optional<local_time> unshipped_since_;
  local_time now_{}, last_heard_leader_{}, last_heartbeat_{};
  duration election_timeout_{};
  leader_based_detail::election_timer timer_;
  effects_of<leader_based_node> out_;
};

}  // namespace replica
