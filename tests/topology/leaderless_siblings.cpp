// Sibling growth: many writers, no reads in between, each passing back the context its last
// write returned. Dotted version vectors keep the siblings bounded by the writers; one version
// vector per key (vv_siblings, Riak before 2.0) cannot tell which siblings a context covered
// and keeps them all: they grow with every write. Both measured; nothing is lost in either.
// And the law under both: a replica keeps the maximal versions of what it had and what arrives.
#include "../support/leaderless.hpp"

#include <replica/replicator.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/version_vector.hpp>

#include <replica/resolve/maximal.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>

using namespace replica;
using namespace std::chrono_literals;

namespace {
using topo = leaderless<n<3>, w<2>, r<2>>;
using dvv_node = leaderless_node<replicator<topo, keep_siblings, dotted_version_vector>>;
using vv_node = leaderless_node<replicator<topo, keep_siblings, version_vector<>>>;

struct growth {
  std::size_t max_siblings = 0;   ///< the most siblings any replica held
  std::size_t final_siblings = 0; ///< what a read returns at the end
  std::size_t writes = 0;         ///< acknowledged
  bool every_last_write_kept = true;
};

/// `writers` clients take turns writing key 1 through its first replica, `rounds` times each;
/// each passes the context its previous write returned (none the first time).
template <class Node>
growth many_writers(std::size_t writers, std::size_t rounds, std::uint64_t seed = 1) {
  auto c = test::leaderless_cluster<Node>(3, seed);
  std::vector<payload> ctx(writers);
  growth g;
  for (std::size_t round = 0; round < rounds; ++round)
    for (std::size_t w = 0; w < writers; ++w) {
      const auto p = c.invoke(replica_id{0}, {op_kind::write, 1, static_cast<value_type>(w * 1000 + round)}, 1s, std::nullopt, ctx[w]);
      c.run_until([&](auto& cl) { return test::completion(cl.history(), p) != nullptr; }, c.now() + duration{2s}.count());
      const auto* e = test::completion(c.history(), p);
      REQUIRE(e != nullptr);
      REQUIRE(e->type == check::event_type::ok);
      ++g.writes;
      ctx[w] = c.last_context(p);
      for (std::uint32_t i = 0; i < 3; ++i) g.max_siblings = std::max(g.max_siblings, c.node(replica_id{i})->values(1).size());
    }
  c.run_for(100ms);
  const auto read = test::run_op(c, replica_id{1}, {op_kind::read, 1});
  REQUIRE(read.type == check::event_type::ok);
  std::vector<value_type> vs = read.siblings;
  if (vs.empty() && read.value) vs.push_back(*read.value);
  g.final_siblings = vs.size();
  for (std::size_t w = 0; w < writers; ++w)  // each writer's last write is there (nothing lost)
    g.every_last_write_kept &= std::count(vs.begin(), vs.end(), static_cast<value_type>(w * 1000 + rounds - 1)) == 1;
  return g;
}
}  // namespace

TEST_CASE("sibling growth: dotted version vectors stay bounded by the writers, one version vector per key explodes",
          "[leaderless][siblings]") {
  for (std::size_t writers : {2, 4}) {
    INFO(writers << " writers, 10 rounds");
    const growth dvv = many_writers<dvv_node>(writers, 10);
    const growth vv = many_writers<vv_node>(writers, 10);
    UNSCOPED_INFO("DVV max siblings " << dvv.max_siblings << ", version vector " << vv.max_siblings);
    CHECK(dvv.max_siblings <= writers);
    CHECK(dvv.final_siblings == writers);
    CHECK(dvv.every_last_write_kept);
    CHECK(vv.max_siblings >= writers * 10 - 1);  // every write but the very first survives as a sibling (shown)
    CHECK(vv.final_siblings == vv.max_siblings);
    CHECK(vv.every_last_write_kept);
  }
}

TEST_CASE("version-vector siblings: a client that saw everything replaces every sibling", "[leaderless][siblings]") {
  auto c = test::leaderless_cluster<vv_node>(3, 1);
  test::concurrently(c, {{replica_id{0}, {op_kind::write, 1, 1}, {}}, {replica_id{1}, {op_kind::write, 1, 2}, {}}});
  c.run_for(50ms);
  const auto p = c.invoke(replica_id{2}, {op_kind::read, 1});
  c.run_for(50ms);
  REQUIRE(c.history().back().siblings == std::vector<value_type>{1, 2});  // concurrent blind writes: siblings
  CHECK(test::run_op(c, replica_id{2}, {op_kind::write, 1, 3}, c.last_context(p)).type == check::event_type::ok);
  c.run_for(50ms);
  for (std::uint32_t i = 0; i < 3; ++i) CHECK(c.node(replica_id{i})->values(1) == std::vector<value_type>{3});
  // A malformed context changes nothing.
  CHECK(test::run_op(c, replica_id{2}, {op_kind::write, 1, 4}, payload::filled(3, std::byte{7})).type == check::event_type::fail);
  c.run_for(50ms);
  CHECK(c.node(replica_id{2})->values(1) == std::vector<value_type>{3});
}

TEST_CASE("a replica keeps the maximal versions of what it had and what arrives", "[leaderless][siblings][laws]") {
  // Puts of random dotted versions (concurrent, superseding, repeated, each put a set that need
  // not be maximal itself) into one replica; after each, what it stores is keep_maximal of what it
  // stored before followed by what arrived: the node's shortcuts (a repeat changes nothing, a
  // newer set replaces) give the same set as merging.
  rc::prop("store = keep_maximal(stored ++ incoming)", [] {
    dvv_node::config cfg;
    cfg.nodes = 3;
    dvv_node node{replica_id{0}, cfg, {}};
    const key_type k = 7;
    auto random_version = [] {
      version_vector<> ctx;
      for (std::uint32_t r = 0; r < 3; ++r) {
        const auto c = *rc::gen::inRange<std::uint64_t>(0, 4);
        if (c > 0) ctx.raise(replica_id{r}, c);
      }
      const replica_id by{*rc::gen::inRange<std::uint32_t>(0, 3)};
      return dotted_version_vector::event(ctx, dot{by, ctx.counter(by) + *rc::gen::inRange<std::uint64_t>(1, 3)}).value();
    };
    dvv_node::siblings expected;
    const auto puts = *rc::gen::inRange(1, 12);
    for (int i = 0; i < puts; ++i) {
      dvv_node::siblings incoming;
      const auto n = *rc::gen::inRange(0, 4);
      for (int j = 0; j < n; ++j) {
        if (!expected.empty() && *rc::gen::inRange(0, 4) == 0) {
          incoming.push_back(expected[static_cast<std::size_t>(*rc::gen::inRange<std::size_t>(0, expected.size()))]);  // a repeat
        } else {
          incoming.push_back({random_version(), *rc::gen::inRange<value_type>(0, 5), *rc::gen::inRange(0, 5) == 0});
        }
      }
      envelope<dvv_node::message> m{replica_id{1}, replica_id{0}, group_id{}, term{}, dvv_node::put{0, k, incoming}};
      RC_ASSERT(node.step(m, local_time{std::chrono::milliseconds{i}}).ok());
      expected.insert(expected.end(), incoming.begin(), incoming.end());
      expected.resize(keep_maximal(expected.begin(), expected.end(), &dvv_node::versioned::version));
      const auto* held = node.stored(k);
      const std::size_t have = held ? held->size() : 0;
      RC_ASSERT(have == expected.size());
      for (const auto& v : expected) RC_ASSERT(held && std::find(held->begin(), held->end(), v) != held->end());
      node.effects().clear();
    }
  });
}

TEST_CASE("the Merkle tree kept on every write equals the one rebuilt from disk", "[leaderless][anti_entropy][laws]") {
  // A replica updates its tree incrementally (each key's leaf contribution kept beside its
  // versions, taken out and put back on every change, taken out when a tombstone is collected);
  // a replica restarted from what the first one persisted builds its tree from scratch. After
  // random puts, deletes and collections over a few keys, both trees are the same.
  rc::prop("incremental tree = tree of the persisted store", [] {
    dvv_node::config cfg;
    cfg.nodes = 3;
    cfg.anti_entropy_interval = std::chrono::milliseconds{1};
    cfg.tombstone_grace = std::chrono::milliseconds{5};
    dvv_node node{replica_id{0}, cfg, {}};
    dvv_node::durable_state disk;
    std::int64_t ms = 0;
    auto now = [&] { return local_time{std::chrono::milliseconds{ms}}; };
    auto drain = [&] {
      for (const auto& p : node.effects().persist) dvv_node::persist(disk, p);
      node.effects().clear();
    };
    std::uint64_t counter = 0;
    const auto steps = *rc::gen::inRange(1, 40);
    for (int i = 0; i < steps; ++i) {
      ms += *rc::gen::inRange(0, 4);
      if (*rc::gen::inRange(0, 6) == 0) {
        node.tick(now());  // collects tombstones past their grace
      } else {
        const key_type k = *rc::gen::inRange<key_type>(0, 6);
        const replica_id by{*rc::gen::inRange<std::uint32_t>(0, 3)};
        const auto v = dotted_version_vector::event({}, dot{by, ++counter}).value();  // concurrent with what is there
        dvv_node::siblings incoming{{v, *rc::gen::inRange<value_type>(0, 5), *rc::gen::inRange(0, 3) == 0}};
        if (const auto* held = node.stored(k); held && *rc::gen::inRange(0, 2) == 0) {
          version_vector<> seen;  // or one that supersedes what is stored
          for (const auto& s : *held) seen.merge(s.version.context());
          incoming[0].version = dotted_version_vector::event(seen, dot{by, ++counter}).value();
        }
        envelope<dvv_node::message> m{replica_id{1}, replica_id{0}, group_id{}, term{}, dvv_node::put{0, k, incoming}};
        RC_ASSERT(node.step(m, now()).ok());
      }
      drain();
    }
    auto tree_of = [&](dvv_node& n) {
      n.effects().clear();
      n.tick(now() + std::chrono::hours{1});  // sends its tree (and collects what is due)
      for (const auto& m : n.effects().messages)
        if (const auto* t = std::get_if<dvv_node::ae_tree>(&m.payload)) return t->nodes;
      return std::vector<std::uint64_t>{};
    };
    const auto live = tree_of(node);
    drain();
    dvv_node restarted{replica_id{0}, cfg, disk};
    const auto rebuilt = tree_of(restarted);
    RC_ASSERT(!live.empty());
    RC_ASSERT(live == rebuilt);
  });
}
