#pragma once
/// \file
/// The leader-based protocol's wire and disk vocabulary over a state machine: log entries,
/// the messages between replicas, what a node persists and what its disk holds after a crash.
/// Their shape depends on the machine only (not on the commit mode or the read policy).

#include <replica/core/fields.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/state_machine.hpp>
#include <replica/topology/leader_based/entry_batch.hpp>
#include <replica/topology/leader_based/sessions.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <utility>
#include <vector>

namespace replica::leader_based_detail {

/// The types of `leader_based_node<R, Machine>`. `Owner`: the node type, so that each
/// composition has its own (GCC 12 stops inlining the per-entry batch and log functions that
/// several compositions in one program share).
template <state_machine Machine, class Owner = void>
struct wire {
  using command = typename machine_traits<Machine>::command;
  using sessions = session_table<typename Machine::result>;

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
    /// Who asked for it (sessions.hpp: a retried write applies at most once); request 0: no
    /// session (a no-op, or a client that does not retry).
    client_id client{};
    request_id request{};
    /// The leader's cluster time when it appended the entry (µs; sessions expire by it).
    std::int64_t time = 0;
    REPLICA_FIELDS(term, index, op, is_noop, client, request, time);  // (not log_bytes: the receiving log sets it)
    [[nodiscard]] bool noop() const noexcept { return is_noop; }
    /// The command's variable size on the wire (the log counts bytes with it).
    [[nodiscard]] std::uint64_t body_bytes() const noexcept { return machine_traits<Machine>::body_bytes(op); }
    friend bool operator==(const entry& a, const entry& b) noexcept {
      return a.term == b.term && a.index == b.index && a.is_noop == b.is_noop && a.client == b.client &&
             a.request == b.request && a.time == b.time && a.op == b.op;
    }
  };
  /// Entries shipped or persisted together, sharing one buffer (see entry_batch.hpp).
  using batch = leader_based_detail::entry_batch<entry>;

  // ---- messages ----
  struct vote_request {
    bool pre = false;  ///< a pre-vote: asks "would you vote?" without disturbing terms
    log_position last{};
    bool force = false;  ///< a leadership transfer or manual failover: ignore the leader's lease
    REPLICA_FIELDS(pre, last, force);
    friend bool operator==(const vote_request&, const vote_request&) = default;
  };
  struct vote_response {
    bool pre = false;
    bool granted = false;
    REPLICA_FIELDS(pre, granted);
    friend bool operator==(const vote_response&, const vote_response&) = default;
  };
  struct append_request {
    log_position prev{};
    batch entries;
    std::uint64_t commit = 0;
    std::uint64_t read_round = 0;  ///< read-index confirmation round this heartbeat carries
    /// To a follower rebuilding a lost disk: it holds an entry committed without its
    /// acknowledgement since the leader learned of it, so it may vote and count again.
    bool rebuilt = false;
    REPLICA_FIELDS(prev, entries, commit, read_round, rebuilt);
    friend bool operator==(const append_request&, const append_request&) = default;
  };
  struct append_response {
    bool success = false;
    std::uint64_t received = 0;  ///< last index in the follower's log (in memory)
    std::uint64_t flushed = 0;   ///< last index durable on its disk
    std::uint64_t applied = 0;   ///< last index applied to its state
    std::uint64_t hint = 0;      ///< on rejection: the leader should retry from hint + 1
    std::uint64_t read_round = 0;
    bool need_snapshot = false;  ///< on rejection: the logs diverge below my compaction point
    /// "My disk was lost and I am not yet caught up: do not count me" (for commits, reads and
    /// check-quorum; see hard_state::rebuilding).
    bool rebuilding = false;
    REPLICA_FIELDS(success, received, flushed, applied, hint, read_round, need_snapshot, rebuilding);
    friend bool operator==(const append_response&, const append_response&) = default;
  };
  /// The applied state at a log position, replacing the receiver's log up to it.
  struct snapshot {
    std::uint64_t index = 0;
    replica::term term{};
    std::uint64_t bytes = 0;  ///< bytes_through(index) of the log it folds
    /// The machine's state after applying through `index` (an empty disk: the state of a
    /// default-constructed machine, before any command).
    typename Machine::snapshot_type state = Machine{}.snapshot();
    /// The client sessions at `index` (part of the replicated state; sessions.hpp).
    session_image<typename Machine::result> sessions{};
    REPLICA_FIELDS(index, term, bytes, state, sessions);
    friend bool operator==(const snapshot&, const snapshot&) = default;
  };
  struct install_snapshot {
    snapshot snap;
    std::uint64_t commit = 0;
    REPLICA_FIELDS(snap, commit);
    friend bool operator==(const install_snapshot&, const install_snapshot&) = default;
  };
  /// A leadership transfer's last step: "campaign now, you are up to date" (Raft's TimeoutNow).
  struct timeout_now {
    REPLICA_FIELDS();
    friend bool operator==(const timeout_now&, const timeout_now&) = default;
  };
  using message = std::variant<vote_request, vote_response, append_request, append_response, install_snapshot, timeout_now>;
  /// A pre-vote request or answer (it asks about a term without moving to it).
  static bool is_pre_vote(const message& m) {
    if (const auto* v = std::get_if<vote_request>(&m)) return v->pre;
    if (const auto* v = std::get_if<vote_response>(&m)) return v->pre;
    return false;
  }

  // ---- persistence ----
  struct hard_state {
    replica::term current{};
    std::optional<replica_id> voted_for{};
    /// This replica lost its disk (D10): the votes and acknowledgements it gave before are
    /// forgotten, so it neither votes, nor campaigns, nor counts for a leader's commit, reads
    /// or check-quorum until a leader has caught it up (`append_request::rebuilt`). Durable, so
    /// a crash while rebuilding does not make it a full member.
    bool rebuilding = false;
    REPLICA_FIELDS(current, voted_for, rebuilding);
    friend bool operator==(const hard_state&, const hard_state&) = default;
  };
  /// Truncate the log after `from - 1`, then append `entries` (which start at `from`).
  struct log_write {
    std::uint64_t from = 1;
    batch entries;
    REPLICA_FIELDS(from, entries);
    friend bool operator==(const log_write&, const log_write&) = default;
  };
  using persist_entry = std::variant<hard_state, log_write, snapshot>;
  struct durable_state {
    hard_state hard{};
    snapshot snap{};         ///< the compaction point and the state at it
    std::vector<entry> log;  ///< log[i] has index snap.index + i + 1
    REPLICA_FIELDS(hard, snap, log);
    friend bool operator==(const durable_state&, const durable_state&) = default;
  };

  /// Whether `m` may leave while `batch` is being written (core/effects.hpp): a leader's
  /// append (Raft's §10.2.1). It relies only on the leader's term, made durable in the batch
  /// that asked for votes, and the leader counts itself for a commit only when it steps the
  /// followers' answers, after the batch is durable. Not when the batch changes the hard state
  /// (a term or a vote the message could rely on: a promotion that starts a term and appends
  /// at once); nothing else leaves early (a vote or an acknowledgement relies on the batch).
  static bool sendable_before_persist(const message& m, std::span<const persist_entry> batch) {
    if (!std::holds_alternative<append_request>(m)) return false;
    return std::none_of(batch.begin(), batch.end(), [](const persist_entry& p) { return std::holds_alternative<hard_state>(p); });
  }

  /// Whether a reply naming log position `token` may be delivered before `batch` is durable
  /// (core/effects.hpp). A reply's token is the position it reflects: a write's index, or the
  /// applied index a read saw. It relies on the batch only when that position is among the
  /// entries the batch writes: under asynchronous commit a leader acknowledges at its own sync,
  /// and a follower may read what it applied from the entries it is writing. A write a quorum
  /// made durable in an earlier batch (the leader counts itself only for entries whose sync is
  /// done, stepping the followers' answers after it) is acknowledged at once. A reply with no
  /// position (a refusal, a redirect, an unknown outcome) relies on nothing written. A batch
  /// that changes the hard state or holds a snapshot (a step-down, an install) delivers
  /// nothing early.
  static bool deliverable_before_persist(std::optional<std::uint64_t> token, std::span<const persist_entry> batch) {
    std::uint64_t first_written = UINT64_MAX;
    for (const persist_entry& p : batch) {
      if (const auto* w = std::get_if<log_write>(&p)) first_written = std::min(first_written, w->from);
      else return false;
    }
    return !token || *token < first_written;
  }

  /// Whether `p` is a snapshot that `d` already implies (core/node.hpp, `restates`): one at an
  /// index past `d`'s snapshot whose entry `d`'s log holds with the same term. By Raft's log
  /// matching, `d`'s log up to there is the log the snapshot folded (and a snapshot only folds
  /// committed entries), so replaying `d` gives the same state: a compaction, or an installed
  /// snapshot the replica had every entry of. An install that replaces the log is not.
  static bool restates(const durable_state& d, const persist_entry& p) {
    const auto* s = std::get_if<snapshot>(&p);
    if (s == nullptr || s->index <= d.snap.index) return false;
    const std::uint64_t at = s->index - d.snap.index;
    return at <= d.log.size() && d.log[at - 1].term == s->term;
  }

  /// The disk of a replica that lost its own: empty, and marked rebuilding (hard_state).
  static durable_state lost_disk() {
    durable_state d;
    d.hard.rebuilding = true;
    return d;
  }
  /// What writing one persist entry does to the disk (the simulator's disk; the write-ahead
  /// log replays the same way). An rvalue is moved from: a snapshot's state goes into the disk
  /// without a copy.
  static void persist(durable_state& d, const persist_entry& p) { persist_impl(d, p); }
  static void persist(durable_state& d, persist_entry&& p) { persist_impl(d, std::move(p)); }

 private:
  template <class P>
  static void persist_impl(durable_state& d, P&& p) {
    if (const auto* h = std::get_if<hard_state>(&p)) {
      d.hard = *h;
    } else if (const auto* w = std::get_if<log_write>(&p)) {
      const std::uint64_t keep = w->from - 1 > d.snap.index ? w->from - 1 - d.snap.index : 0;
      d.log.resize(std::min<std::size_t>(d.log.size(), keep));
      for (const entry& e : w->entries)
        if (e.index > d.snap.index) d.log.push_back(e);
    } else {
      auto&& s = std::get<snapshot>(std::forward<P>(p));
      const std::uint64_t at = s.index > d.snap.index ? s.index - d.snap.index : 0;  // position in d.log
      const bool keep_suffix = at >= 1 && at <= d.log.size() && d.log[at - 1].term == s.term;
      if (keep_suffix)
        d.log.erase(d.log.begin(), d.log.begin() + static_cast<std::ptrdiff_t>(at));
      else
        d.log.clear();
      d.snap = std::forward<decltype(s)>(s);
    }
  }
};

}  // namespace replica::leader_based_detail
