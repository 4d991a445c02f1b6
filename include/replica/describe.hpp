#pragma once
/// \file
/// What a composed replicator is and what it guarantees, read off its policy types. Used by the
/// demo and by docs; every sentence is decided at compile time from the policies' traits.

#include <replica/replicator.hpp>

#include <string>
#include <vector>

namespace replica {

/// A replicator's policies by name, and the guarantees and hazards that follow from them.
struct description {
  std::string topology, commit, resolver, versioning, cluster, reads;
  std::vector<std::string> guarantees;  ///< what holds
  std::vector<std::string> hazards;     ///< what can go wrong, as the article warns
};

namespace detail {
template <class T>
std::string to_text(std::size_t v) {
  return v == dynamic_extent ? std::string{"dynamic"} : std::to_string(v);
}

template <class Commit>
void describe_commit(description& d) {
  std::string point;
  if constexpr (requires { Commit::ack_point; }) point = std::string{to_string(Commit::ack_point)};
  if constexpr (Commit::required_replicas == 1 && !requires { Commit::quorum(3); }) {
    d.hazards.emplace_back("an acknowledged write can be lost if the leader fails before shipping it (asynchronous commit)");
  } else if constexpr (requires { Commit::quorum(3); }) {
    d.guarantees.emplace_back("a write is acknowledged once a majority holds it (" + point +
                              "): it survives the loss of any minority, including the leader");
  } else if constexpr (requires { Commit::min_in_sync; }) {
    d.guarantees.emplace_back("a write is acknowledged once every in-sync replica holds it (" + point + "); refused while fewer than " +
                              std::to_string(Commit::min_in_sync) + " replicas are in sync");
  } else {
    d.guarantees.emplace_back("a write is acknowledged once " + std::to_string(Commit::followers) + " follower(s) hold it (" +
                              point + "): it survives failover to the most up-to-date replica");
    if constexpr (Commit::when_missing::degrades)
      d.hazards.emplace_back("when follower acks time out, commit degrades to asynchronous (reported as an event)");
    if constexpr (requires { Commit::ack_point; })
      if (Commit::ack_point == ack_on::received)
        d.hazards.emplace_back("followers ack before persisting: a follower crash can lose an acknowledged write");
  }
}
}  // namespace detail

/// The description of replicator type `R`.
template <class R>
description describe() {
  using T = typename R::topology;
  description d;
  d.topology = std::string{T::name};
  d.commit = T::uses_commit_mode ? std::string{R::commit_mode::name} : std::string{"write quorum"};
  d.resolver = std::string{R::resolver::name};
  d.versioning = std::string{R::versioning::name};
  d.cluster = detail::to_text<void>(R::cluster_size_policy::extent);
  d.reads = std::string{R::reads::name};

  if constexpr (requires { T::is_sharded; }) {
    d.guarantees.emplace_back(std::string{"keys are partitioned "} + std::string{T::partitioning::name} + " into groups of " +
                              std::string{T::inner::name} + " replication, each with its own leader or quorum");
  }
  if constexpr (!T::accepts_concurrent_writes) {
    d.guarantees.emplace_back("one writer: every write has a place in one total order, so there are no conflicts");
  } else {
    d.hazards.emplace_back("concurrent writes to one key are accepted: conflicts are inevitable");
  }
  if constexpr (T::uses_commit_mode) detail::describe_commit<typename R::commit_mode>(d);
  using election = typename R::template policy_for<election_tag>;
  if constexpr (!std::is_void_v<election>) {
    if constexpr (!election::self_elect)
      d.guarantees.emplace_back("an outside controller promotes the most advanced in-sync replica: one surviving in-sync "
                                "replica is enough to elect");
    if constexpr (election::unclean)
      d.hazards.emplace_back("unclean election: when no in-sync replica is left, a lagging one is promoted and the "
                             "acknowledged writes it lacks are lost (counted)");
  }
  if constexpr (requires { R::reads::max_drift_ppm; })
    d.hazards.emplace_back("lease reads: linearizable only while every clock runs within " +
                           std::to_string(R::reads::max_drift_ppm) + " ppm of true time and never jumps");

  using q = detail::quorum_numbers<T>;
  if constexpr (q::leaderless) {
    const std::string nwr = "N=" + std::to_string(q::N) + " W=" + std::to_string(q::W) + " R=" + std::to_string(q::R);
    if constexpr (q::W + q::R > q::N)
      d.guarantees.emplace_back(nwr + ": read and write quorums overlap (W + R > N), so a read reaches a replica with the latest acknowledged write");
    else
      d.hazards.emplace_back(nwr + ": quorums do not overlap (W + R <= N), so a read can miss an acknowledged write");
    if constexpr (detail::quorum_params_of<T>::type::sloppy)
      d.hazards.emplace_back("sloppy quorum: fallback replicas count towards W, so the overlap holds only after hinted handoff");
  }

  using Res = typename R::resolver;
  if constexpr (Res::may_discard_acknowledged_writes) {
    d.hazards.emplace_back("last-write-wins: of concurrent writes the greatest " + std::string{R::versioning::name} +
                           " survives and the others, though acknowledged, are discarded (counted)");
  } else if constexpr (Res::needs_concurrency_detection) {
    d.guarantees.emplace_back(std::string{"concurrent writes are detected by "} + std::string{R::versioning::name} +
                              " and none is lost: " + std::string{Res::name} + " hands them to the application");
  } else if constexpr (Res::resolves_conflicts) {
    d.guarantees.emplace_back("concurrent updates are merged by the CRDT: none is lost, replicas converge");
  }
  if constexpr (!R::versioning::causal_advance)
    d.hazards.emplace_back("versions trust wall clocks: a replica whose clock runs behind writes versions that sort before what it has seen");
  if constexpr (R::reads::strong)
    d.guarantees.emplace_back("reads see the latest acknowledged write");
  else
    d.hazards.emplace_back("reads may be stale (replication lag)");
  return d;
}

}  // namespace replica
