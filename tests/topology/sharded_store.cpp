// A sharded node over the user's data model: kv_store's string keys routed by hash to groups
// that are leader-based (kv_store as their state machine) or leaderless (kv_store's values per
// key), in the simulator with an isolated node.
#include "../support/client.hpp"
#include "../support/seeds.hpp"

#include <replica/commit/majority.hpp>
#include <replica/data/kv_store.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/sharded_node.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <optional>
#include <string>

using namespace replica;
using namespace std::chrono_literals;

namespace {
using raft_shards = sharded_node<replicator<sharded<leader_based, by_hash, shards<4>>, majority>, kv_store>;
using dynamo_shards = sharded_node<replicator<sharded<leaderless<n<3>, w<2>, r<2>>, by_hash, shards<4>>, last_write_wins, hybrid_logical_clock>, kv_store>;

template <class Node>
sim::cluster<Node> make(std::size_t nodes, std::uint64_t seed) {
  sim::cluster_options o;
  o.nodes = nodes;
  o.seed = seed;
  o.link.latency = sim::uniform_latency{1ms, 3ms};
  typename Node::config cfg;
  cfg.nodes = nodes;
  if constexpr (requires { cfg.group.seed; }) cfg.group.seed = seed;
  return sim::cluster<Node>{o, cfg};
}

/// What a read's reply holds: the leader-based group's value, or the leaderless group's one value.
std::optional<std::string> value_of(const basic_client_reply<kv_store::result>& r) { return r.result; }
std::optional<std::string> value_of(const basic_client_reply<std::vector<std::string>>& r) {
  if (r.result.empty()) return std::nullopt;
  return r.result.front();
}
}  // namespace

TEMPLATE_TEST_CASE("sharded over kv_store: string keys routed by hash, every acknowledged put read back after a node "
                   "is isolated and returns",
                   "[sharded][store]", raft_shards, dynamo_shards) {
  for (const std::uint64_t seed : test::seeds(5)) {
    INFO("seed " << seed);
    auto c = make<TestType>(5, seed);
    c.run_for(1s);  // groups elect their leaders (leader-based)
    test::client<TestType> cl{c};
    std::map<std::string, std::string> acked;
    std::set<std::uint32_t> shards_used;
    for (int i = 0; i < 24; ++i) {
      if (i == 8) c.net().isolate(replica_id{static_cast<std::uint32_t>(seed % 5)});
      if (i == 16) c.net().heal();
      const std::string key = "user:" + std::to_string(i);
      const std::string value = std::string(static_cast<std::size_t>(16 + i * 9), static_cast<char>('a' + i % 26));
      const replica_id at{static_cast<std::uint32_t>((seed + static_cast<std::uint64_t>(i)) % 5)};
      shards_used.insert(c.node(at)->map().shard_of_id(kv_store::key_id(key)));
      const auto r = cl.call(at, kv_store::put{key, value}, {}, true);
      if (r && r->status == reply_status::ok) acked[key] = value;
    }
    c.net().heal();
    c.run_for(2s);
    CHECK(shards_used.size() == 4);  // the keys spread over every shard
    CHECK(acked.size() >= 16);
    for (const auto& [key, value] : acked) {
      const auto r = cl.call(replica_id{static_cast<std::uint32_t>(kv_store::key_id(key) % 5)}, kv_store::get{key}, {}, true);
      REQUIRE(r);
      REQUIRE(r->status == reply_status::ok);
      CHECK(value_of(*r) == std::optional<std::string>{value});
    }
  }
}
