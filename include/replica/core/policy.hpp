#pragma once
/// \file
/// Policy families. A policy is a type with a member `family` naming one of these tags; that is
/// all `replica::replicator` needs to find it, whatever the order of the arguments. A user adds
/// a policy of an existing family by declaring `using family = replica::commit_tag;` (say), and
/// a new family by declaring a new tag derived from `policy_family` with an unused `rank`.

#include <concepts>
#include <string_view>

namespace replica {

/// Base of every family tag. `rank` fixes the family's place in the canonical replicator type.
struct policy_family {};

/// Who accepts writes and how replicas are organised: leader_based, multi_leader, leaderless,
/// sharded<...>.
struct topology_tag : policy_family {
  static constexpr int rank = 0;
  static constexpr std::string_view name = "topology";
};
/// When a write is acknowledged: asynchronous, semi_synchronous<K>, first<K>, synchronous,
/// majority.
struct commit_tag : policy_family {
  static constexpr int rank = 1;
  static constexpr std::string_view name = "commit mode";
};
/// What happens to concurrent writes: last_write_wins, keep_siblings, merge_with<F>,
/// crdt_merge (or no_resolver, for topologies with a single writer).
struct resolver_tag : policy_family {
  static constexpr int rank = 2;
  static constexpr std::string_view name = "conflict resolver";
};
/// How versions are ordered: physical_clock, lamport_clock, hybrid_logical_clock,
/// version_vector<N>, dotted_version_vector, dvv_set.
struct versioning_tag : policy_family {
  static constexpr int rank = 3;
  static constexpr std::string_view name = "version tracking";
};
/// How many replicas: cluster_size<N> (fixed at compile time) or dynamic_cluster_size.
struct cluster_size_tag : policy_family {
  static constexpr int rank = 4;
  static constexpr std::string_view name = "cluster size";
};
/// What reads promise: strong_reads (see the latest acknowledged write) or eventual_reads.
struct reads_tag : policy_family {
  static constexpr int rank = 5;
  static constexpr std::string_view name = "read guarantee";
};

/// How a leader-based topology chooses its leader: raft_election (replicas vote) or
/// controller_election (an outside controller promotes the most advanced in-sync replica).
/// Optional: leader-based replicators default to raft_election.
struct election_tag : policy_family {
  static constexpr int rank = 6;
  static constexpr std::string_view name = "leader election";
};

/// A family tag: derived from `policy_family`, with a `rank` and a `name`.
template <class Tag>
concept policy_family_tag = std::derived_from<Tag, policy_family> && requires {
  { Tag::rank } -> std::convertible_to<int>;
  { Tag::name } -> std::convertible_to<std::string_view>;
};

/// A policy: a type whose member `family` is a family tag.
template <class P>
concept policy = requires { typename P::family; } && policy_family_tag<typename P::family>;

/// A policy of the family `Tag`.
template <class P, class Tag>
concept policy_of = policy<P> && std::same_as<typename P::family, Tag>;

}  // namespace replica
