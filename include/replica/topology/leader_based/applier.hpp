#pragma once
/// \file
/// The state machine behind its seam, as a leader-based node holds it: the machine as applied,
/// its state at the compaction point, and what `apply` returned for the writes whose replies
/// need it. The node decides what is committed; this applies it, in log order.
///
/// - `apply` hands each committed entry's command to `Machine::apply` (a leader's no-op does
///   not reach the machine) and keeps a result only when a client waits for it and it is not
///   the default one (a reply starts out holding the default), so a register write costs no
///   map insertion.
/// - `state_at(index)` is the machine's snapshot at a log position between the compaction point
///   and the applied index: the machine's own snapshot at the applied index, else a replay from
///   the compaction state.
/// - `rewind` restores the compaction state (the node then re-applies the committed entries
///   after it); `install` replaces everything with a leader's snapshot.

#include <replica/core/client.hpp>
#include <replica/core/result.hpp>
#include <replica/core/state_machine.hpp>

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

  /// A machine restored from the compaction state `compacted` (a new disk: the empty machine's).
  explicit applier(snapshot_type compacted) : compacted_{std::move(compacted)} { machine_.restore(compacted_); }

  [[nodiscard]] const Machine& machine() const noexcept { return machine_; }
  [[nodiscard]] const snapshot_type& compacted() const noexcept { return compacted_; }

  /// Applies the commands of entries [first, last) in order. `wanted(index)` says whether a
  /// client waits for the result of the entry at `index` (asked only of results worth keeping).
  template <class Entry, class Wanted>
  void apply(const Entry* first, const Entry* last, Wanted&& wanted) {
    for (; first != last; ++first) {
      if (first->noop()) continue;
      outcome r = machine_.apply(first->op);
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
  template <class Entry>
  [[nodiscard]] snapshot_type state_at(std::uint64_t compaction_index, std::uint64_t index, std::uint64_t applied,
                                       const Entry* entries_after_compaction) const {
    if (index == applied) return machine_.snapshot();
    Machine m;
    m.restore(compacted_);
    for (std::uint64_t i = compaction_index; i < index; ++i)
      if (const Entry& e = entries_after_compaction[i - compaction_index]; !e.noop()) (void)m.apply(e.op);
    return m.snapshot();
  }
  /// Entries were folded into a snapshot: `s` is the new compaction state.
  void compacted_to(snapshot_type s) { compacted_ = std::move(s); }
  /// Back to the compaction state (applied entries past it were discarded).
  void rewind() { machine_.restore(compacted_); }
  /// A leader's snapshot replaces the state and becomes the compaction state.
  void install(const snapshot_type& s) {
    machine_.restore(s);
    compacted_ = s;
  }

 private:
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
      r.status = reply_status::fail;  // refused by the machine: definitely not done
      r.error = o.code();
    }
  }

  Machine machine_;
  snapshot_type compacted_;  ///< the machine's state at the compaction point
  /// What the machine returned for writes whose replies need it (see worth_keeping).
  std::map<std::uint64_t, outcome> outcomes_;
};

}  // namespace replica::leader_based_detail
