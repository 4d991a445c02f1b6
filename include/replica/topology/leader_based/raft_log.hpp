#pragma once
/// \file
/// The replicated log of a leader-based node: entries after a compaction point (the snapshot),
/// addressed by absolute index, with the running byte count that lag and flow control use.
///
/// - Index 0 is "before everything"; the first entry ever has index 1.
/// - `snapshot_index()` is the last index folded into the snapshot; entries up to it are gone,
///   and only its term is known (`term_at` answers nothing below it).
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
  raft_log(std::uint64_t snapshot_index, replica::term snapshot_term, std::uint64_t snapshot_bytes,
           std::vector<Entry> entries)
      : snap_index_{snapshot_index}, snap_term_{snapshot_term}, snap_bytes_{snapshot_bytes}, entries_{std::move(entries)} {
    number_from(0);
    last_ = snap_index_ + entries_.size();
  }

  static std::uint64_t wire_size(const Entry& e) noexcept { return entry_header_bytes + e.body_bytes(); }

  [[nodiscard]] std::uint64_t snapshot_index() const noexcept { return snap_index_; }
  [[nodiscard]] replica::term snapshot_term() const noexcept { return snap_term_; }
  [[nodiscard]] std::uint64_t last_index() const noexcept { return last_; }
  [[nodiscard]] bool contains(std::uint64_t index) const noexcept { return index > snap_index_ && index <= last_index(); }
  /// The entry at `index`; requires contains(index).
  [[nodiscard]] const Entry& at(std::uint64_t index) const noexcept {
    assert(contains(index));
    return entries_[index - snap_index_ - 1];
  }
  /// The term at `index`: 0 for index 0 or past the end, the snapshot's term at its index,
  /// nullopt below the snapshot (compacted away).
  [[nodiscard]] std::optional<replica::term> term_at(std::uint64_t index) const noexcept {
    if (index == 0 || index > last_index()) return replica::term{0};
    if (index == snap_index_) return snap_term_;
    if (index < snap_index_) return std::nullopt;
    return at(index).term;
  }
  /// term_at(index), with 0 for compacted indexes. (No optional on the hot path: GCC 12 returned
  /// one through the stack with a store-forwarding stall that the profile showed.)
  [[nodiscard]] replica::term term_or_zero(std::uint64_t index) const noexcept {
    if (contains(index)) return at(index).term;
    return index == snap_index_ ? snap_term_ : replica::term{0};
  }
  [[nodiscard]] std::uint64_t bytes_through(std::uint64_t index) const noexcept {
    if (index <= snap_index_) return snap_bytes_;
    if (index > last_index()) index = last_index();
    return index == snap_index_ ? snap_bytes_ : at(index).log_bytes;
  }
  [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return entries_; }
  /// The entries from `first` to `last` (both included), in place; requires both contained.
  [[nodiscard]] std::span<const Entry> slice(std::uint64_t first, std::uint64_t last) const noexcept {
    assert(contains(first) && contains(last) && first <= last);
    return std::span<const Entry>{entries_}.subspan(first - snap_index_ - 1, last - first + 1);
  }
  /// bytes_through(last_index()).
  [[nodiscard]] std::uint64_t bytes_last() const noexcept { return entries_.empty() ? snap_bytes_ : entries_.back().log_bytes; }

  /// Whether entries following (prev_index, prev_term) fit this log (Raft's consistency check,
  /// etcd's maybeAppend), and from where they are new. Changes nothing. A refusal carries a
  /// hint: past the end, the last index; below the compaction point, the compaction point
  /// (or a snapshot, if the logs diverge there); on a term mismatch, before the whole
  /// conflicting term (not below `commit`).
  template <class Entries>
  [[nodiscard]] append_check check_append(std::uint64_t prev, replica::term prev_term, const Entries& entries,
                                          std::uint64_t commit) const {
    append_check c;
    const std::uint64_t snap = snap_index_;
    if (prev > last_index()) {
      c.hint = last_index();
      return c;
    }
    if (prev < snap && (entries.empty() || entries.back().index < snap)) {
      // Below the compaction point the leader's entries cannot be checked against ours: resume
      // after it (the leader compares its term there, or sends a snapshot if it lacks it).
      c.hint = snap;
      return c;
    }
    if (prev >= snap && term_or_zero(prev) != prev_term) {
      if (prev == snap) {
        c.need_snapshot = true;  // diverged at (or below) the compaction point: only a snapshot helps
        c.hint = snap;
        return c;
      }
      std::uint64_t h = prev - 1;  // back off over the whole conflicting term at once
      const replica::term bad = term_or_zero(prev);
      while (h > std::max(commit, snap) && term_or_zero(h) == bad) --h;
      c.hint = h;
      return c;
    }
    c.success = true;
    c.last_new = prev;
    c.first_new = entries.size();
    for (std::size_t pos = 0; pos < entries.size(); ++pos) {
      const auto& e = entries[pos];
      c.last_new = e.index;
      if (e.index < snap) continue;  // folded into the snapshot; checked at the snapshot's index
      if (e.index == snap) {
        if (e.term == snap_term_) continue;
        return append_check{.success = false, .hint = snap, .need_snapshot = true, .first_new = 0, .conflict = false, .last_new = 0};
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
    last_ = snap_index_ + entries_.size();
  }
  /// Drops every entry after `index` (index >= snapshot_index()).
  void truncate_after(std::uint64_t index) {
    if (index < snap_index_) index = snap_index_;
    if (index >= last_index()) return;
    entries_.resize(index - snap_index_);
    last_ = index;
  }
  /// Folds entries up to `index` into the snapshot (index <= last_index()).
  void compact_through(std::uint64_t index) {
    if (index <= snap_index_ || index > last_index()) return;
    const auto n = static_cast<std::ptrdiff_t>(index - snap_index_);
    snap_term_ = at(index).term;
    snap_bytes_ = bytes_through(index);
    snap_index_ = index;
    entries_.erase(entries_.begin(), entries_.begin() + n);
  }
  /// Replaces everything with an installed snapshot, keeping the suffix after it when the log
  /// agrees with the snapshot at its index.
  void install(std::uint64_t index, replica::term t, std::uint64_t bytes) {
    const bool keep_suffix = contains(index) && at(index).term == t;
    if (keep_suffix) {
      compact_through(index);
      snap_bytes_ = bytes;
      number_from(0);  // counted from the snapshot's bytes
      return;
    }
    entries_.clear();
    snap_index_ = index;
    last_ = index;
    snap_term_ = t;
    snap_bytes_ = bytes;
  }

 private:
  std::uint64_t snap_index_ = 0;
  replica::term snap_term_{};
  std::uint64_t snap_bytes_ = 0;
  std::vector<Entry> entries_;  ///< entries_[i].log_bytes: bytes_through(snap_index_ + i + 1)
  /// snap_index_ + entries_.size(), kept (asked for on every message; the size is a division
  /// by the entry's size, 72 bytes).
  std::uint64_t last_ = 0;

  /// Sets log_bytes of entries_[from...] (and after) from the one before.
  void number_from(std::size_t from) noexcept {
    std::uint64_t c = from == 0 ? snap_bytes_ : entries_[from - 1].log_bytes;
    for (std::size_t i = from; i < entries_.size(); ++i) entries_[i].log_bytes = c += wire_size(entries_[i]);
  }
};

}  // namespace replica::leader_based_detail
