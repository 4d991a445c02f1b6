#pragma once
// Helpers shared by the leaderless topology tests: a simulated cluster, a key's walk of the
// ring, the last history event, reads that may fail.
#include "ops.hpp"

#include <replica/sim/cluster.hpp>
#include <replica/topology/leaderless/ring.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

namespace test {

/// A cluster of `cfg.nodes` leaderless nodes with 1-3 ms links.
template <class Node>
replica::sim::cluster<Node> leaderless_cluster(typename Node::config cfg, std::uint64_t seed) {
  replica::sim::cluster_options o;
  o.nodes = cfg.nodes;
  o.seed = seed;
  o.link.latency = replica::sim::uniform_latency{std::chrono::milliseconds{1}, std::chrono::milliseconds{3}};
  return replica::sim::cluster<Node>{o, cfg};
}
/// `nodes` leaderless nodes with anti-entropy every 100 ms.
template <class Node>
replica::sim::cluster<Node> leaderless_cluster_with_anti_entropy(std::size_t nodes, std::uint64_t seed) {
  typename Node::config cfg;
  cfg.nodes = nodes;
  cfg.anti_entropy_interval = std::chrono::milliseconds{100};
  return leaderless_cluster<Node>(cfg, seed);
}
template <class Node>
replica::sim::cluster<Node> leaderless_cluster(std::size_t nodes, std::uint64_t seed) {
  typename Node::config cfg;
  cfg.nodes = nodes;
  return leaderless_cluster<Node>(cfg, seed);
}

/// The replicas (preference list of N) of the key whose id is `k` (an integer key: itself), then
/// its fallbacks, as `via`'s ring has them.
template <class Node>
std::vector<replica::replica_id> walk(replica::sim::cluster<Node>& c, std::uint64_t k,
                                      replica::replica_id via = replica::replica_id{0}) {
  std::vector<replica::ring_member> out(c.size());
  out.resize(c.node(via)->ring().walk(k, out));
  std::vector<replica::replica_id> ids;
  for (const auto& m : out) ids.push_back(m.id);
  return ids;
}

/// The completion of the last operation invoked. It must have completed: a read that never did
/// must not pass for one that saw nil.
template <class Node>
const replica::check::event& last(replica::sim::cluster<Node>& c) {
  const auto& h = c.history();
  auto invoked = std::find_if(h.rbegin(), h.rend(), [](const auto& e) { return e.type == replica::check::event_type::invoke; });
  REQUIRE(invoked != h.rend());
  const replica::check::event* done = completion(h, invoked->process);
  REQUIRE(done != nullptr);
  return *done;
}

/// A read's values (siblings or one value) and context, or nothing if it did not succeed.
template <class Node>
std::optional<std::pair<std::vector<replica::value_type>, replica::payload>> try_read(replica::sim::cluster<Node>& c,
                                                                                      replica::replica_id at, replica::key_type k) {
  const auto p = c.invoke(at, {replica::op_kind::read, k}, std::chrono::milliseconds{300});
  c.run_until([&](auto& cl) { return completion(cl.history(), p) != nullptr; }, c.now() + replica::duration{std::chrono::seconds{1}}.count());
  const auto* e = completion(c.history(), p);
  if (e == nullptr || e->type != replica::check::event_type::ok) return std::nullopt;
  std::vector<replica::value_type> vs = e->siblings;
  if (vs.empty() && e->value) vs.push_back(*e->value);
  return std::pair{vs, c.last_context(p)};
}

}  // namespace test
