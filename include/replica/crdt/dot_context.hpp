#pragma once
/// \file
/// A causal context: the set of dots (events) a replica has seen, kept as a compact version
/// vector (every dot up to a counter) plus a *dot cloud* of the dots seen beyond a gap. Deltas
/// carry a context with just the dots they add or remove; joining contexts and compacting keeps
/// the representation canonical, so equal sets compare equal.

#include <replica/core/fields.hpp>
#include <replica/core/ids.hpp>
#include <replica/versioning/dot.hpp>
#include <replica/versioning/version_vector.hpp>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <vector>

namespace replica {

/// The dots a replica has seen: a version vector and the dots beyond it.
class dot_context {
 public:
  [[nodiscard]] bool contains(const dot& d) const noexcept {
    return d.counter <= compact_.counter(d.id) || std::binary_search(cloud_.begin(), cloud_.end(), d);
  }
  /// The next dot of replica `r` (the replica's own dots are contiguous in its own context).
  [[nodiscard]] dot next(replica_id r) const noexcept { return dot{r, compact_.counter(r) + 1}; }
  /// Record one dot.
  void insert(const dot& d) {
    if (contains(d)) return;
    cloud_.insert(std::lower_bound(cloud_.begin(), cloud_.end(), d), d);
    compact();
  }
  /// Join with another context: the version vectors' join, then the clouds' sorted union,
  /// compacted. (The union is built, then compacted in place: range-v3's lazy
  /// `views::set_union` feeding the compaction directly was 1.12-1.24x slower; benchmarks.md.)
  void merge(const dot_context& o) {
    compact_.merge(o.compact_);
    if (o.cloud_.empty()) return compact();
    std::vector<dot> out;
    out.reserve(cloud_.size() + o.cloud_.size());
    std::set_union(cloud_.begin(), cloud_.end(), o.cloud_.begin(), o.cloud_.end(), std::back_inserter(out));
    cloud_ = std::move(out);
    compact();
  }
  [[nodiscard]] const version_vector<>& compact_part() const noexcept { return compact_; }
  [[nodiscard]] const std::vector<dot>& cloud() const noexcept { return cloud_; }
  [[nodiscard]] bool empty() const noexcept { return compact_.size() == 0 && cloud_.empty(); }
  /// How many dots it holds.
  [[nodiscard]] std::uint64_t size() const noexcept {
    std::uint64_t n = cloud_.size();
    for (const auto& e : compact_.entries()) n += e.counter;
    return n;
  }
  /// Calls `f(dot)` for every dot it holds.
  template <class F>
  void for_each(F f) const {
    for (const auto& e : compact_.entries())
      for (std::uint64_t c = 1; c <= e.counter; ++c) f(dot{e.id, c});
    for (const dot& d : cloud_) f(d);
  }

  friend bool operator==(const dot_context&, const dot_context&) = default;

  REPLICA_FIELDS(compact_, cloud_);
  /// The cloud sorted, unique, and each dot beyond a gap in the compact part.
  [[nodiscard]] bool well_formed() const noexcept {
    return std::adjacent_find(cloud_.begin(), cloud_.end(), [](const dot& a, const dot& b) { return !(a < b); }) == cloud_.end() &&
           std::all_of(cloud_.begin(), cloud_.end(), [&](const dot& d) { return d.counter > compact_.counter(d.id) + 1; });
  }

 private:
  /// Moves dots that extend the version vector into it and drops those it covers, in place.
  void compact() {
    std::size_t out = 0;
    absorb(cloud_, [&](const dot& d) { cloud_[out++] = d; });  // (out never passes the dot read)
    cloud_.resize(out);
  }
  /// Walks `dots` (sorted by replica, then counter): a dot the version vector covers is
  /// dropped, one that extends it raises it, and `keep(d)` gets each beyond a gap. One counter
  /// lookup and at most one raise per replica, not per dot.
  template <class Dots, class Keep>
  void absorb(const Dots& dots, Keep keep) {
    bool in_run = false;
    replica_id run{};
    std::uint64_t have = 0, was = 0;
    for (const dot& d : dots) {
      if (!in_run || d.id != run) {
        if (in_run && have != was) compact_.raise(run, have);
        in_run = true;
        run = d.id;
        have = was = compact_.counter(run);
      }
      if (d.counter <= have) continue;
      if (d.counter == have + 1) {
        have = d.counter;
        continue;
      }
      keep(d);
    }
    if (in_run && have != was) compact_.raise(run, have);
  }

  version_vector<> compact_;
  std::vector<dot> cloud_;  ///< sorted, each beyond a gap in `compact_`
};

}  // namespace replica
