#pragma once
/// \file
/// Composition: `replica::replicator<Policies...>` finds each policy by its family (Boost.Hana),
/// fills in what is missing from documented defaults, validates the combination once, and
/// yields one canonical `basic_replicator<Topology, Commit, Resolver, Versioning, ClusterSize,
/// Reads, Extras...>`. The same policies in any order give the same type.
///
/// Defaults (docs/design.md): topology `leader_based`; commit `Topology::default_commit` if
/// the topology names one (multi_leader: `asynchronous`), else `majority`; resolver `no_resolver`;
/// version type `Resolver::default_versioning`; cluster size `dynamic_cluster_size`; reads
/// `Topology::default_reads`. Policies of families the library does not know (a user's storage
/// or codec family) are kept, ordered by their family's `rank`.
///
/// Every refusal is a `static_assert` starting `replica::replicator:` that states the rule and
/// the fix; docs/diagnostics.md lists them all.

#include <replica/cluster/cluster_size.hpp>
#include <replica/commit/default_commit.hpp>
#include <replica/commit/majority.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/policy.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>
#include <replica/reads/eventual_reads.hpp>
#include <replica/reads/strong_reads.hpp>
#include <replica/resolve/no_resolver.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/versioning/causal_order.hpp>

#include <boost/hana/append.hpp>
#include <boost/hana/at.hpp>
#include <boost/hana/bool.hpp>
#include <boost/hana/filter.hpp>
#include <boost/hana/front.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/sort.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <boost/hana/unpack.hpp>

#include <cstddef>
#include <tuple>
#include <type_traits>

namespace replica {

template <class Topology, class Commit, class Resolver, class Versioning, class ClusterSize, class Reads,
          class... Extras>
class basic_replicator;

namespace detail {
namespace hana = boost::hana;

template <class P>
struct family_of {
  using type = void;
};
template <policy P>
struct family_of<P> {
  using type = typename P::family;
};
template <class P>
using family_of_t = typename family_of<P>::type;

template <class Tag>
inline constexpr bool is_known_family =
    std::is_same_v<Tag, topology_tag> || std::is_same_v<Tag, commit_tag> || std::is_same_v<Tag, resolver_tag> ||
    std::is_same_v<Tag, versioning_tag> || std::is_same_v<Tag, cluster_size_tag> || std::is_same_v<Tag, reads_tag>;

/// The policies among `Ps` whose family is `Tag`, as a Hana tuple of types.
template <class Tag, class... Ps>
constexpr auto of_family() {
  return hana::filter(hana::tuple_t<Ps...>, [](auto t) {
    return hana::bool_c<std::is_same_v<family_of_t<typename decltype(t)::type>, Tag>>;
  });
}

template <class Tag, class... Ps>
inline constexpr std::size_t count_of_family = decltype(hana::length(of_family<Tag, Ps...>()))::value;

/// The policy of family `Tag` among `Ps`, or `Default`.
template <class Tag, class Default, class... Ps>
using find_or = typename decltype(+hana::front(hana::append(of_family<Tag, Ps...>(), hana::type_c<Default>)))::type;

/// Policies of families the library does not know, sorted by family rank.
template <class... Ps>
constexpr auto extras_sorted() {
  auto extras = hana::filter(hana::tuple_t<Ps...>, [](auto t) {
    using F = family_of_t<typename decltype(t)::type>;
    return hana::bool_c<!std::is_void_v<F> && !is_known_family<F>>;
  });
  return hana::sort(extras, [](auto a, auto b) {
    return hana::bool_c<(family_of_t<typename decltype(a)::type>::rank <
                         family_of_t<typename decltype(b)::type>::rank)>;
  });
}

// ---- the checks: one template each, so the compiler's note names what it checked; each is a
// std::bool_constant so that std::conjunction stops at the first failure (one error, no cascade).

template <class P>
struct check_is_policy : std::bool_constant<policy<P>> {
  static_assert(policy<P>,
                "replica::replicator: a template argument is not a replication policy (it has no member "
                "`family` naming a policy family). Pass a topology, commit mode, conflict resolver, version "
                "type, cluster size or read guarantee; for a policy of your own, declare "
                "`using family = replica::<family>_tag;` (docs/diagnostics.md#not-a-policy)");
};

template <class Tag, std::size_t Count>
struct check_one_per_family : std::bool_constant<Count <= 1> {
  static_assert(Count <= 1,
                "replica::replicator: two policies of one family were given (for example two commit modes "
                "or two version types); keep exactly one per family (docs/diagnostics.md#one-per-family)");
};

template <class Tag, class... Ps>
struct check_rank_unique
    : std::bool_constant<((std::is_same_v<family_of_t<Ps>, Tag> || family_of_t<Ps>::rank != Tag::rank) && ...)> {
  static_assert(((std::is_same_v<family_of_t<Ps>, Tag> || family_of_t<Ps>::rank != Tag::rank) && ...),
                "replica::replicator: two policy families share a rank; give your family tag a `rank` "
                "not used by another family (the built-in families use 0..6) (docs/diagnostics.md#family-rank)");
};

/// Whether a read policy serves leader reads under a lease (false for policies without `lease`).
template <class Reads>
struct lease_reads_of : std::false_type {};
template <class Reads>
  requires requires { Reads::lease; }
struct lease_reads_of<Reads> : std::bool_constant<Reads::lease> {};

template <class Topology, class Resolver>
struct check_resolver_present
    : std::bool_constant<!Topology::accepts_concurrent_writes || Resolver::resolves_conflicts> {
  static_assert(!Topology::accepts_concurrent_writes || Resolver::resolves_conflicts,
                "replica::replicator: this topology accepts concurrent writes (multi_leader, leaderless), so "
                "conflicts are inevitable; choose a resolver: last_write_wins, keep_siblings, merge_with<F> "
                "or crdt_merge (docs/diagnostics.md#resolver-required)");
};

template <class Versioning>
struct check_version_tracker : std::bool_constant<version_tracker<Versioning>> {
  static_assert(version_tracker<Versioning>,
                "replica::replicator: the version type does not model replica::version_tracker (members "
                "compare, merge, advance, totally_ordered, causal_advance); see docs/policies/versioning.md "
                "(docs/diagnostics.md#version-tracker)");
};

template <class Resolver, class Versioning>
struct check_total_order : std::bool_constant<!Resolver::needs_total_order || Versioning::totally_ordered> {
  static_assert(!Resolver::needs_total_order || Versioning::totally_ordered,
                "replica::replicator: last_write_wins needs a totally ordered version type, and this one can "
                "answer `concurrent`; use hybrid_logical_clock (or lamport_clock, physical_clock), or "
                "keep_siblings to keep concurrent writes (docs/diagnostics.md#lww-total-order)");
};

template <class Resolver, class Versioning>
struct check_concurrency_detection
    : std::bool_constant<!Resolver::needs_concurrency_detection || !Versioning::totally_ordered> {
  static_assert(!Resolver::needs_concurrency_detection || !Versioning::totally_ordered,
                "replica::replicator: keep_siblings and merge_with<F> need a version type that detects "
                "concurrency, and this one is totally ordered (it never answers `concurrent`, so siblings would "
                "be silently overwritten); use dotted_version_vector, version_vector<N> or dvv_set "
                "(docs/diagnostics.md#siblings-need-concurrency)");
};

/// The leaderless parameters of a topology (itself, or the inner topology of `sharded`).
template <class T>
struct quorum_params_of {
  using type = void;
};
template <class T>
  requires requires { T::replication_factor; }
struct quorum_params_of<T> {
  using type = T;
};
template <class T>
  requires requires { typename T::inner; }
struct quorum_params_of<T> : quorum_params_of<typename T::inner> {};

/// N, W, R of a leaderless topology (1, 1, 1 for the others, which have no quorum parameters).
template <class Topology>
struct quorum_numbers {
  using Q = typename quorum_params_of<Topology>::type;
  static constexpr bool leaderless = !std::is_void_v<Q>;
  static constexpr std::size_t N = [] { if constexpr (leaderless) return Q::replication_factor; else return std::size_t{1}; }();
  static constexpr std::size_t W = [] { if constexpr (leaderless) return Q::write_quorum; else return std::size_t{1}; }();
  static constexpr std::size_t R = [] { if constexpr (leaderless) return Q::read_quorum; else return std::size_t{1}; }();
};

template <class Topology>
struct check_quorum_range
    : std::bool_constant<quorum_numbers<Topology>::W <= quorum_numbers<Topology>::N &&
                         quorum_numbers<Topology>::R <= quorum_numbers<Topology>::N &&
                         quorum_numbers<Topology>::W >= 1 && quorum_numbers<Topology>::R >= 1> {
  using q = quorum_numbers<Topology>;
  static_assert(q::N >= 1 && q::W >= 1 && q::R >= 1,
                "replica::replicator: n<N>, w<W> and r<R> must each be at least 1 (docs/diagnostics.md#quorum-range)");
  static_assert(q::W <= q::N && q::R <= q::N,
                "replica::replicator: W and R cannot exceed N (a quorum larger than the replication factor can "
                "never be met); lower w<W> or r<R>, or raise n<N> (docs/diagnostics.md#quorum-range)");
};

template <class Topology, class ClusterSize>
struct check_replication_factor_fits
    : std::bool_constant<ClusterSize::extent == dynamic_extent || quorum_numbers<Topology>::N <= ClusterSize::extent> {
  static_assert(ClusterSize::extent == dynamic_extent || quorum_numbers<Topology>::N <= ClusterSize::extent,
                "replica::replicator: the replication factor n<N> exceeds cluster_size<M>; lower n<N> or raise "
                "cluster_size<M> (docs/diagnostics.md#quorum-range)");
};

template <class Topology, class Reads>
struct check_strong_reads_overlap
    : std::bool_constant<(!Reads::strong || !quorum_numbers<Topology>::leaderless ||
                          quorum_numbers<Topology>::W + quorum_numbers<Topology>::R > quorum_numbers<Topology>::N)> {
  static_assert(!Reads::strong || !quorum_numbers<Topology>::leaderless ||
                    quorum_numbers<Topology>::W + quorum_numbers<Topology>::R > quorum_numbers<Topology>::N,
                "replica::replicator: strong_reads needs overlapping read and write quorums, W + R > N; raise "
                "w<W> or r<R>, or use eventual_reads (docs/diagnostics.md#strong-reads-overlap)");
};

template <class Topology, class Reads>
struct check_strong_reads_possible : std::bool_constant<!Reads::strong || Topology::can_promise_strong_reads> {
  static_assert(!Reads::strong || Topology::can_promise_strong_reads,
                "replica::replicator: multi_leader propagates writes asynchronously between leaders, so it cannot "
                "promise strong_reads; use eventual_reads, or leader_based for strong reads "
                "(docs/diagnostics.md#strong-reads-multi-leader)");
};

template <class Topology, std::size_t ExplicitCommitModes>
struct check_commit_applies : std::bool_constant<Topology::uses_commit_mode || ExplicitCommitModes == 0> {
  static_assert(Topology::uses_commit_mode || ExplicitCommitModes == 0,
                "replica::replicator: leaderless replication commits by its write quorum w<W>, not by a commit "
                "mode; remove the commit mode and set w<W> (docs/diagnostics.md#commit-leaderless)");
};

template <class Commit, class ClusterSize>
struct check_commit_fits_cluster
    : std::bool_constant<ClusterSize::extent == dynamic_extent || Commit::required_replicas <= ClusterSize::extent> {
  static_assert(ClusterSize::extent == dynamic_extent || Commit::required_replicas <= ClusterSize::extent,
                "replica::replicator: this commit mode needs more replicas than the cluster has "
                "(semi_synchronous<K> and first<K> need K followers, synchronous_with<M> needs M in-sync "
                "replicas); lower K or M, or raise cluster_size<N> (docs/diagnostics.md#commit-too-few-replicas)");
};

template <class Topology, class Reads>
struct check_lease_needs_leader
    : std::bool_constant<!lease_reads_of<Reads>::value || Topology::has_single_leader> {
  static_assert(!lease_reads_of<Reads>::value || Topology::has_single_leader,
                "replica::replicator: lease_reads need a single leader holding the lease; use them with "
                "leader_based (or sharded<leader_based>), or strong_reads with overlapping quorums "
                "(docs/diagnostics.md#lease-needs-leader)");
};

template <class Topology, std::size_t ElectionPolicies>
struct check_election_needs_leader : std::bool_constant<ElectionPolicies == 0 || Topology::has_single_leader> {
  static_assert(ElectionPolicies == 0 || Topology::has_single_leader,
                "replica::replicator: an election policy (raft_election, controller_election) chooses the one "
                "leader of a leader_based topology; this topology has none, so remove it "
                "(docs/diagnostics.md#election-needs-leader)");
};

/// Stands in for the replicator once a check has failed, so one error is reported, not a cascade.
struct invalid_replicator {};

/// The defaulted policies of a list of (valid) policies.
template <class... Ps>
struct resolved {
  using topology = find_or<topology_tag, leader_based, Ps...>;
  using commit = find_or<commit_tag, typename default_commit_of<topology>::type, Ps...>;
  using resolver = find_or<resolver_tag, no_resolver, Ps...>;
  using versioning = find_or<versioning_tag, typename resolver::default_versioning, Ps...>;
  using cluster = find_or<cluster_size_tag, dynamic_cluster_size, Ps...>;
  using reads = find_or<reads_tag, typename topology::default_reads, Ps...>;

  /// Every rule, in the order they are reported; the first that fails stops the others.
  using checks = std::conjunction<
      check_resolver_present<topology, resolver>, check_version_tracker<versioning>,
      check_total_order<resolver, versioning>, check_concurrency_detection<resolver, versioning>,
      check_quorum_range<topology>, check_replication_factor_fits<topology, cluster>,
      check_strong_reads_overlap<topology, reads>, check_strong_reads_possible<topology, reads>,
      check_commit_applies<topology, count_of_family<commit_tag, Ps...>>, check_commit_fits_cluster<commit, cluster>,
      check_lease_needs_leader<topology, reads>, check_election_needs_leader<topology, count_of_family<election_tag, Ps...>>>;

  template <class... Extras>
  using with_extras = basic_replicator<topology, commit, resolver, versioning, cluster, reads, Extras...>;

  using type = typename decltype(hana::unpack(extras_sorted<Ps...>(), [](auto... e) {
    return hana::type_c<with_extras<typename decltype(e)::type...>>;
  }))::type;
};

template <bool Ok, template <class...> class Next, class... Ps>
struct then {
  using type = invalid_replicator;
};
template <template <class...> class Next, class... Ps>
struct then<true, Next, Ps...> {
  using type = typename Next<Ps...>::type;
};

template <class... Ps>
struct validated {
  using type = typename then<resolved<Ps...>::checks::value, resolved, Ps...>::type;
};

template <class... Ps>
struct unique_families {
  static constexpr bool ok = std::conjunction_v<check_one_per_family<family_of_t<Ps>, count_of_family<family_of_t<Ps>, Ps...>>...,
                                                check_rank_unique<family_of_t<Ps>, Ps...>...>;
  using type = typename then<ok, validated, Ps...>::type;
};

/// Entry: every argument a policy, then one per family, then the rules of combination.
template <class... Ps>
struct compose {
  using type = typename then<std::conjunction_v<check_is_policy<Ps>...>, unique_families, Ps...>::type;
};

}  // namespace detail

/// The node type of a replicator made of `Policies` (any order; missing ones defaulted).
template <class... Policies>
using replicator = typename detail::compose<Policies...>::type;

/// One replica of a composed replicator: its identity, the cluster it belongs to and the
/// version of what it has seen. The protocols of each topology build on this type; empty
/// policies take no space (`[[no_unique_address]]`, checked by tests/composition/).
template <class Topology, class Commit, class Resolver, class Versioning, class ClusterSize, class Reads,
          class... Extras>
class basic_replicator {
 public:
  using topology = Topology;
  using commit_mode = Commit;
  using resolver = Resolver;
  using versioning = Versioning;
  using cluster_size_policy = ClusterSize;
  using reads = Reads;
  using extras = std::tuple<Extras...>;

  /// The policy of family `Tag` (including families the library does not know).
  template <class Tag>
  using policy_for = detail::find_or<Tag, void, Topology, Commit, Resolver, Versioning, ClusterSize, Reads, Extras...>;
  /// The same policies around another topology and cluster size (a sharded replicator's groups).
  template <class OtherTopology, class OtherClusterSize>
  using rebind = basic_replicator<OtherTopology, Commit, Resolver, Versioning, OtherClusterSize, Reads, Extras...>;

  /// A replica `self` of a cluster of `size`; `unknown_replica` if `self` is not a member.
  static result<basic_replicator> create(replica_id self, ClusterSize size = {}) {
    if (!size.contains(self)) return error{errc::unknown_replica, "the replica id is not in the cluster"};
    return basic_replicator{self, size};
  }

  [[nodiscard]] replica_id self() const noexcept { return self_; }
  [[nodiscard]] std::size_t cluster_size() const noexcept { return size_.size(); }
  /// The version of everything this replica has seen or done.
  [[nodiscard]] const Versioning& version() const noexcept { return version_; }

  /// A local event (a write accepted here), stamped with this replica's local clock reading.
  status record_event(local_time now) { return version_.advance(self_, now); }
  /// Learn what another replica has seen (the version carried by one of its messages).
  void observe(const Versioning& seen) { version_.merge(seen); }

 private:
  basic_replicator(replica_id self, ClusterSize size) : self_{self}, size_{size} {}

  Versioning version_{};
  replica_id self_{};
  [[no_unique_address]] ClusterSize size_{};
  [[no_unique_address]] Topology topology_{};
  [[no_unique_address]] Commit commit_{};
  [[no_unique_address]] Resolver resolver_{};
  [[no_unique_address]] Reads reads_{};
  [[no_unique_address]] std::tuple<Extras...> extras_{};
};

}  // namespace replica
