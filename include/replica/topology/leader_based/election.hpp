#pragma once
/// \file
/// How a leader-based replicator chooses its leader (the `election` policy family).
///
/// - `raft_election` (the default): replicas elect among themselves with terms, randomized
///   timeouts and votes; a candidate needs a majority, and only one whose log is at least as up
///   to date as each voter's wins (etcd, Consul, MongoDB replica sets).
/// - `controller_election<...>`: replicas never campaign; an outside controller (Kafka's
///   controller, Patroni with its consensus store) watches them and promotes the most advanced
///   replica of the in-sync set, at a new term that fences the old leader. Only one replica
///   needs to survive, not a majority: the in-sync set holds every committed write when the
///   commit mode waits for it (`synchronous`).
///   - `unclean_election::allow` (Kafka's unclean.leader.election.enable): when no in-sync
///     replica is left, promote the most advanced one that is, and count the acknowledged
///     writes thrown away. Off by default, as in Kafka since 0.11.

#include <replica/core/policy.hpp>

#include <cstdint>

namespace replica {

/// Replicas elect their leader by majority vote (Raft).
struct raft_election {
  using family = election_tag;
  static constexpr std::string_view name = "raft_election";
  static constexpr bool self_elect = true;
  static constexpr bool unclean = false;
};

/// Whether a controller may promote a replica outside the in-sync set.
enum class unclean_election : std::uint8_t { forbid, allow };

/// An outside controller promotes the most advanced in-sync replica (Kafka, Patroni).
template <unclean_election U = unclean_election::forbid>
struct controller_election {
  using family = election_tag;
  static constexpr std::string_view name = U == unclean_election::allow ? "controller_election<unclean>" : "controller_election";
  static constexpr bool self_elect = false;
  static constexpr bool unclean = U == unclean_election::allow;
};

}  // namespace replica
