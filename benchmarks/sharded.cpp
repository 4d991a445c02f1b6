// Sharded hot paths (issue 7):
// - shard_route_hash/<variant>/<shards>, shard_route_range/<variant>/<shards>: a key to its
//   shard and the shard's home node. `composed` is shard_map (shard_of + home, with the error
//   path for keys outside every range); `handwritten` is mix64(k) % shards, or a binary search
//   over a plain array of range starts, then (s % nodes).
// - group_tag/<variant>/<shards>: one heartbeat (an empty append at the current term) handled by
//   a follower. `composed` is a sharded_node hosting `shards` groups (find the group, check the
//   sender's membership, translate ids both ways, re-tag the effects); `floor` is the same
//   follower as a plain single-group leader_based_node. The difference is the cost of the
//   group tag per message. Messages are captured from a simulated cluster's real traffic.
#include <replica/commit/majority.hpp>
#include <replica/core/hash.hpp>
#include <replica/replicator.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/leader_based_node.hpp>
#include <replica/topology/sharded_node.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <optional>
#include <random>
#include <vector>

namespace rp = replica;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t pool = 1024;
std::vector<rp::key_type> keys() {
  std::mt19937_64 g{7};
  std::vector<rp::key_type> k(pool);
  for (auto& x : k) x = static_cast<rp::key_type>(g());
  return k;
}

void shard_route_hash_composed(benchmark::State& st) {
  const auto shards = static_cast<std::size_t>(st.range(0));
  const auto map = rp::shard_map::make(8, shards, 3, true).value();
  const auto k = keys();
  std::size_t i = 0;
  for (auto _ : st) {
    const auto s = map.shard_of(k[i++ % pool]);
    benchmark::DoNotOptimize(map.home(s.value()));
  }
}
void shard_route_hash_handwritten(benchmark::State& st) {
  const auto shards = static_cast<std::uint64_t>(st.range(0));
  const auto k = keys();
  std::size_t i = 0;
  for (auto _ : st) {
    const std::uint64_t s = rp::mix64(k[i++ % pool]) % shards;
    benchmark::DoNotOptimize(s % 8);
  }
}
void shard_route_range_composed(benchmark::State& st) {
  const auto shards = static_cast<std::size_t>(st.range(0));
  const auto map = rp::shard_map::make(8, shards, 3, false).value();
  const auto k = keys();
  std::size_t i = 0;
  for (auto _ : st) {
    const auto s = map.shard_of(k[i++ % pool]);
    benchmark::DoNotOptimize(map.home(s.value()));
  }
}
void shard_route_range_handwritten(benchmark::State& st) {
  const auto shards = static_cast<std::size_t>(st.range(0));
  std::vector<std::uint64_t> starts;
  for (std::size_t s = 0; s < shards; ++s) starts.push_back((std::uint64_t{1} << 32) / shards * s);
  const auto k = keys();
  std::size_t i = 0;
  for (auto _ : st) {
    const auto it = std::upper_bound(starts.begin(), starts.end(), std::uint64_t{k[i++ % pool]});
    benchmark::DoNotOptimize(static_cast<std::size_t>(it - starts.begin() - 1) % 8);
  }
}

/// Runs a cluster until it has a leader, and captures one heartbeat from it to a follower.
template <class Node>
struct captured {
  rp::sim::cluster<Node> c;
  std::optional<rp::envelope<typename Node::message>> heartbeat;
  rp::replica_id follower{};
};

template <class Node, class IsLeader>
captured<Node>* capture(typename Node::config cfg, IsLeader is_leader) {
  rp::sim::cluster_options o;
  o.nodes = 3;
  o.seed = 1;
  o.link.latency = rp::sim::constant_latency{1ms};
  cfg.nodes = 3;
  auto* cap = new captured<Node>{rp::sim::cluster<Node>{o, cfg}, std::nullopt, {}};
  cap->c.run_for(2s);
  cap->c.set_message_latency([cap, is_leader](const rp::envelope<typename Node::message>& m) -> const rp::sim::latency_model* {
    if (!cap->heartbeat && is_leader(*cap->c.node(m.from)) && !is_leader(*cap->c.node(m.to))) {
      cap->heartbeat = m;
      cap->follower = m.to;
    }
    return nullptr;
  });
  cap->c.run_for(100ms);
  return cap;
}

using single = rp::leader_based_node<rp::replicator<rp::leader_based, rp::majority>>;
using multi = rp::sharded_node<rp::replicator<rp::sharded<rp::leader_based, rp::by_hash>, rp::majority>>;

void group_tag_floor(benchmark::State& st) {
  static auto* cap = capture<single>({}, [](const single& n) { return n.is_leader(); });
  single* f = cap->c.node(cap->follower);
  const rp::local_time now = cap->c.clock(cap->follower).read(cap->c.now());
  for (auto _ : st) {
    benchmark::DoNotOptimize(f->step(*cap->heartbeat, now));
    f->effects().clear();
  }
}
void group_tag_composed(benchmark::State& st) {
  multi::config cfg;
  cfg.shards = static_cast<std::size_t>(st.range(0));
  cfg.prefer_home_leaders = false;
  auto* cap = capture<multi>(cfg, [](const multi& n) { return n.group(0) && n.group(0)->is_leader(); });
  // Only group 0's heartbeats qualify: the leader of group 0 sending to a member that does not lead it.
  multi* f = cap->c.node(cap->follower);
  const rp::local_time now = cap->c.clock(cap->follower).read(cap->c.now());
  if (!cap->heartbeat || cap->heartbeat->group != rp::group_id{0}) {
    st.SkipWithError("no heartbeat of group 0 captured");
    return;
  }
  for (auto _ : st) {
    benchmark::DoNotOptimize(f->step(*cap->heartbeat, now));
    f->effects().clear();
  }
  delete cap;
}

}  // namespace

int main(int argc, char** argv) {
  for (long n : {8L, 64L, 1024L}) {
    benchmark::RegisterBenchmark("shard_route_hash/composed", shard_route_hash_composed)->Arg(n);
    benchmark::RegisterBenchmark("shard_route_hash/handwritten", shard_route_hash_handwritten)->Arg(n);
    benchmark::RegisterBenchmark("shard_route_range/composed", shard_route_range_composed)->Arg(n);
    benchmark::RegisterBenchmark("shard_route_range/handwritten", shard_route_range_handwritten)->Arg(n);
  }
  for (long n : {1L, 8L, 64L}) {
    benchmark::RegisterBenchmark("group_tag/composed", group_tag_composed)->Arg(n);
    benchmark::RegisterBenchmark("group_tag/floor", group_tag_floor)->Arg(n);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
