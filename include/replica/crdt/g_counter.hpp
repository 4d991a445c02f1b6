#pragma once
/// \file
/// G-Counter: a grow-only counter. Each replica counts its own increments; the value is the sum
/// and the join takes the per-replica maximum, so an increment is counted once however often its
/// state is delivered. `increment` is a delta mutator: it returns the one entry that changed.

#include <replica/core/fields.hpp>
#include <replica/core/ids.hpp>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace replica {

/// A grow-only counter (one entry per replica that incremented).
class g_counter {
 public:
  using entry = std::pair<replica_id, std::uint64_t>;

  /// Adds `n` at replica `self`; returns the delta (this replica's new count).
  g_counter increment(replica_id self, std::uint64_t n = 1) {
    auto it = find(self);
    if (it == entries_.end() || it->first != self) it = entries_.insert(it, entry{self, 0});
    it->second += n;
    g_counter delta;
    delta.entries_.push_back(*it);
    return delta;
  }
  [[nodiscard]] std::uint64_t value() const noexcept {
    std::uint64_t sum = 0;
    for (const auto& e : entries_) sum += e.second;
    return sum;
  }
  /// What replica `r` contributed.
  [[nodiscard]] std::uint64_t count(replica_id r) const noexcept {
    auto it = find(r);
    return it != entries_.end() && it->first == r ? it->second : 0;
  }
  /// Join: the per-replica maximum (one pass over two sorted lists; in place, without
  /// allocating, when every replica of `o` already has an entry here).
  void merge(const g_counter& o) {
    if (o.entries_.size() == 1) {  // the common delta: one entry, no allocation when present
      const entry& e = o.entries_.front();
      auto it = find(e.first);
      if (it != entries_.end() && it->first == e.first)
        it->second = std::max(it->second, e.second);
      else
        entries_.insert(it, e);
      return;
    }
    if (o.entries_.size() == entries_.size() &&
        std::equal(entries_.begin(), entries_.end(), o.entries_.begin(), [](const entry& x, const entry& y) { return x.first == y.first; })) {
      for (std::size_t i = 0; i < entries_.size(); ++i) entries_[i].second = std::max(entries_[i].second, o.entries_[i].second);
      return;  // the same members (the usual case): one straight pass
    }
    if (covers(o)) {
      auto a = entries_.begin();
      for (const entry& e : o.entries_) {
        while (a->first < e.first) ++a;
        a->second = std::max(a->second, e.second);
      }
      return;
    }
    std::vector<entry> out;
    out.reserve(entries_.size() + o.entries_.size());
    auto a = entries_.begin();
    auto b = o.entries_.begin();
    while (a != entries_.end() || b != o.entries_.end()) {
      if (b == o.entries_.end() || (a != entries_.end() && a->first < b->first)) {
        out.push_back(*a++);
      } else if (a == entries_.end() || b->first < a->first) {
        out.push_back(*b++);
      } else {
        out.emplace_back(a->first, std::max(a->second, b->second));
        ++a;
        ++b;
      }
    }
    entries_ = std::move(out);
  }
  [[nodiscard]] const std::vector<entry>& entries() const noexcept { return entries_; }

  friend bool operator==(const g_counter&, const g_counter&) = default;

  REPLICA_FIELDS(entries_);
  /// Sorted by replica, unique, counts > 0.
  [[nodiscard]] bool well_formed() const noexcept {
    return std::adjacent_find(entries_.begin(), entries_.end(), [](const entry& a, const entry& b) { return !(a.first < b.first); }) == entries_.end() &&
           std::none_of(entries_.begin(), entries_.end(), [](const entry& e) { return e.second == 0; });
  }

 private:
  /// Whether every replica with an entry in `o` has one here.
  [[nodiscard]] bool covers(const g_counter& o) const noexcept {
    if (o.entries_.size() > entries_.size()) return false;
    auto a = entries_.begin();
    for (const entry& e : o.entries_) {
      while (a != entries_.end() && a->first < e.first) ++a;
      if (a == entries_.end() || a->first != e.first) return false;
    }
    return true;
  }
  /// Where replica `r`'s entry is or would go: O(1) when members are numbered densely from 0
  /// (entry i is replica i), else a binary search.
  [[nodiscard]] std::vector<entry>::iterator find(replica_id r) noexcept {
    if (r.value() < entries_.size() && entries_[r.value()].first == r) return entries_.begin() + r.value();
    return std::lower_bound(entries_.begin(), entries_.end(), r, [](const entry& e, replica_id x) { return e.first < x; });
  }
  [[nodiscard]] std::vector<entry>::const_iterator find(replica_id r) const noexcept {
    if (r.value() < entries_.size() && entries_[r.value()].first == r) return entries_.begin() + r.value();
    return std::lower_bound(entries_.begin(), entries_.end(), r, [](const entry& e, replica_id x) { return e.first < x; });
  }

  std::vector<entry> entries_;  ///< sorted by replica, counts > 0
};

}  // namespace replica
