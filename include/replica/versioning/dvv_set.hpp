#pragma once
/// \file
/// A DVV set (Almeida, Baquero et al.; Riak's `dvvset`): a compact dotted-version-vector
/// encoding of a set of concurrent sibling values together with their causal context. For each
/// replica it keeps (replica, n, values): the context covers that replica's events 1..n, and the
/// values are those of its newest events n, n-1, ... that no later write has overwritten. One
/// counter per replica plus the live siblings, whatever the number of writes.
///
/// `update(context, value, replica)` is a write: it removes exactly the siblings the client had
/// seen (the context) and adds the new value with a fresh dot. `merge` is Riak's `sync`.

#include <replica/core/fields.hpp>
#include <replica/versioning/version_vector.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace replica {

/// A DVV set of siblings of type `Value`.
template <class Value = std::string>
class basic_dvv_set {
 public:
  using family = versioning_tag;
  using value_type = Value;
  static constexpr bool totally_ordered = false;
  static constexpr bool causal_advance = true;
  static constexpr std::string_view name = "dvv_set";
  template <class Other>
  using rebind = basic_dvv_set<Other>;

  /// One replica's column: its events 1..n are known, `values` are those of n, n-1, ...
  struct entry {
    replica_id id;
    std::uint64_t n = 0;
    std::vector<Value> values;  // Invariant: values.size() <= n; newest first.
    REPLICA_FIELDS(id, n, values);
    friend bool operator==(const entry&, const entry&) = default;
  };

  basic_dvv_set() = default;

  /// A write of `v` at replica `r` by a client that had read `context` (`join()` of what it
  /// read; empty for a blind write). Siblings covered by `context` are removed.
  void update(const version_vector<>& context, Value v, replica_id r) {
    discard(context);
    entry& e = column(r);
    e.n = std::max(e.n, context.counter(r)) + 1;
    e.values.insert(e.values.begin(), std::move(v));
  }
  /// The causal context: the client passes it back with its next write.
  [[nodiscard]] version_vector<> join() const {
    version_vector<> vv;
    for (const entry& e : entries_) vv.raise(e.id, e.n);
    return vv;
  }
  /// All live siblings (concurrent values), in a deterministic order.
  [[nodiscard]] std::vector<Value> values() const {
    std::vector<Value> out;
    for (const entry& e : entries_) out.insert(out.end(), e.values.begin(), e.values.end());
    return out;
  }
  /// Number of live siblings.
  [[nodiscard]] std::size_t sibling_count() const noexcept {
    std::size_t k = 0;
    for (const entry& e : entries_) k += e.values.size();
    return k;
  }
  [[nodiscard]] const std::vector<entry>& entries() const noexcept { return entries_; }

  /// Compares causal contexts (the columns' counters), walking both sorted column lists.
  [[nodiscard]] causal_order compare(const basic_dvv_set& o) const noexcept {
    detail::order_accumulator acc;
    auto a = entries_.begin(), ae = entries_.end();
    auto b = o.entries_.begin(), be = o.entries_.end();
    while ((a != ae || b != be) && !(acc.less && acc.greater)) {
      if (b == be || (a != ae && a->id < b->id)) {
        acc.see(a->n, std::uint64_t{0});
        ++a;
      } else if (a == ae || b->id < a->id) {
        acc.see(std::uint64_t{0}, b->n);
        ++b;
      } else {
        acc.see(a->n, b->n);
        ++a, ++b;
      }
    }
    return acc.result();
  }
  /// Riak's `sync`: a sibling survives unless the other side's context has overwritten it.
  void merge(const basic_dvv_set& o) {
    for (const entry& theirs : o.entries_) {
      entry& mine = column(theirs.id);
      const std::uint64_t my_obsolete = mine.n - mine.values.size();      // dots <= this are gone
      const std::uint64_t their_obsolete = theirs.n - theirs.values.size();
      if (theirs.n > mine.n) {
        // Their column is newer: keep their values above my obsolete bound.
        std::vector<Value> vs = theirs.values;
        if (their_obsolete < my_obsolete) vs.resize(theirs.n - my_obsolete);
        mine.values = std::move(vs);
        mine.n = theirs.n;
      } else if (my_obsolete < their_obsolete) {
        // Mine is at least as new, but they know more of my values are overwritten.
        mine.values.resize(mine.n - std::min(mine.n, their_obsolete));
      }
    }
  }
  /// A new event at `r` that has seen every sibling: a delete carrying the full context. Use
  /// `update` to write a value.
  status advance(replica_id r, local_time /*now*/ = {}) {
    const version_vector<> ctx = join();
    discard(ctx);
    entry& e = column(r);
    if (e.n == UINT64_MAX) return error{errc::out_of_range, "counter exhausted"};
    ++e.n;
    return {};
  }

  friend bool operator==(const basic_dvv_set&, const basic_dvv_set&) = default;

  REPLICA_FIELDS(entries_);
  /// Columns sorted by id and unique; no column holds more values than its events.
  [[nodiscard]] bool well_formed() const noexcept {
    return std::adjacent_find(entries_.begin(), entries_.end(), [](const entry& a, const entry& b) { return !(a.id < b.id); }) == entries_.end() &&
           std::all_of(entries_.begin(), entries_.end(), [](const entry& e) { return e.values.size() <= e.n; });
  }

 private:
  /// Removes every value whose dot `context` covers, and raises the context into the columns.
  void discard(const version_vector<>& context) {
    for (entry& e : entries_) {
      const std::uint64_t seen = context.counter(e.id);
      if (seen >= e.n) {
        e.values.clear();
      } else if (seen > e.n - e.values.size()) {
        e.values.resize(e.n - seen);
      }
    }
    for (const auto& c : context.entries()) {
      entry& e = column(c.id);
      if (c.counter > e.n) {
        e.n = c.counter;
        e.values.clear();
      }
    }
  }
  /// The column of replica `r`, created empty if absent (kept sorted by id).
  entry& column(replica_id r) {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), r,
                               [](const entry& e, replica_id id) { return e.id < id; });
    if (it == entries_.end() || it->id != r) it = entries_.insert(it, entry{r, 0, {}});
    return *it;
  }

  std::vector<entry> entries_;  // Invariant: sorted by id, unique.
};

/// The DVV set of string values: the policy name used in compositions.
using dvv_set = basic_dvv_set<>;

}  // namespace replica
