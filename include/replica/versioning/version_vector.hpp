#pragma once
/// \file
/// Version vectors: one counter per replica. `a` happened before `b` iff every counter of `a`
/// is <= `b`'s and one is smaller; otherwise, if both have a larger counter somewhere, they are
/// concurrent, which is how leaderless and multi-leader replicas detect conflicts.
///
/// `version_vector<N>` holds exactly N counters in a fixed array (no allocation; replica ids
/// 0..N-1, an id outside is an `unknown_replica` error). `version_vector<>` (dynamic extent)
/// holds a sorted list of (replica, counter) for the replicas that wrote, as Riak does.

#include <replica/core/fields.hpp>
#include <replica/core/extent.hpp>
#include <replica/versioning/causal_order.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace replica {

template <std::size_t N = dynamic_extent>
class version_vector;

/// A version vector for a cluster of exactly N replicas.
template <std::size_t N>
class version_vector {
  static_assert(N > 0 && N != dynamic_extent, "replica::version_vector: N must be at least 1");

 public:
  using family = versioning_tag;
  static constexpr bool totally_ordered = false;
  static constexpr bool causal_advance = true;
  static constexpr std::string_view name = "version_vector<N>";
  static constexpr std::size_t extent = N;

  constexpr version_vector() noexcept = default;
  constexpr explicit version_vector(const std::array<std::uint64_t, N>& counters) noexcept
      : counters_{counters} {}

  [[nodiscard]] static constexpr std::size_t size() noexcept { return N; }
  /// The counter of replica `r`, or `unknown_replica` if `r` is not in 0..N-1.
  [[nodiscard]] constexpr result<std::uint64_t> counter(replica_id r) const noexcept {
    if (r.value() >= N) return error{errc::unknown_replica, "replica id outside version_vector<N>"};
    return counters_[r.value()];
  }
  [[nodiscard]] constexpr const std::array<std::uint64_t, N>& counters() const noexcept { return counters_; }

  [[nodiscard]] constexpr causal_order compare(const version_vector& o) const noexcept {
    detail::order_accumulator acc;
    for (std::size_t i = 0; i < N; ++i) acc.see(counters_[i], o.counters_[i]);
    return acc.result();
  }
  constexpr void merge(const version_vector& o) noexcept {
    // Written as a select, not std::max (which returns a reference): GCC 12 vectorizes this form.
    for (std::size_t i = 0; i < N; ++i) {
      const std::uint64_t a = counters_[i], b = o.counters_[i];
      counters_[i] = a < b ? b : a;
    }
  }
  /// A new event at `r`. Unchanged, with `unknown_replica`, if `r` is not in 0..N-1.
  constexpr status advance(replica_id r, local_time /*now*/ = {}) noexcept {
    if (r.value() >= N) return error{errc::unknown_replica, "replica id outside version_vector<N>"};
    if (counters_[r.value()] == UINT64_MAX) return error{errc::out_of_range, "counter exhausted"};
    ++counters_[r.value()];
    return {};
  }

  /// Every counter below 2^63, where a correct replica's stay (versions::within_bounds).
  [[nodiscard]] constexpr bool within_bounds() const noexcept {
    return std::all_of(counters_.begin(), counters_.end(), [](std::uint64_t c) { return c < (std::uint64_t{1} << 63); });
  }

  friend constexpr bool operator==(const version_vector&, const version_vector&) noexcept = default;

  /// (The codec's description: core/fields.hpp.)
  REPLICA_FIELDS(counters_);

 private:
  std::array<std::uint64_t, N> counters_{};
};

/// A version vector over any replica ids, stored sparse and sorted (zero counters omitted, so
/// equal histories have equal representations).
template <>
class version_vector<dynamic_extent> {
 public:
  using family = versioning_tag;
  static constexpr bool totally_ordered = false;
  static constexpr bool causal_advance = true;
  static constexpr std::string_view name = "version_vector<>";
  static constexpr std::size_t extent = dynamic_extent;

  /// One replica's counter.
  struct entry {
    replica_id id;
    std::uint64_t counter;
    REPLICA_FIELDS(id, counter);
    friend constexpr bool operator==(const entry&, const entry&) noexcept = default;
  };

  version_vector() = default;
  /// From (replica, counter) pairs in any order; zero counters are dropped, repeats keep the max.
  version_vector(std::initializer_list<entry> es) {
    for (const entry& e : es) raise(e.id, e.counter);
  }

  /// Number of replicas with a non-zero counter.
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] const std::vector<entry>& entries() const noexcept { return entries_; }
  /// The counter of replica `r` (0 if it never wrote).
  [[nodiscard]] std::uint64_t counter(replica_id r) const noexcept {
    auto it = find(r);
    return it != entries_.end() && it->id == r ? it->counter : 0;
  }

  [[nodiscard]] causal_order compare(const version_vector& o) const noexcept {
    detail::order_accumulator acc;
    auto a = entries_.begin(), ae = entries_.end();
    auto b = o.entries_.begin(), be = o.entries_.end();
    while (a != ae || b != be) {
      if (b == be || (a != ae && a->id < b->id)) {
        acc.see(a->counter, std::uint64_t{0});
        ++a;
      } else if (a == ae || b->id < a->id) {
        acc.see(std::uint64_t{0}, b->counter);
        ++b;
      } else {
        acc.see(a->counter, b->counter);
        ++a, ++b;
      }
      if (acc.less && acc.greater) break;
    }
    return acc.result();
  }
  void merge(const version_vector& o) {
    // Common case first: o adds no replica we lack, so merge in place without allocating.
    auto a = entries_.begin();
    bool in_place = true;
    for (const entry& e : o.entries_) {
      while (a != entries_.end() && a->id < e.id) ++a;
      if (a == entries_.end() || a->id != e.id) {
        in_place = false;
        break;
      }
      a->counter = std::max(a->counter, e.counter);
    }
    if (in_place) return;
    std::vector<entry> out;
    out.reserve(entries_.size() + o.entries_.size());
    std::size_t i = 0, j = 0;
    while (i < entries_.size() || j < o.entries_.size()) {
      if (j == o.entries_.size() || (i < entries_.size() && entries_[i].id < o.entries_[j].id)) {
        out.push_back(entries_[i++]);
      } else if (i == entries_.size() || o.entries_[j].id < entries_[i].id) {
        out.push_back(o.entries_[j++]);
      } else {
        out.push_back({entries_[i].id, std::max(entries_[i].counter, o.entries_[j].counter)});
        ++i, ++j;
      }
    }
    entries_ = std::move(out);
  }
  /// A new event at `r` (any id is valid in a dynamic vector).
  status advance(replica_id r, local_time /*now*/ = {}) {
    auto it = find(r);
    if (it != entries_.end() && it->id == r) {
      if (it->counter == UINT64_MAX) return error{errc::out_of_range, "counter exhausted"};
      ++it->counter;
    } else {
      entries_.insert(it, entry{r, 1});
    }
    return {};
  }
  /// Raises `r`'s counter to at least `c`.
  void raise(replica_id r, std::uint64_t c) {
    if (c == 0) return;
    auto it = find(r);
    if (it != entries_.end() && it->id == r) {
      it->counter = std::max(it->counter, c);
    } else {
      entries_.insert(it, entry{r, c});
    }
  }

  friend bool operator==(const version_vector&, const version_vector&) = default;
  /// Every counter below 2^63, where a correct replica's stay (versions::within_bounds).
  [[nodiscard]] bool within_bounds() const noexcept {
    return std::all_of(entries_.begin(), entries_.end(), [](const entry& e) { return e.counter < (std::uint64_t{1} << 63); });
  }

  REPLICA_FIELDS(entries_);
  /// Sorted by id, unique ids, counters > 0 (what decoding checks).
  [[nodiscard]] bool well_formed() const noexcept {
    return std::none_of(entries_.begin(), entries_.end(), [](const entry& e) { return e.counter == 0; }) &&
           std::adjacent_find(entries_.begin(), entries_.end(), [](const entry& a, const entry& b) { return !(a.id < b.id); }) == entries_.end();
  }

 private:
  [[nodiscard]] std::vector<entry>::iterator find(replica_id r) noexcept {
    return std::lower_bound(entries_.begin(), entries_.end(), r,
                            [](const entry& e, replica_id id) { return e.id < id; });
  }
  [[nodiscard]] std::vector<entry>::const_iterator find(replica_id r) const noexcept {
    return std::lower_bound(entries_.begin(), entries_.end(), r,
                            [](const entry& e, replica_id id) { return e.id < id; });
  }

  std::vector<entry> entries_;  // Invariant: sorted by id, unique ids, counters > 0.
};

}  // namespace replica
