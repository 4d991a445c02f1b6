#pragma once
/// \file
/// Leaderless (Dynamo-style) replication: a write goes to the N replicas of a key and is
/// acknowledged by W of them; a read asks R and resolves what comes back. W + R > N makes the
/// read and write sets overlap. Cassandra, Riak, Dynamo.
///
/// Parameters, in any order, each optional: `n<N>` (default 3), `w<W>` (default 2), `r<R>`
/// (default 2), `strict_quorum` (default) or `sloppy_quorum`, `async_read_repair` (default) or
/// `blocking_read_repair`.

#include <replica/core/policy.hpp>
#include <replica/reads/eventual_reads.hpp>

#include <cstddef>
#include <type_traits>

namespace replica {

/// Replication factor: how many replicas hold each key.
template <std::size_t N>
struct n {
  static constexpr std::size_t value = N;
};
/// Write quorum: acknowledgements a write waits for.
template <std::size_t W>
struct w {
  static constexpr std::size_t value = W;
};
/// Read quorum: replies a read waits for.
template <std::size_t R>
struct r {
  static constexpr std::size_t value = R;
};
/// Only the key's home replicas count towards W and R; a write that cannot reach W of them fails.
struct strict_quorum {
  static constexpr bool sloppy = false;
};
/// Fallback replicas past the preference list may accept writes and count towards W, handing
/// them to the home replicas later (hinted handoff). More available, weaker guarantee.
struct sloppy_quorum {
  static constexpr bool sloppy = true;
};

/// Read repair after the read has answered: the reply does not wait for the stale replicas to
/// be brought up to date (Cassandra's read_repair_chance, Riak). Cheaper; a later quorum read
/// can still see an older value than an earlier one while a write is incomplete.
struct async_read_repair {
  static constexpr bool blocking = false;
};
/// Read repair before the read answers: the replicas of the read quorum that answered with
/// less are written the resolved versions, and the reply waits for their acknowledgements
/// (Cassandra's blocking read repair). Quorum reads become monotonic: once a read returned a
/// value, every later quorum read sees it or something newer.
struct blocking_read_repair {
  static constexpr bool blocking = true;
};

namespace detail {
template <class P, template <std::size_t> class T>
struct is_param : std::false_type {};
template <std::size_t V, template <std::size_t> class T>
struct is_param<T<V>, T> : std::true_type {};

/// The value of the first parameter `T<V>` among `Ps`, or `Default`.
template <template <std::size_t> class T, std::size_t Default>
constexpr std::size_t param_value() {
  return Default;
}
template <template <std::size_t> class T, std::size_t Default, class P, class... Ps>
constexpr std::size_t param_value() {
  if constexpr (is_param<P, T>::value)
    return P::value;
  else
    return param_value<T, Default, Ps...>();
}
template <template <std::size_t> class T, class... Ps>
inline constexpr std::size_t param_count = (std::size_t{0} + ... + std::size_t{is_param<Ps, T>::value});

template <class P>
inline constexpr bool is_quorum_kind = std::is_same_v<P, strict_quorum> || std::is_same_v<P, sloppy_quorum>;
template <class P>
inline constexpr bool is_repair_kind = std::is_same_v<P, async_read_repair> || std::is_same_v<P, blocking_read_repair>;
}  // namespace detail

/// Leaderless replication with replication factor N, write quorum W, read quorum R: the
/// canonical type every spelling of `leaderless<...>` names.
template <std::size_t N, std::size_t W, std::size_t R, bool Sloppy, bool BlockingRepair = false>
struct basic_leaderless {
  using family = topology_tag;
  static constexpr std::string_view name = "leaderless";
  static constexpr std::size_t replication_factor = N;
  static constexpr std::size_t write_quorum = W;
  static constexpr std::size_t read_quorum = R;
  static constexpr bool sloppy = Sloppy;
  static constexpr bool blocking_read_repair = BlockingRepair;
  /// Read and write sets must intersect in at least one replica.
  static constexpr bool quorums_overlap = W + R > N;

  static constexpr bool accepts_concurrent_writes = true;
  static constexpr bool uses_commit_mode = false;         // W is the commit rule
  static constexpr bool has_single_leader = false;
  static constexpr bool can_promise_strong_reads = true;  // when W + R > N (checked)
  using default_reads = eventual_reads;
};

namespace detail {
template <class... Params>
struct leaderless_of {
  static_assert(((is_param<Params, n>::value || is_param<Params, w>::value || is_param<Params, r>::value ||
                  is_quorum_kind<Params> || is_repair_kind<Params>) && ...),
                "replica::leaderless: parameters are n<N>, w<W>, r<R>, strict_quorum or sloppy_quorum, "
                "async_read_repair or blocking_read_repair");
  static_assert(param_count<n, Params...> <= 1 && param_count<w, Params...> <= 1 && param_count<r, Params...> <= 1 &&
                    (std::size_t{0} + ... + std::size_t{is_quorum_kind<Params>}) <= 1 &&
                    (std::size_t{0} + ... + std::size_t{is_repair_kind<Params>}) <= 1,
                "replica::leaderless: each of n, w, r, the quorum kind and the read repair kind may be given once");
  using type = basic_leaderless<param_value<n, 3, Params...>(), param_value<w, 2, Params...>(),
                                param_value<r, 2, Params...>(), (false || ... || std::is_same_v<Params, sloppy_quorum>),
                                (false || ... || std::is_same_v<Params, blocking_read_repair>)>;
};
}  // namespace detail

/// Leaderless replication; parameters in any order, each optional (defaults n<3>, w<2>, r<2>,
/// strict_quorum, async_read_repair). The same parameters in any order, or defaults spelled out, are one type.
template <class... Params>
using leaderless = typename detail::leaderless_of<Params...>::type;

}  // namespace replica
