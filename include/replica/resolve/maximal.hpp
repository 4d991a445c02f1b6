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
/// In place, O(R^2) comparisons (R is a handful), no allocation.

#include <replica/versioning/causal_order.hpp>

#include <functional>
#include <iterator>
#include <utility>

namespace replica {

/// Moves the maximal elements of [first, last) (by the version `proj` gives) to the front,
/// keeping their order, and returns how many there are.
template <class It, class Proj = std::identity>
std::size_t keep_maximal(It first, It last, Proj proj = {}) {
  It out = first;
  for (It i = first; i != last; ++i) {
    const auto& vi = std::invoke(proj, *i);
    bool dominated = false;
    // Superseded by (or equal to) one already kept?
    for (It k = first; k != out && !dominated; ++k) {
      const causal_order o = std::invoke(proj, *k).compare(vi);
      dominated = o == causal_order::after || o == causal_order::equal;
    }
    // Superseded by one not yet looked at?
    for (It j = std::next(i); j != last && !dominated; ++j) dominated = std::invoke(proj, *j).compare(vi) == causal_order::after;
    if (dominated) continue;
    // Kept: nothing after it supersedes it, and nothing kept before it does either, so it
    // never has to be dropped later.
    if (out != i) *out = std::move(*i);
    ++out;
  }
  return static_cast<std::size_t>(std::distance(first, out));
}

}  // namespace replica
