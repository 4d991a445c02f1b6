#pragma once
/// \file
/// The dot kernel shared by the observed-remove CRDTs (OR-Set, MV-Register): a map from dots to
/// values plus the causal context of every dot ever seen. An entry whose dot the other side has
/// seen but no longer holds was removed there, so the join drops it; an entry the other side has
/// never seen survives. Adding mints a new dot; removing forgets dots but keeps them in the
/// context. Both return the delta: the entries added and the context of what changed.

#include <replica/core/fields.hpp>
#include <replica/crdt/dot_context.hpp>

#include <algorithm>
#include <utility>
#include <vector>

namespace replica {

/// Values tagged with the dots that created them, and the context of every dot seen.
template <class T>
class dot_kernel {
 public:
  using entry = std::pair<dot, T>;

  [[nodiscard]] const std::vector<entry>& entries() const noexcept { return entries_; }
  [[nodiscard]] const dot_context& context() const noexcept { return context_; }

  /// Adds `v` under a new dot of `self`; returns the delta.
  dot_kernel add(replica_id self, T v) {
    const dot d = context_.next(self);
    dot_kernel delta;
    delta.entries_.emplace_back(d, v);
    delta.context_.insert(d);
    entries_.emplace_back(d, std::move(v));  // a new dot is the largest of `self`: keeps the order
    std::inplace_merge(entries_.begin(), entries_.end() - 1, entries_.end(), by_dot);
    context_.insert(d);
    return delta;
  }
  /// Removes every entry (dot, value) that satisfies `pred`; returns the delta (their dots,
  /// no entries).
  template <class Pred>
  dot_kernel remove_if(Pred pred) {
    dot_kernel delta;
    std::erase_if(entries_, [&](const entry& e) {
      if (!pred(e)) return false;
      delta.context_.insert(e.first);
      return true;
    });
    return delta;
  }
  /// Join: keep entries both hold, and those the other side has not seen; join the contexts.
  /// (Every entry's dot is in its kernel's context: the invariant the join relies on.)
  void merge(const dot_kernel& o) {
    if (o.entries_.size() <= 4) return merge_small(o);  // a delta: in place, no new vector
    merge_sorted(o);
  }
  friend bool operator==(const dot_kernel&, const dot_kernel&) = default;

  REPLICA_FIELDS(entries_, context_);
  /// Entries sorted by dot, unique, each dot in the context.
  [[nodiscard]] bool well_formed() const noexcept {
    return std::adjacent_find(entries_.begin(), entries_.end(), [](const entry& a, const entry& b) { return !by_dot(a, b); }) == entries_.end() &&
           std::all_of(entries_.begin(), entries_.end(), [&](const entry& e) { return context_.contains(e.first); });
  }

 private:
  /// In place, for a few incoming entries: drop what `o` has seen removed, add what is new here.
  void merge_small(const dot_kernel& o) {
    auto in_o = [&](const dot& d) {
      return std::any_of(o.entries_.begin(), o.entries_.end(), [&](const entry& x) { return x.first == d; });
    };
    if (o.context_.size() <= 16) {
      // A delta's context names a few dots: look each up (entries are sorted by dot).
      o.context_.for_each([&](const dot& d) {
        if (in_o(d)) return;
        auto it = std::lower_bound(entries_.begin(), entries_.end(), d, [](const entry& e, const dot& x) { return dot_less(e.first, x); });
        if (it != entries_.end() && it->first == d) entries_.erase(it);
      });
    } else {
      std::erase_if(entries_, [&](const entry& e) {
        return o.context_.contains(e.first) && !in_o(e.first);
      });
    }
    for (const entry& x : o.entries_) {
      if (context_.contains(x.first)) continue;  // seen here: present already, or removed since
      entries_.insert(std::upper_bound(entries_.begin(), entries_.end(), x, by_dot), x);
    }
    context_.merge(o.context_);
  }
  /// One pass over both sorted entry lists.
  void merge_sorted(const dot_kernel& o) {
    std::vector<entry> out;
    out.reserve(entries_.size() + o.entries_.size());
    auto a = entries_.begin();
    auto b = o.entries_.begin();
    while (a != entries_.end() || b != o.entries_.end()) {
      if (b == o.entries_.end() || (a != entries_.end() && dot_less(a->first, b->first))) {
        if (!o.context_.contains(a->first)) out.push_back(std::move(*a));
        ++a;
      } else if (a == entries_.end() || dot_less(b->first, a->first)) {
        if (!context_.contains(b->first)) out.push_back(*b);
        ++b;
      } else {  // the same dot: the same value
        out.push_back(std::move(*a));
        ++a;
        ++b;
      }
    }
    entries_ = std::move(out);
    context_.merge(o.context_);
  }
  static bool dot_less(const dot& x, const dot& y) noexcept { return x < y; }
  static bool by_dot(const entry& x, const entry& y) noexcept { return dot_less(x.first, y.first); }

  std::vector<entry> entries_;  ///< sorted by dot
  dot_context context_;
};

}  // namespace replica
