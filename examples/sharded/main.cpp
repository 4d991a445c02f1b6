// A CockroachDB-like store: the key space cut into 12 ranges, each range a majority-commit
// leader-based group of 3 replicas, over 6 nodes. Every node leads two ranges and follows
// four. Clients write and read all over the key space; then one node crashes: only the two
// ranges it led lose their leader, for one election; the others never notice. When it comes
// back, leadership returns home. Printed: who leads what, how long each range was without a
// leader, and the per-node status the operator sees.
#include <replica/check/linearizability.hpp>
#include <replica/commit/majority.hpp>
#include <replica/replicator.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/sharded_node.hpp>

#include <cstdio>
#include <map>
#include <string>

namespace rp = replica;
using namespace std::chrono_literals;

using cockroach_like = rp::replicator<rp::sharded<rp::leader_based, rp::by_range, rp::shards<12>>, rp::majority>;
using node = rp::sharded_node<cockroach_like>;

std::string leaders(rp::sim::cluster<node>& c) {
  std::string s;
  for (std::uint32_t r = 0; r < 12; ++r) {
    int l = -1;
    for (std::uint32_t i = 0; i < 6; ++i)
      if (const node* n = c.node(rp::replica_id{i}))
        if (n->group(r) && n->group(r)->is_leader()) l = static_cast<int>(i);
    s += (l < 0 ? std::string{"-"} : std::to_string(l)) + (r + 1 < 12 ? " " : "");
  }
  return s;
}

int main() {
  rp::sim::cluster_options o;
  o.nodes = 6;
  o.seed = 3;
  o.link.latency = rp::sim::uniform_latency{1ms, 3ms};
  node::config cfg;
  cfg.nodes = 6;
  cfg.group.seed = 3;
  cfg.key_space = 1200;  // keys 0..1199: range r holds keys 100r .. 100r+99
  rp::sim::cluster<node> c{o, cfg};
  c.run_for(2s);
  std::printf("range leaders (range 0..11): %s\n", leaders(c).c_str());

  rp::sim::session_options s;
  s.clients = 12;
  s.keys = 1200;  // every range
  s.cas_weight = 1;
  s.timeout = 500ms;
  s.stop = c.now() + 3'000'000;
  const rp::shard_map map = c.node(rp::replica_id{0})->map();
  s.route = [map](const rp::kv_op& op) { return map.home(map.shard_of(op.key).value()); };  // a range-aware client
  c.add_sessions(s);
  c.run_for(1s);
  const auto crashed_at = c.now();
  c.crash(rp::replica_id{0});
  std::map<std::uint32_t, double> without_leader;
  while (c.now() < crashed_at + 2'000'000) {
    c.run_for(1ms);
    for (std::uint32_t r = 0; r < 12; ++r) {
      bool led = false;
      for (std::uint32_t i = 1; i < 6; ++i)
        if (const node* n = c.node(rp::replica_id{i})) led |= n->group(r) && n->group(r)->is_leader();
      if (!led) without_leader[r] = static_cast<double>(c.now() - crashed_at) / 1000.0;
    }
  }
  std::printf("after node 0 crashed:        %s\n", leaders(c).c_str());
  for (const auto& [r, ms] : without_leader) std::printf("  range %u had no leader for %.0f ms\n", r, ms);
  std::printf("  every other range: 0 ms\n");
  c.restart(rp::replica_id{0});
  c.run_for(3s);
  std::printf("node 0 back, leaders home:   %s\n", leaders(c).c_str());
  for (std::uint32_t i = 0; i < 6; ++i) {
    const auto st = c.node(rp::replica_id{i})->report();
    std::printf("  node %u hosts %zu ranges, leads %zu, max follower lag %llu, degraded %zu\n", i, st.hosted, st.leading,
                static_cast<unsigned long long>(st.max_lag_entries), st.degraded.size());
  }
  const auto lin = rp::check::check_linearizable(c.history());
  std::printf("history linearizable (per key): %s\n", lin.linearizable() ? "yes" : "NO");
  return 0;
}
