#pragma once
// A simulated cluster of three nodes of any topology with 1-3 ms links, seeded throughout (the
// run's seed, and the nodes' own where their configuration takes one): what the codec and
// write-ahead-log tests run to collect real messages and persist batches.
#include <replica/sim/cluster.hpp>

#include <chrono>
#include <cstdint>

namespace test {

template <class Node>
replica::sim::cluster<Node> three_nodes(std::uint64_t seed) {
  replica::sim::cluster_options o;
  o.nodes = 3;
  o.seed = seed;
  o.link.latency = replica::sim::uniform_latency{std::chrono::milliseconds{1}, std::chrono::milliseconds{3}};
  typename Node::config cfg;
  cfg.nodes = 3;
  if constexpr (requires { cfg.seed; }) cfg.seed = seed;
  if constexpr (requires { cfg.group.seed; }) cfg.group.seed = seed;
  return replica::sim::cluster<Node>{o, cfg};
}

}  // namespace test
