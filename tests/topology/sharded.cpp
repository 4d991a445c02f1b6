// Sharded hybrids: many replication groups over one set of nodes, a leader per shard. Routing,
// placement, leaders spread and moved back home, a node crash that takes down only the shards
// it led (and for how long), the leader-based fault campaign per shard, bad input.
#include "ops.hpp"
#include "seeds.hpp"

#include <replica/check/linearizability.hpp>
#include <replica/check/lost_writes.hpp>
#include <replica/commit/majority.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/sim/nemesis.hpp>
#include <replica/topology/sharded_node.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <catch2/catch.hpp>

#include <set>

using namespace replica;
using namespace std::chrono_literals;

namespace {
using ranges10 = sharded<leader_based, by_range, shards<10>>;
using cockroach_like = replicator<ranges10, majority>;
using node_t = sharded_node<cockroach_like>;
using hashed_node = sharded_node<replicator<sharded<leader_based, by_hash>, majority>>;

template <class Node = node_t>
sim::cluster<Node> make(std::size_t nodes, std::uint64_t seed, typename Node::config cfg = {}) {
  sim::cluster_options o;
  o.nodes = nodes;
  o.seed = seed;
  o.link.latency = sim::uniform_latency{1ms, 3ms};
  cfg.nodes = nodes;
  if constexpr (requires { cfg.group.seed; }) cfg.group.seed = seed;
  return sim::cluster<Node>{o, cfg};
}
template <class Node>
check::event run_op(sim::cluster<Node>& c, replica_id at, kv_op op, std::optional<std::uint64_t> token = std::nullopt) {
  return test::run_op(c, at, op, {}, token);
}
/// Which node leads shard `s` (nullopt: none, or more than one claims it).
template <class Node>
std::optional<replica_id> leader_of(sim::cluster<Node>& c, std::uint32_t s) {
  std::optional<replica_id> l;
  for (std::uint32_t i = 0; i < c.size(); ++i)
    if (const Node* n = c.node(replica_id{i}))
      if (const auto* g = n->group(s); g && g->is_leader()) {
        if (l) return std::nullopt;
        l = replica_id{i};
      }
  return l;
}
template <class Node>
bool all_led(sim::cluster<Node>& c, std::size_t shards) {
  for (std::uint32_t s = 0; s < shards; ++s)
    if (!leader_of(c, s)) return false;
  return true;
}
/// A key of shard `s` under equal ranges of 2^32 keys over `shards`.
key_type key_in(std::uint32_t s, std::size_t shards = 10) {
  return static_cast<key_type>((std::uint64_t{1} << 32) / shards * s + 7);
}
}  // namespace

TEST_CASE("sharded: placement puts each shard on rf nodes a stride apart, homes spread over the nodes", "[sharded]") {
  auto m = shard_map::make(5, 10, 3, false).value();
  for (std::uint32_t s = 0; s < 10; ++s) {
    CHECK(m.home(s) == replica_id{s % 5});
    CHECK(m.member(s, 2) == replica_id{(s + 2) % 5});
    CHECK(m.local_id(s, m.member(s, 1)) == replica_id{1});
  }
  for (std::uint32_t n = 0; n < 5; ++n) CHECK(m.hosted_by(replica_id{n}).size() == 6);  // 10 shards x 3 / 5 nodes
  // With room, consecutive shards share no node: 8 nodes, 3 replicas, stride 2.
  auto wide = shard_map::make(8, 8, 3, true).value();
  CHECK(wide.member(0, 1) == replica_id{2});
  CHECK(wide.member(1, 2) == replica_id{5});
  CHECK(wide.local_id(1, replica_id{5}) == replica_id{2});
  CHECK_FALSE(wide.local_id(1, replica_id{2}).has_value());
  for (std::uint32_t n = 0; n < 8; ++n) CHECK(wide.hosted_by(replica_id{n}).size() == 3);
  CHECK(m.shard_of(0).value() == 0);
  CHECK(m.shard_of(key_in(9)).value() == 9);
  CHECK(m.shard_of(0xffffffffu).value() == 9);
  auto small = shard_map::make(3, 2, 3, false, 1000).value();
  CHECK(small.shard_of(999).value() == 1);
  CHECK(small.shard_of(1000).err().code == errc::wrong_key);  // outside every range
  CHECK(shard_map::make(3, 4, 4, true).err().code == errc::out_of_range);
  CHECK(shard_map::make(3, 2, 2, false, 100, {0, 0}).err().code == errc::out_of_range);
  CHECK(shard_map::make(3, 2, 2, false, 100, {0, 50}).ok());
}

TEST_CASE("sharded: every node leads some shards and follows others, writes reach the right group", "[sharded]") {
  auto c = make(5, 1);
  REQUIRE(c.run_until([](auto& cl) { return all_led(cl, 10); }, 5'000'000));
  c.run_for(2s);  // leaders move home
  for (std::uint32_t s = 0; s < 10; ++s) CHECK(leader_of(c, s) == replica_id{s % 5});
  for (std::uint32_t n = 0; n < 5; ++n) {
    const auto st = c.node(replica_id{n})->report();
    CHECK(st.hosted == 6);
    CHECK(st.leading == 2);
    CHECK(st.degraded.empty());
  }
  for (std::uint32_t s = 0; s < 10; ++s)
    CHECK(run_op(c, replica_id{(s + 3) % 5}, {op_kind::write, key_in(s), 100 + s}).type == check::event_type::ok);  // via any node
  c.run_for(200ms);
  for (std::uint32_t s = 0; s < 10; ++s) {
    const auto r = run_op(c, replica_id{s % 5}, {op_kind::read, key_in(s)});
    CHECK(r.value == value_type{100 + s});
    // Only the shard's three members hold the key.
    for (std::uint32_t n = 0; n < 5; ++n) {
      const auto* g = c.node(replica_id{n})->group(s);
      CHECK((g != nullptr) == c.node(replica_id{n})->map().local_id(s, replica_id{n}).has_value());
    }
  }
}

TEST_CASE("sharded: a crash makes only the shards the node led unavailable, briefly, leadership returns home", "[sharded]") {
  for (std::uint64_t seed : test::seeds(3)) {
    INFO("seed " << seed);
    auto c = make(5, seed);
    REQUIRE(c.run_until([](auto& cl) { return all_led(cl, 10); }, 5'000'000));
    c.run_for(2s);
    const replica_id victim{0};
    const std::vector<std::uint32_t> led = c.node(victim)->report().led;
    REQUIRE(led == std::vector<std::uint32_t>{0, 5});
    const auto crashed_at = c.now();
    c.crash(victim);
    // Shards it did not lead keep taking writes at once.
    for (std::uint32_t s : {1u, 2u, 3u, 4u, 6u})
      CHECK(run_op(c, replica_id{s % 5}, {op_kind::write, key_in(s), 1}).type == check::event_type::ok);
    // Its shards: how long until another member leads them and takes writes again.
    REQUIRE(c.run_until(
        [&](auto& cl) {
          return std::all_of(led.begin(), led.end(), [&](std::uint32_t s) {
            const auto l = leader_of(cl, s);
            return l && *l != victim;
          });
        },
        crashed_at + 3'000'000));
    const double unavailable_ms = static_cast<double>(c.now() - crashed_at) / 1000.0;
    UNSCOPED_INFO("shards 0 and 5 had no leader for " << unavailable_ms << " ms");
    CHECK(unavailable_ms < 1000);  // an election timeout (150-300 ms) and a vote, not more
    for (std::uint32_t s : led)
      CHECK(run_op(c, *leader_of(c, s), {op_kind::write, key_in(s), 2}).type == check::event_type::ok);
    c.restart(victim);
    c.run_for(3s);
    CHECK(leader_of(c, 0) == victim);  // moved back home (prefer_home_leaders)
    CHECK(leader_of(c, 5) == victim);
  }
}

TEST_CASE("sharded: the leader-based fault campaign holds per shard (linearizable, nothing acknowledged lost)", "[sharded][faults]") {
  for (std::uint64_t seed : test::seeds(4)) {
    INFO("seed " << seed);
    node_t::config cfg;
    cfg.key_space = 10;  // key k is shard k: the sessions below cover shards 0..4, led by every node
    auto c = make(5, seed, cfg);
    sim::nemesis_options no;
    no.kinds = {sim::fault_kind::isolate, sim::fault_kind::split, sim::fault_kind::crash, sim::fault_kind::pause, sim::fault_kind::lossy};
    no.safety = 5s;
    const auto faults = sim::plan_faults(no, c.size(), c.random());
    UNSCOPED_INFO("faults: " << sim::describe(faults));
    sim::schedule_faults<node_t>(c, faults);
    sim::session_options s;
    s.clients = 6;
    s.keys = 5;
    s.cas_weight = 1;
    s.timeout = 500ms;
    s.sticky = false;
    s.stop = no.safety.count();
    c.add_sessions(s);
    sim::session_options s2 = s;
    s2.clients = 4;
    c.add_sessions(s2);
    c.run_until(no.safety.count());
    sim::heal_everything(c);
    CHECK(c.run_until([](auto& cl) { return cl.clients_idle() && node_t::shards_converged(cl); }, c.now() + no.liveness_bound.count()));
    CHECK(check::check_linearizable(c.history()).linearizable());
    std::set<std::pair<key_type, value_type>> survived;
    for (std::uint32_t i = 0; i < c.size(); ++i)
      if (const auto* n = c.node(replica_id{i}))
        for (const auto& kv : n->applied_writes()) survived.insert(kv);
    CHECK(check::check_lost_writes(c.history(), survived).lost.empty());
  }
}

TEST_CASE("sharded: bad input is refused with an error and no state change", "[sharded]") {
  node_t::config cfg;
  cfg.nodes = 5;
  node_t n{replica_id{0}, cfg, {}};
  auto state = [](const node_t& x) {
    std::vector<std::uint64_t> d;
    for (std::uint32_t s = 0; s < 10; ++s)
      if (const auto* g = x.group(s)) d.push_back(g->digest() ^ g->report().last_index);
    return d;
  };
  const auto before = state(n);
  using msg = node_t::message;
  SECTION("a message for a group this node does not host") {
    // Node 0 hosts shards 0, 3, 4, 5, 8, 9 (each shard lives on s, s+1, s+2 mod 5).
    auto st = n.step({replica_id{1}, replica_id{0}, group_id{1}, term{1}, msg{}}, {});
    REQUIRE_FALSE(st.ok());
    CHECK(st.err().code == errc::wrong_group);
    CHECK(n.step({replica_id{1}, replica_id{0}, group_id{77}, term{1}, msg{}}, {}).err().code == errc::wrong_group);
  }
  SECTION("a sender that is not a member of the group") {
    auto st = n.step({replica_id{2}, replica_id{0}, group_id{4}, term{1}, msg{}}, {});  // shard 4: nodes 4, 0, 1
    REQUIRE_FALSE(st.ok());
    CHECK(st.err().code == errc::unknown_replica);
  }
  CHECK(n.effects().empty());
  CHECK(state(n) == before);
  SECTION("a key outside every range") {
    node_t::config small = cfg;
    small.key_space = 1000;
    node_t m{replica_id{0}, small, {}};
    m.submit({client_id{1}, request_id{1}, {op_kind::write, 5000, 1}}, {});
    REQUIRE(m.effects().replies.size() == 1);
    CHECK(m.effects().replies[0].error == errc::wrong_key);
    CHECK(m.effects().persist.empty());
  }
}

TEST_CASE("sharded: a token carries its shard, using it on another shard is an error", "[sharded]") {
  auto c = make(5, 3);
  REQUIRE(c.run_until([](auto& cl) { return all_led(cl, 10); }, 5'000'000));
  c.run_for(2s);
  const auto p = c.invoke(replica_id{0}, {op_kind::write, key_in(0), 5});
  c.run_for(100ms);
  REQUIRE(test::completion(c.history(), p)->type == check::event_type::ok);
  const auto token = c.last_token(p);
  REQUIRE(token);
  CHECK(shard_tokens::shard_of(*token) == 0);
  CHECK(run_op(c, replica_id{0}, {op_kind::read, key_in(0)}, token).value == value_type{5});  // its own shard: fine
  const auto wrong = run_op(c, replica_id{0}, {op_kind::read, key_in(5)}, token);              // shard 5
  CHECK(wrong.type == check::event_type::fail);
  // At compile time, where the key and the token's shard are constants:
  using ranges = static_ranges<10>;
  STATIC_REQUIRE(ranges::shard_of<key_type{7}> == 0);
  STATIC_REQUIRE(ranges::shard_of<key_type{0xffffffffu}> == 9);
  const auto req = with_token<ranges, 7>({client_id{1}, request_id{1}, {op_kind::read}}, shard_token<0>{*token & shard_tokens::position_mask});
  CHECK(req.token == token);
}

TEST_CASE("sharded: leaderless groups route too", "[sharded]") {
  using dyn = sharded_node<replicator<sharded<leaderless<n<3>, w<2>, r<2>>, by_hash, shards<4>>, last_write_wins, hybrid_logical_clock>>;
  auto c = make<dyn>(4, 5);
  for (key_type k = 0; k < 20; ++k) CHECK(run_op(c, replica_id{k % 4}, {op_kind::write, k, 10 + k}).type == check::event_type::ok);
  c.run_for(200ms);
  for (key_type k = 0; k < 20; ++k) CHECK(run_op(c, replica_id{(k + 1) % 4}, {op_kind::read, k}).value == value_type{10 + k});
  CHECK(dyn::shards_converged(c));
}
