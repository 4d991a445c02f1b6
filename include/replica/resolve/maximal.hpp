#pragma once
/// \file
/// The read side of leaderless replication: R replicas answer with versioned values, and the
/// coordinator keeps the **maximal** ones: every reply whose version no other reply's version
/// supersedes, one of each group of equal versions. With a totally ordered version type that
/// is the single newest; with version vectors or dotted version vectors it is the set of
/// concurrent siblings (what `keep_siblings` returns to the application, and what read repair
/// writes back to stale replicas).
///
///   std::array<reply, 3> rs = ...;
///   std::size_t k = replica::keep_maximal(rs.begin(), rs.end(), &reply::version);
///   // rs[0..k) are the maximal replies, in their original relative order
///
///   std::array<std::size_t, 3> at;
///   std::size_t m = replica::maximal_positions(rs.begin(), rs.end(), at.begin(), &reply::version);
///   // rs unchanged; rs[at[0]], ..., rs[at[m - 1]] are the maximal ones, in order
///
/// At most R(R-1)/2 comparisons (R is a handful), no allocation; the kept replies keep their
/// relative order. `keep_maximal` moves them to the front; `maximal_positions` leaves the
/// replies where they are and names them (for replies one would rather not copy or move,
/// such as dotted version vectors read from several replicas).

#include <replica/versioning/causal_order.hpp>

#include <functional>
#include <iterator>
#include <algorithm>
#include <utility>

namespace replica {

/// Moves the maximal elements of [first, last) (by the version `proj` gives) to the front,
/// keeping their order, and returns how many there are.
template <class It, class Proj = std::identity>
std::size_t keep_maximal(It first, It last, Proj proj = {}) {
  // One pass; the kept prefix [first, out) is always pairwise concurrent. Each new reply is
  // compared once with each kept one: dropped if one is at or above it, and it drops the kept
  // ones it supersedes. Every pair is compared at most once.
  It out = first;
  for (It i = first; i != last; ++i) {
    const auto& vi = std::invoke(proj, *i);
    bool dominated = false;
    for (It k = first; k != out;) {
      const causal_order o = std::invoke(proj, *k).compare(vi);
      if (o == causal_order::concurrent) {
        ++k;
      } else if (o == causal_order::before) {  // the new one supersedes this kept one: close the gap
        for (It m = std::next(k); m != out; ++m) *std::prev(m) = std::move(*m);  // (a few elements: no memmove call)
        --out;
      } else {  // a kept one is at or above it
        dominated = true;
        break;
      }
    }
    if (dominated) continue;
    if (out != i) *out = std::move(*i);
    ++out;
  }
  return static_cast<std::size_t>(std::distance(first, out));
}

/// The positions in [first, last) of its maximal elements (the ones keep_maximal keeps), in
/// increasing order, written to `out` (room for last - first); returns how many. The range is
/// not changed. The same selection as keep_maximal, over positions instead of the elements.
/// (Random-access iterators; always inlined, so that a caller with a fixed R gets its loops
/// unrolled as a hand-written selection would: at R = 3, 1.28x the hand-written loop called,
/// about 1.0x inlined; docs/benchmarks.md. Written out rather than as keep_maximal over an
/// array of positions 0..n-1: filling that array and moving its entries cost 4% to 6% more
/// instructions than the hand-written selection, this loop 1% or less.)
template <class It, class Out, class Proj = std::identity>
[[gnu::always_inline]] inline std::size_t maximal_positions(It first, It last, Out out, Proj proj = {}) {
  const auto n = static_cast<std::size_t>(last - first);
  std::size_t kept = 0;
  for (std::size_t pos = 0; pos < n; ++pos) {
    const auto& vi = std::invoke(proj, first[static_cast<std::ptrdiff_t>(pos)]);
    bool dominated = false;
    for (std::size_t k = 0; k < kept;) {
      const causal_order o = std::invoke(proj, first[static_cast<std::ptrdiff_t>(out[k])]).compare(vi);
      if (o == causal_order::after || o == causal_order::equal) {  // a kept one is at or above it
        dominated = true;
        break;
      }
      if (o == causal_order::before) {  // the new one supersedes this kept one
        for (std::size_t m = k + 1; m < kept; ++m) out[m - 1] = out[m];
        --kept;
        continue;
      }
      ++k;
    }
    if (!dominated) out[kept++] = pos;
  }
  return kept;
}

}  // namespace replica
