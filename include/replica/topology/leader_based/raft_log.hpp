#pragma once
/// \file
/// The replicated log of a leader-based node: the entries it holds, addressed by absolute index,
/// with the running byte count that lag and flow control use, and the compaction point.
///
/// - Index 0 is "before everything"; the first entry ever has index 1.
/// - `base_index()` is the index before the first entry held: entries up to it are gone, and
///   only its term is known (`term_at` answers nothing below it).
/// - `snapshot_index()` (at least the base) is the last index folded into the snapshot. The log
///   may still hold entries up to it for followers that lag (etcd keeps such catch-up entries
///   below its snapshot too): they are folded, so they are never truncated, and a leader whose
///   log differs there gets a refusal that asks for a snapshot.
/// - `bytes_through(i)` is the wire size of every entry up to i since the beginning of the log,
///   so the bytes between two positions cost one subtraction. Each entry holds its own
///   (`Entry::log_bytes`, as a Kafka log knows each record's byte position): the log sets it when
///   the entry arrives, whatever a message said, and compaction needs no second array to trim.

#include <replica/core/ids.hpp>

#include <cassert>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace replica::leader_based_detail {

/// What the log makes of a leader's append (see raft_log::check_append).
struct append_check {
  bool success = false;
  std::uint64_t hint = 0;      ///< refused: the leader should resume after `hint`
  bool need_snapshot = false;  ///< refused: the logs diverge at or below the compaction point
  /// Accepted: the position in the batch of the first entry the log lacks (the batch's size:
  /// none), and whether it conflicts with an entry the log holds at its index (then the log is
  /// truncated before it: a suffix of an older term is discarded).
  std::size_t first_new = 0;
  bool conflict = false;
  std::uint64_t last_new = 0;  ///< accepted: the last index the append verified
};

/// Fixed size an entry has on the wire besides its body (term, index, and the command's fixed fields).
inline constexpr std::uint64_t entry_header_bytes = 40;

/// `Entry` has `term`, `body_bytes()` (its command's variable size on the wire) and a
/// `std::uint64_t log_bytes` the log writes.
template <class Entry>
class raft_log {
 public:
  raft_log() = default;
  /// A log whose entries follow a snapshot (a log recovered from a disk holds nothing below it).
  raft_log(std::uint64_t snapshot_index, replica::term snapshot_term, std::uint64_t snapshot_bytes,
           std::vector<Entry> entries)
      : base_{snapshot_index}, base_term_{snapshot_term}, base_bytes_{snapshot_bytes}, snap_index_{snapshot_index},
        entries_{std::move(entries)} {
    number_from(0);
    last_ = base_ + entries_.size();
  }

  static std::uint64_t wire_size(const Entry& e) noexcept { return entry_header_bytes + e.body_bytes(); }

  /// The index before the first entry held.
  [[nodiscard]] std::uint64_t base_index() const noexcept { return base_; }
  [[nodiscard]] replica::term base_term() const noexcept { return base_term_; }
  /// The last index folded into the snapshot (at least base_index()).
  [[nodiscard]] std::uint64_t snapshot_index() const noexcept { return snap_index_; }
  [[nodiscard]] std::uint64_t last_index() const noexcept { return last_; }
  [[nodiscard]] bool contains(std::uint64_t index) const noexcept { return index > base_ && index <= last_index(); }
  /// The entry at `index`; requires contains(index).
  [[nodiscard]] const Entry& at(std::uint64_t index) const noexcept {
    assert(contains(index));
    return entries_[index - base_ - 1];
  }
  /// The term at `index`: 0 for index 0 or past the end, the base's term at its index,
  /// nullopt below the base (compacted away).
  [[nodiscard]] std::optional<replica::term> term_at(std::uint64_t index) const noexcept {
    if (index == 0 || index > last_index()) return replica::term{0};
    if (index == base_) return base_term_;
    if (index < base_) return std::nullopt;
    return at(index).term;
  }
  /// term_at(index), with 0 for compacted indexes. (No optional on the hot path: GCC 12 returned
  /// one through the stack with a store-forwarding stall that the profile showed.)
  [[nodiscard]] replica::term term_or_zero(std::uint64_t index) const noexcept {
    if (contains(index)) return at(index).term;
    return index == base_ ? base_term_ : replica::term{0};
  }
  [[nodiscard]] std::uint64_t bytes_through(std::uint64_t index) const noexcept {
    if (index <= base_) return base_bytes_;
    if (index > last_index()) index = last_index();
    return index == base_ ? base_bytes_ : at(index).log_bytes;
  }
  [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return entries_; }
  /// The entries from `first` to `last` (both included), in place; requires both contained.
  [[nodiscard]] std::span<const Entry> slice(std::uint64_t first, std::uint64_t last) const noexcept {
    assert(contains(first) && contains(last) && first <= last);
    return std::span<const Entry>{entries_}.subspan(first - base_ - 1, last - first + 1);
  }
  /// bytes_through(last_index()).
  [[nodiscard]] std::uint64_t bytes_last() const noexcept { return entries_.empty() ? base_bytes_ : entries_.back().log_bytes; }

  /// Whether entries following (prev_index, prev_term) fit this log (Raft's consistency check,
  /// etcd's maybeAppend), and from where they are new. Changes nothing. A refusal carries a
  /// hint: past the end, the last index; below the entries held, the base (or a snapshot, if
  /// the logs diverge at or below the compaction point: folded entries are never truncated);
  /// on a term mismatch, before the whole conflicting term (not below `commit`).
  template <class Entries>
  [[nodiscard]] append_check check_append(std::uint64_t prev, replica::term prev_term, const Entries& entries,
                                          std::uint64_t commit) const {
    append_check c;
    const std::uint64_t base = base_;
    if (prev > last_index()) {
      c.hint = last_index();
      return c;
    }
    if (prev < base && (entries.empty() || entries.back().index < base)) {
      // Below the entries held the leader's cannot be checked against ours: resume after the
      // base (the leader compares its term there, or sends a snapshot if it lacks it).
      c.hint = base;
      return c;
    }
    if (prev >= base && term_or_zero(prev) != prev_term) {
      if (prev <= snap_index_) {
        c.need_snapshot = true;  // diverged at (or below) the compaction point: only a snapshot helps
        c.hint = base;
        return c;
      }
      std::uint64_t h = prev - 1;  // back off over the whole conflicting term at once
      const replica::term bad = term_or_zero(prev);
      while (h > std::max(commit, snap_index_) && term_or_zero(h) == bad) --h;
      c.hint = h;
      return c;
    }
    c.success = true;
    c.last_new = prev;
    c.first_new = entries.size();
    for (std::size_t pos = 0; pos < entries.size(); ++pos) {
      const auto& e = entries[pos];
      c.last_new = e.index;
      if (e.index < base) continue;  // gone from this log; checked at the base
      if (e.index <= snap_index_) {
        if (e.term == term_or_zero(e.index)) continue;
        return append_check{.success = false, .hint = base, .need_snapshot = true, .first_new = 0, .conflict = false, .last_new = 0};
      }
      if (e.index <= last_index() && term_or_zero(e.index) == e.term) continue;  // already held (a duplicate)
      c.first_new = pos;
      c.conflict = e.index <= last_index();
      c.last_new = entries.back().index;
      break;
    }
    return c;
  }

  /// Appends an entry built from `args` in place.
  template <class... Args>
  const Entry& emplace_back(Args&&... args) {
    const std::uint64_t before = bytes_last();
    Entry& e = entries_.emplace_back(std::forward<Args>(args)...);
    e.log_bytes = before + wire_size(e);
    ++last_;
    return e;
  }
  /// Appends [first, last) at the end. (One pass, each entry copied where it goes and numbered
  /// there: `insert` followed by a numbering pass called the entry's copy constructor out of
  /// line once per entry and then walked the new entries again.)
  template <class It>
  void append(It first, It last) {
    std::uint64_t c = bytes_last();
    for (; first != last; ++first) {
      Entry& e = entries_.emplace_back(*first);
      e.log_bytes = c += wire_size(e);
    }
    last_ = base_ + entries_.size();
  }
  /// Drops every entry after `index`, never a folded one (index >= snapshot_index()).
  void truncate_after(std::uint64_t index) {
    if (index < snap_index_) index = snap_index_;
    if (index >= last_index()) return;
    entries_.resize(index - base_);
    last_ = index;
  }
  /// Moves the compaction point to `index` (snapshot_index() <= index <= last_index()); the
  /// entries stay.
  void fold_through(std::uint64_t index) {
    if (index > snap_index_ && index <= last_index()) snap_index_ = index;
  }
  /// Drops the entries up to `index`, which must be folded (index <= snapshot_index()).
  void discard_through(std::uint64_t index) {
    if (index <= base_ || index > snap_index_) return;
    const auto n = static_cast<std::ptrdiff_t>(index - base_);
    base_term_ = at(index).term;
    base_bytes_ = bytes_through(index);
    base_ = index;
    entries_.erase(entries_.begin(), entries_.begin() + n);
  }
  /// Folds entries up to `index` into the snapshot and drops them (index <= last_index()).
  void compact_through(std::uint64_t index) {
    fold_through(index);
    discard_through(index);
  }
  /// Replaces everything with an installed snapshot, keeping the suffix after it when the log
  /// agrees with the snapshot at its index.
  void install(std::uint64_t index, replica::term t, std::uint64_t bytes) {
    const bool keep_suffix = contains(index) && at(index).term == t;
    if (keep_suffix) {
      snap_index_ = index;  // (a leader's snapshot the log agrees with is past its commit, so past its own)
      discard_through(index);
      base_bytes_ = bytes;
      number_from(0);  // counted from the snapshot's bytes
      return;
    }
    entries_.clear();
    base_ = snap_index_ = last_ = index;
    base_term_ = t;
    base_bytes_ = bytes;
  }

 private:
  std::uint64_t base_ = 0;
  replica::term base_term_{};
  std::uint64_t base_bytes_ = 0;
  std::uint64_t snap_index_ = 0;  ///< >= base_
  std::vector<Entry> entries_;  ///< entries_[i].log_bytes: bytes_through(base_ + i + 1)
  /// base_ + entries_.size(), kept (asked for on every message; the size is a division
  /// by the entry's size, 72 bytes).
  std::uint64_t last_ = 0;

  /// Sets log_bytes of entries_[from...] (and after) from the one before.
  void number_from(std::size_t from) noexcept {
    std::uint64_t c = from == 0 ? base_bytes_ : entries_[from - 1].log_bytes;
    for (std::size_t i = from; i < entries_.size(); ++i) entries_[i].log_bytes = c += wire_size(entries_[i]);
  }
};

}  // namespace replica::leader_based_detail
