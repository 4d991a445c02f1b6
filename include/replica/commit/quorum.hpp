#pragma once
/// \file
/// Quorum arithmetic, the hot path of every commit mode (etcd/raft's `quorum/`): given how far
/// each replica has acknowledged the log, which position is committed? Pure functions on plain
/// arrays; `tests/commit/quorum.cpp` checks them against a naive sort-and-pick on random inputs.

#include <replica/core/ids.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace replica {

/// What the leader knows of each replica, indexed by replica id. The commit modes read it; none
/// of them needs anything else, so the leader's protocol code never branches on the mode.
struct replication_view {
  /// Highest log position each replica has acknowledged at the ack point (the leader's entry:
  /// what it has itself persisted).
  std::span<const std::uint64_t> match;
  /// The leader's replica id.
  replica_id leader{};
  /// Whether each replica is in the in-sync set (caught up within the maximum lag); the leader
  /// always is.
  std::span<const bool> in_sync{};
  /// Whether each replica is connected (heard from recently). Priority order is replica id order.
  std::span<const bool> connected{};
};

/// Whether commit mode `C` reads `replication_view::in_sync` (`connected`). A mode declares
/// `static constexpr bool reads_in_sync = false;` (`reads_connected = false;`) when it does not:
/// the leader then hands it an empty span there and skips working the set out, once per
/// acknowledgement. Undeclared (a user's own mode, say): both are read, and both are given.
template <class C>
inline constexpr bool commit_reads_in_sync = !requires { requires !C::reads_in_sync; };
template <class C>
inline constexpr bool commit_reads_connected = !requires { requires !C::reads_connected; };

/// How many of `n` replicas make a majority (n/2 + 1): any two majorities share a replica.
constexpr std::size_t majority_of(std::size_t n) noexcept { return n / 2 + 1; }
/// Whether `yes` replicas of `n` are a majority.
constexpr bool is_majority(std::size_t yes, std::size_t n) noexcept { return yes >= majority_of(n); }

namespace detail {

/// The k-th largest (k >= 1) of `xs`, by counting: x is the answer iff at least k values are
/// >= x and it is the largest such. Branch-free and allocation-free; O(n^2) comparisons, which
/// for n <= 16 beats sorting (benchmarks/quorum.cpp).
inline std::uint64_t kth_largest(std::span<const std::uint64_t> xs, std::size_t k) noexcept {
  std::uint64_t best = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    std::size_t at_least = 0;
    for (std::size_t j = 0; j < xs.size(); ++j) at_least += xs[j] >= xs[i];
    const std::uint64_t candidate = at_least >= k ? xs[i] : 0;
    best = candidate > best ? candidate : best;
  }
  return best;
}

/// Sorts a pair so that a <= b, branch-free (compiles to conditional moves).
inline void order_pair(std::uint64_t& a, std::uint64_t& b) noexcept {
  const std::uint64_t lo = a < b ? a : b;
  const std::uint64_t hi = a < b ? b : a;
  a = lo;
  b = hi;
}

/// The median of an odd number (3, 5, 7, 9) of values by a minimal selection network; these
/// are the majority sizes that matter, and the network is several times faster than counting.
template <std::size_t N>
inline std::uint64_t median_network(std::span<const std::uint64_t> xs) noexcept {
  std::uint64_t p[N];
  for (std::size_t i = 0; i < N; ++i) p[i] = xs[i];
  auto s = [&p](std::size_t a, std::size_t b) { order_pair(p[a], p[b]); };
  if constexpr (N == 3) {
    s(0, 1), s(1, 2), s(0, 1);
  } else if constexpr (N == 5) {
    s(0, 1), s(3, 4), s(0, 3), s(1, 4), s(1, 2), s(2, 3), s(1, 2);
  } else if constexpr (N == 7) {
    s(0, 5), s(0, 3), s(1, 6), s(2, 4), s(0, 1), s(3, 5), s(2, 6), s(2, 3), s(3, 6), s(4, 5), s(1, 4), s(1, 3), s(3, 4);
  } else if constexpr (N == 9) {
    s(1, 2), s(4, 5), s(7, 8), s(0, 1), s(3, 4), s(6, 7), s(1, 2), s(4, 5), s(7, 8), s(0, 3), s(5, 8), s(4, 7),
        s(3, 6), s(1, 4), s(2, 5), s(4, 7), s(4, 2), s(6, 4), s(4, 2);
  }
  return p[N / 2];
}

/// The position a majority of `xs` holds: the (n/2 + 1)-th largest.
inline std::uint64_t majority_point(std::span<const std::uint64_t> xs) noexcept {
  switch (xs.size()) {
    case 1: return xs[0];
    case 3: return median_network<3>(xs);
    case 5: return median_network<5>(xs);
    case 7: return median_network<7>(xs);
    case 9: return median_network<9>(xs);
    default: return kth_largest(xs, majority_of(xs.size()));
  }
}

/// The k-th largest match among replicas other than the leader, or nullopt if there are fewer
/// than k of them.
inline std::optional<std::uint64_t> kth_largest_follower(const replication_view& v, std::size_t k) noexcept {
  const std::size_t n = v.match.size();
  const std::size_t leader = v.leader.value();
  if (k == 0 || n < k + 1) return std::nullopt;
  std::uint64_t best = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t at_least = 0;
    for (std::size_t j = 0; j < n; ++j) at_least += (j != leader) & (v.match[j] >= v.match[i]);
    const std::uint64_t candidate = ((i != leader) & (at_least >= k)) ? v.match[i] : 0;
    best = candidate > best ? candidate : best;
  }
  return best;
}

}  // namespace detail
}  // namespace replica
