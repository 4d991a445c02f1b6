#pragma once
/// \file
/// The state machine behind its seam, as a leader-based node holds it: the machine as applied,
/// with the client sessions (sessions.hpp) that make a retried write apply at most once; their
/// state at the compaction point; and what `apply` returned for the writes whose replies need
/// it. The node decides what is committed; this applies it, in log order.
///
/// - `apply` hands each committed entry's command to `Machine::apply` (a leader's no-op does
///   not reach the machine; a retry the sessions recognise does not either, and is answered
///   with the first outcome) and keeps a result only when a client waits for it and it is not
///   the default one (a reply starts out holding the default), so a register write costs no
///   map insertion.
/// - `state_at(index)` is the machine's snapshot at a log position between the compaction point
///   and the applied index: the machine's own snapshot at the applied index, else a replay from
///   the compaction state.
/// - `rewind` restores the compaction state (the node then re-applies the committed entries
///   after it); `install` replaces everything with a leader's snapshot.

#include <replica/core/client.hpp>
#include <replica/core/inline.hpp>
#include <replica/core/result.hpp>
#include <replica/core/state_machine.hpp>
#include <replica/topology/leader_based/sessions.hpp>

#include <concepts>
#include <cstdint>
#include <map>
#include <utility>

namespace replica::leader_based_detail {

template <state_machine Machine>
class applier {
 public:
  using result_type = typename Machine::result;
  using snapshot_type = typename Machine::snapshot_type;
  using outcome = replica::result<result_type>;
  using sessions_type = session_table<result_type>;
  using session_image_type = typename sessions_type::image;

  /// A machine and sessions restored from the compaction state (a new disk: the empty ones).
  applier(snapshot_type compacted, session_image_type sessions, session_limits limits)
      : compacted_{std::move(compacted)}, compacted_sessions_{std::move(sessions)}, limits_{limits} {
    rewind();
  }

  [[nodiscard]] const Machine& machine() const noexcept { return machine_; }
  [[nodiscard]] const snapshot_type& compacted() const noexcept { return compacted_; }
  [[nodiscard]] const sessions_type& sessions() const noexcept { return sessions_; }
  [[nodiscard]] const session_image_type& compacted_sessions() const noexcept { return compacted_sessions_; }

  /// Applies the commands of entries [first, last) in order. `wanted(index)` says whether a
  /// client waits for the result of the entry at `index` (asked only of results worth keeping).
  template <class Entry, class Wanted>
  void apply(const Entry* first, const Entry* last, Wanted&& wanted) {
    for (; first != last; ++first) {
      if (first->noop()) {
        sessions_.advance(first->time, limits_);
        continue;
      }
      outcome r = apply_one(machine_, sessions_, *first, limits_);
      if (worth_keeping(r) && wanted(first->index)) outcomes_.emplace(first->index, std::move(r));
    }
  }
  /// Moves the kept result of the write at `index` into its reply (a refusal: `fail` with the
  /// machine's error code). Nothing kept: the reply keeps its default result.
  template <class Reply>
  void take(std::uint64_t index, Reply& r) {
    auto it = outcomes_.find(index);
    if (it == outcomes_.end()) return;
    fill(r, std::move(it->second));
    outcomes_.erase(it);
  }
  /// Forgets every kept result (the writes waiting for them were answered otherwise).
  void forget_outcomes() noexcept { outcomes_.clear(); }
  /// Answers a query from the machine as applied now.
  template <class Query, class Reply>
  void read(const Query& q, Reply& r) const {
    fill(r, outcome{machine_.read(q)});
  }

  /// The machine's snapshot at `index`, where the compaction point <= index <= the applied
  /// index; `entries_after_compaction` points at the entry after the compaction point.
  /// (With the sessions at that index, the same way.)
  template <class Entry>
  [[nodiscard]] std::pair<snapshot_type, session_image_type> state_at(std::uint64_t compaction_index, std::uint64_t index,
                                                                      std::uint64_t applied,
                                                                      const Entry* entries_after_compaction) const {
    if (index == applied) return {machine_.snapshot(), sessions_.snapshot()};
    Machine m;
    m.restore(compacted_);
    sessions_type ss{compacted_sessions_};
    for (std::uint64_t i = compaction_index; i < index; ++i) (void)apply_one(m, ss, entries_after_compaction[i - compaction_index], limits_);
    return {m.snapshot(), ss.snapshot()};
  }
  /// Entries were folded into a snapshot: `s` and `ss` are the new compaction state.
  void compacted_to(snapshot_type s, session_image_type ss) {
    compacted_ = std::move(s);
    compacted_sessions_ = std::move(ss);
  }
  /// Back to the compaction state (applied entries past it were discarded).
  void rewind() {
    machine_.restore(compacted_);
    sessions_.restore(compacted_sessions_);
  }
  /// A leader's snapshot replaces the state and becomes the compaction state.
  void install(const snapshot_type& s, const session_image_type& ss) {
    compacted_ = s;
    compacted_sessions_ = ss;
    rewind();
  }

 private:
  /// One entry's effect on a machine and its sessions: a no-op moves cluster time only; a
  /// retry the sessions recognise gets its first outcome; anything else is applied.
  template <class Entry>
  REPLICA_ALWAYS_INLINE static outcome apply_one(Machine& m, sessions_type& ss, const Entry& e, const session_limits& lim) {
    if (e.noop()) {
      ss.advance(e.time, lim);
      return outcome{result_type{}};
    }
    auto s = ss.open(e.client, e.request, e.time, lim);
    if (s != nullptr && sessions_type::seen(s, e.request)) [[unlikely]]
      return ss.answer(s, e.request);
    outcome r = m.apply(e.op);
    if (s != nullptr) ss.record(s, e.request, r);
    return r;
  }
  static bool worth_keeping(const outcome& r) {
    if constexpr (std::equality_comparable<result_type>)
      return !r.ok() || !(*r == result_type{});
    else
      return true;
  }
  template <class Reply>
  static void fill(Reply& r, outcome&& o) {
    if (o.ok()) {
      r.result = std::move(*o);
    } else {
      // Refused by the machine: definitely not done. A retry of an older request than the
      // client's last: its outcome is no longer known.
      r.status = o.code() == errc::duplicate ? reply_status::unknown : reply_status::fail;
      r.error = o.code();
    }
  }

  Machine machine_;
  sessions_type sessions_;
  snapshot_type compacted_;  ///< the machine's state at the compaction point
  session_image_type compacted_sessions_;  ///< the sessions at the compaction point
  session_limits limits_;
  /// What the machine returned for writes whose replies need it (see worth_keeping).
  std::map<std::uint64_t, outcome> outcomes_;
};

}  // namespace replica::leader_based_detail
