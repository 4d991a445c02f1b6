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
#include <replica/sim/nemesis.hpp>
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
      for (const auto& kv : applied_writes(*n)) s.insert(kv);
  return s;
}

/// Writes (and cas) acknowledged to clients.
template <class Node>
std::size_t acked_writes(sim::cluster<Node>& c) {
  std::size_t k = 0;
  for (const auto& e : c.history()) k += e.type == check::event_type::ok && e.f != op_kind::read;
  return k;
}

/// Random faults drawn from `no` on a five-node cluster while six clients read, write and cas
/// three keys; then everything heals. `watch(c)` runs every 50 ms of the fault phase (to sample
/// invariants as they go). Returns whether the clients finished and the replicas converged
/// within the liveness bound. The faults are reported with the next failing assertion.
template <class Node, class Watch>
bool random_faults_then_heal(sim::cluster<Node>& c, const sim::nemesis_options& no, Watch&& watch) {
  const auto faults = sim::plan_faults(no, c.size(), c.random());
  UNSCOPED_INFO("faults: " << sim::describe(faults));
  sim::schedule_faults<Node>(c, faults, [](sim::cluster<Node>& cl) { return sim::current_leader(cl); });
  sim::session_options s;
  s.clients = 6;
  s.keys = 3;
  s.cas_weight = 1;
  s.timeout = std::chrono::milliseconds{500};
  s.sticky = false;
  s.stop = no.safety.count();
  c.add_sessions(s);
  const auto step = std::chrono::duration_cast<duration>(std::chrono::milliseconds{50}).count();
  for (sim::sim_time t = step; t < no.safety.count(); t += step) {
    c.run_until(t);
    watch(c);
  }
  c.run_until(no.safety.count());
  sim::heal_everything(c);
  return c.run_until([](auto& cl) { return cl.clients_idle() && cl.converged(); }, c.now() + no.liveness_bound.count());
}
/// Six seconds of random faults of `kinds`, as above.
template <class Node>
bool random_faults_then_heal(sim::cluster<Node>& c, std::vector<sim::fault_kind> kinds) {
  sim::nemesis_options no;
  no.kinds = std::move(kinds);
  no.safety = std::chrono::seconds{6};
  return random_faults_then_heal(c, no, [](sim::cluster<Node>&) {});
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
