#pragma once
// Helpers for the leader-based scenario tests: clusters of composed leader-based nodes on the
// simulator, leader lookup, and the lost-write check against the surviving log.
#include <replica/check/linearizability.hpp>
#include <catch2/catch.hpp>
#include <replica/check/lost_writes.hpp>
#include <replica/cluster.hpp>
#include <replica/commit.hpp>
#include <replica/reads.hpp>
#include <replica/replicator.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/sim/leader.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>

#include <optional>
#include <set>

namespace test {

using namespace replica;
using namespace std::chrono_literals;

template <class Commit, class... More>
using lb = leader_based_node<replicator<leader_based, Commit, More...>>;

template <class Node>
sim::cluster<Node> make_cluster(std::size_t nodes, std::uint64_t seed, typename Node::config cfg = {}) {
  sim::cluster_options o;
  o.nodes = nodes;
  o.seed = seed;
  o.link.latency = sim::uniform_latency{1ms, 3ms};
  cfg.nodes = nodes;
  cfg.seed = seed;
  return sim::cluster<Node>{o, cfg};
}

/// The live leader with the highest term, if any.
template <class Node>
std::optional<replica_id> leader_of(sim::cluster<Node>& c) {
  return sim::current_leader(c);
}

template <class Node>
replica_id await_leader(sim::cluster<Node>& c, duration within = 3s) {
  std::optional<replica_id> l;
  c.run_until([&](sim::cluster<Node>& cl) { return (l = leader_of(cl)).has_value(); }, c.now() + within.count());
  REQUIRE(l.has_value());
  return *l;
}

/// Every (key, value) applied on any live node: what survived.
template <class Node>
std::set<std::pair<key_type, value_type>> survivors(sim::cluster<Node>& c) {
  std::set<std::pair<key_type, value_type>> s;
  for (std::uint32_t i = 0; i < c.size(); ++i)
    if (const Node* n = c.node(replica_id{i}))
      for (const auto& kv : n->applied_writes()) s.insert(kv);
  return s;
}

/// Acknowledged writes missing from what survived.
template <class Node>
std::size_t lost_acked_writes(sim::cluster<Node>& c) {
  return check::check_lost_writes(c.history(), survivors(c)).lost.size();
}

/// Whether `c` recorded an event of kind `k`.
template <class Node>
bool has_event(sim::cluster<Node>& c, leader_event::kind k) {
  for (const auto& e : c.events())
    if (e.event.what == k) return true;
  return false;
}

/// Whether every live node has applied the same log prefix up to the smallest applied index.
template <class Node>
bool logs_agree(sim::cluster<Node>& c) {
  const Node* first = nullptr;
  for (std::uint32_t i = 0; i < c.size(); ++i) {
    const Node* n = c.node(replica_id{i});
    if (!n) continue;
    if (!first) {
      first = n;
      continue;
    }
    const std::uint64_t upto = std::min(first->applied_index(), n->applied_index());
    for (std::uint64_t k = 1; k <= upto; ++k) {
      const auto *x = first->entry_at(k), *y = n->entry_at(k);
      if (x && y && !(*x == *y)) return false;  // (entries compacted away on either side are not compared)
    }
  }
  return true;
}

}  // namespace test
