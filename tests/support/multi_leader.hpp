#pragma once
// Helpers for the multi-leader tests: clusters of leaders, reads and read-modify-writes through
// the simulator's clients, event counts.
#include "ops.hpp"
#include "seeds.hpp"

#include <replica/replicator.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/multi_leader_node.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <vector>

namespace test {

using namespace std::chrono_literals;

template <class Node>
replica::sim::cluster<Node> make_leaders(std::size_t nodes, std::uint64_t seed, typename Node::config cfg = {},
                                         replica::duration lo = std::chrono::milliseconds{1},
                                         replica::duration hi = std::chrono::milliseconds{3}) {
  replica::sim::cluster_options o;
  o.nodes = nodes;
  o.seed = seed;
  o.link.latency = replica::sim::uniform_latency{lo, hi};
  cfg.nodes = nodes;
  return replica::sim::cluster<Node>{o, cfg};
}

/// A read at `at`: its values (sorted) and causal context.
template <class Node>
std::pair<std::vector<replica::value_type>, replica::payload> read_at(replica::sim::cluster<Node>& c, replica::replica_id at,
                                                                     replica::key_type k) {
  const auto p = c.invoke(at, {replica::op_kind::read, k});
  c.run_until([&](auto& cl) { return completion(cl.history(), p) != nullptr; }, c.now() + 2'000'000);
  const auto* e = completion(c.history(), p);
  REQUIRE(e != nullptr);
  REQUIRE(e->type == replica::check::event_type::ok);
  std::vector<replica::value_type> vs = e->siblings;
  if (vs.empty() && e->value) vs.push_back(*e->value);
  std::sort(vs.begin(), vs.end());
  return {vs, c.last_context(p)};
}

template <class Node>
std::size_t count_events(const replica::sim::cluster<Node>& c, replica::multi_leader_event::kind k) {
  std::size_t n = 0;
  for (const auto& e : c.events())
    if (e.event.what == k) n += e.event.count;
  return n;
}

}  // namespace test
