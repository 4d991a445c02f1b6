// Coordination options of the leaderless node: blocking against asynchronous read repair,
// primary-only quorums (Riak's PR/PW), client-side coordinators; the coordinator's table of
// requests in flight.
#include "../support/leaderless.hpp"
#include "../support/seeds.hpp"

#include <replica/reads/strong_reads.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless/request_table.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <map>
#include <stdexcept>

using namespace replica;
using namespace std::chrono_literals;

namespace {
template <class Repair, class Quorum = strict_quorum>
using lww_node = leaderless_node<replicator<leaderless<n<3>, w<2>, r<2>, Quorum, Repair>, last_write_wins, hybrid_logical_clock>>;
template <class Quorum = strict_quorum>
using dvv_node = leaderless_node<replicator<leaderless<n<3>, w<2>, r<2>, Quorum>, keep_siblings, dotted_version_vector>>;

template <class Node>
sim::cluster<Node> make_cluster(typename Node::config cfg, std::uint64_t seed) {
  return test::leaderless_cluster<Node>(cfg, seed);
}
template <class Node>
typename Node::config nodes(std::size_t count) {
  typename Node::config cfg;
  cfg.nodes = count;
  return cfg;
}
using test::last;
using test::walk;

/// A write reaches only `ids[0]` (its replicas are cut off from it) and stays incomplete; a read
/// coordinated by `ids[0]` with `ids[1]` reachable returns it; then a read coordinated by
/// `ids[1]` among `ids[1]` and `ids[2]`. Returns the two reads' values.
template <class Node>
std::pair<std::optional<value_type>, std::optional<value_type>> read_after_read(std::uint64_t seed) {
  auto c = make_cluster<Node>(nodes<Node>(3), seed);
  const auto ids = walk(c, 7);
  c.net().isolate(ids[0]);
  c.invoke(ids[0], {op_kind::write, 7, 42});  // stored on ids[0] only: W = 2 not met (yet)
  c.run_for(20ms);
  c.net().set_connected(ids[0], ids[1], true);
  c.invoke(ids[0], {op_kind::read, 7});  // R = 2 from ids[0] (has it) and ids[1] (has not)
  c.run_for(30ms);
  REQUIRE(last(c).type == check::event_type::ok);
  const auto first = last(c).value;
  c.net().set_connected(ids[0], ids[1], false);  // ids[0] drops out again before the repair is sent
  c.invoke(ids[1], {op_kind::read, 7});         // R = 2 from ids[1] and ids[2]
  c.run_for(30ms);
  REQUIRE(last(c).type == check::event_type::ok);
  return {first, last(c).value};
}
}  // namespace

TEST_CASE("read repair: asynchronous lets a later quorum read go back in time, blocking does not",
          "[leaderless][read_repair]") {
  for (std::uint64_t seed : test::seeds(3)) {
    INFO("seed " << seed);
    // Asynchronous: the first read returns the incomplete write; its repair waits for the third
    // replica (never answers), so the second quorum read, W + R > N notwithstanding, is older.
    const auto [a1, a2] = read_after_read<lww_node<async_read_repair>>(seed);
    CHECK(a1 == std::optional<value_type>{42});
    CHECK_FALSE(a2.has_value());  // the anomaly: a read after a read that saw 42 does not (shown)
    // Blocking: the first read answers only after ids[1] acknowledged the repair.
    const auto [b1, b2] = read_after_read<lww_node<blocking_read_repair>>(seed);
    CHECK(b1 == std::optional<value_type>{42});
    CHECK(b2 == std::optional<value_type>{42});
  }
}

TEST_CASE("read repair: a blocking repair that cannot be acknowledged fails the read", "[leaderless][read_repair]") {
  using node = lww_node<blocking_read_repair>;
  auto c = make_cluster<node>(nodes<node>(3), 4);
  const auto ids = walk(c, 7);
  c.net().isolate(ids[0]);
  c.invoke(ids[0], {op_kind::write, 7, 42});
  c.run_for(20ms);
  c.net().set_connected(ids[0], ids[1], true);
  c.invoke(ids[0], {op_kind::read, 7});
  // As soon as the repair is on its way to ids[1], the link drops it.
  const bool repairing = c.run_until(
      [](const auto& cl) {
        return std::any_of(cl.events().begin(), cl.events().end(),
                           [](const auto& e) { return e.event.what == leaderless_event::kind::read_repair; });
      },
      c.now() + duration{100ms}.count());
  REQUIRE(repairing);
  c.net().set_connected(ids[0], ids[1], false);
  c.run_for(1s);
  CHECK(last(c).type == check::event_type::info);  // not acknowledged by the deadline: unknown, no value
  CHECK(c.node(ids[1])->values(7).empty());
}

TEST_CASE("read repair: blocking repair answers at once when the quorum agrees", "[leaderless][read_repair]") {
  using node = lww_node<blocking_read_repair>;
  auto c = make_cluster<node>(nodes<node>(3), 5);
  const auto ids = walk(c, 7);
  c.invoke(ids[0], {op_kind::write, 7, 1});
  c.run_for(50ms);
  const std::size_t before = c.events().size();
  c.invoke(ids[1], {op_kind::read, 7});
  c.run_for(50ms);
  CHECK(last(c).value == std::optional<value_type>{1});
  for (std::size_t i = before; i < c.events().size(); ++i) CHECK(c.events()[i].event.what != leaderless_event::kind::read_repair);
}

TEST_CASE("primary-only quorums: PW counts only the key's own replicas, fallback acks do not", "[leaderless][sloppy][primary]") {
  using node = lww_node<async_read_repair, sloppy_quorum>;
  for (std::size_t pw : {std::size_t{0}, std::size_t{1}, std::size_t{2}}) {
    INFO("PW " << pw);
    auto cfg = nodes<node>(5);
    cfg.primary_writes = pw;
    auto c = make_cluster<node>(cfg, 11);
    const auto ids = walk(c, 9);
    c.crash(ids[1]);
    c.crash(ids[2]);
    c.invoke(ids[0], {op_kind::write, 9, 5}, 2s);
    c.run_for(700ms);
    if (pw <= 1) {
      CHECK(last(c).type == check::event_type::ok);  // ids[0] and a fallback: W = 2
    } else {
      CHECK(last(c).type == check::event_type::info);  // one primary only: unknown (stored on a fallback)
    }
  }
}

TEST_CASE("primary-only quorums: PR needs replies from that many of the key's replicas", "[leaderless][primary]") {
  using node = lww_node<async_read_repair>;
  auto cfg = nodes<node>(3);
  cfg.primary_reads = 3;
  auto c = make_cluster<node>(cfg, 12);
  const auto ids = walk(c, 9);
  c.invoke(ids[0], {op_kind::write, 9, 5});
  c.run_for(50ms);
  c.invoke(ids[0], {op_kind::read, 9});
  c.run_for(50ms);
  CHECK(last(c).value == std::optional<value_type>{5});
  c.crash(ids[2]);
  c.invoke(ids[0], {op_kind::read, 9});
  c.run_for(700ms);
  CHECK(last(c).type == check::event_type::info);  // R = 2 answered, PR = 3 not: times out, unknown
}

TEST_CASE("primary-only quorums and configurations out of range are refused", "[leaderless][primary][bad_input]") {
  using node = lww_node<async_read_repair>;
  auto cfg = nodes<node>(3);
  CHECK(node::validate(cfg).ok());
  cfg.primary_writes = 4;
  CHECK(node::validate(cfg).err().code == errc::out_of_range);
  // The simulator refuses to start it (no replica runs, and it says why)...
  auto c = make_cluster<node>(cfg, 1);
  CHECK(c.config_status().code() == errc::out_of_range);
  CHECK(!c.up(replica_id{0}));
  // ...and a node made with it anyway refuses each write at once, and stores nothing.
  node made{replica_id{0}, cfg, {}};
  made.submit(client_request<kv_op>{client_id{1}, request_id{1}, {op_kind::write, 9, 5}}, local_time{});
  REQUIRE(made.effects().replies.size() == 1);
  CHECK(made.effects().replies[0].status == reply_status::fail);
  CHECK(made.effects().replies[0].error == errc::out_of_range);
  CHECK(made.values(9).empty());
  auto bad = nodes<node>(3);
  bad.storage_nodes = 4;
  CHECK(node::validate(bad).err().code == errc::out_of_range);
  bad = nodes<node>(0);
  CHECK_FALSE(node::validate(bad).ok());
  bad = nodes<node>(3);
  bad.datacenters = {0, 1, 16};
  CHECK_FALSE(node::validate(bad).ok());
}

TEST_CASE("per-bucket quorums: configured W and R must keep the overlap that strong_reads promised", "[leaderless][bad_input]") {
  using strong = leaderless_node<replicator<leaderless<n<3>, w<2>, r<2>>, last_write_wins, hybrid_logical_clock, strong_reads>>;
  auto cfg = nodes<strong>(3);
  cfg.write_quorum = 3;
  CHECK(strong::validate(cfg).ok());  // 3 + 2 > 3
  cfg.write_quorum = 1;
  CHECK(strong::validate(cfg).err().code == errc::out_of_range);  // 1 + 2 <= 3: not what was promised
  auto c = make_cluster<strong>(cfg, 1);
  CHECK(c.config_status().code() == errc::out_of_range);  // the simulator starts no replica
  strong made{replica_id{0}, cfg, {}};  // one made anyway refuses every request
  made.submit(client_request<kv_op>{client_id{1}, request_id{1}, {op_kind::write, 9, 5}}, local_time{});
  REQUIRE(made.effects().replies.size() == 1);
  CHECK(made.effects().replies[0].status == reply_status::fail);
  CHECK(made.applied_writes().empty());
  using eventual = lww_node<async_read_repair>;
  auto loose = nodes<eventual>(3);
  loose.write_quorum = loose.read_quorum = 1;
  CHECK(eventual::validate(loose).ok());  // nothing promised: R = W = 1 is a choice
}

TEST_CASE("per-request levels: under strong_reads, a level that breaks the overlap is refused when it arrives", "[leaderless][bad_input]") {
  using strong = leaderless_node<replicator<leaderless<n<3>, w<2>, r<2>>, last_write_wins, hybrid_logical_clock, strong_reads>>;
  auto c = make_cluster<strong>(nodes<strong>(3), 1);
  const replica_id a{0};
  auto ask = [&](kv_op op, consistency_level l) -> const check::event& {
    c.invoke(a, op, 1s, std::nullopt, {}, l);
    c.run_for(30ms);
    return last(c);
  };
  CHECK(ask({op_kind::write, 9, 5}, consistency_level::one).type == check::event_type::fail);  // 1 + R 2 <= 3
  CHECK(c.node(a)->applied_writes().empty());  // refused before anything was stored
  CHECK(ask({op_kind::write, 9, 6}, consistency_level::all).type == check::event_type::ok);    // 3 + 2 > 3
  CHECK(ask({op_kind::read, 9}, consistency_level::one).type == check::event_type::fail);      // 1 + W 2 <= 3
  const auto& read = ask({op_kind::read, 9}, consistency_level::two);                          // 2 + 2 > 3
  REQUIRE(read.type == check::event_type::ok);
  CHECK(read.value == std::optional<value_type>{6});
  // Without the promise a level is the client's choice.
  using eventual = lww_node<async_read_repair>;
  auto e = make_cluster<eventual>(nodes<eventual>(3), 1);
  e.invoke(a, {op_kind::write, 9, 5}, 1s, std::nullopt, {}, consistency_level::one);
  e.run_for(30ms);
  CHECK(last(e).type == check::event_type::ok);
}

TEMPLATE_TEST_CASE("client-side coordinator: owns no keys, coordinates reads and writes at the quorum",
                   "[leaderless][coordinator]", lww_node<async_read_repair>, dvv_node<>) {
  using node = TestType;
  auto cfg = nodes<node>(4);
  cfg.storage_nodes = 3;  // node 3 is the client's coordinator
  auto c = make_cluster<node>(cfg, 3);
  const replica_id client{3};
  for (key_type k = 0; k < 20; ++k) {
    const auto ids = walk(c, k, client);
    REQUIRE(ids.size() == 3);
    CHECK(std::find(ids.begin(), ids.end(), client) == ids.end());
    c.invoke(client, {op_kind::write, k, static_cast<value_type>(k + 100)});
  }
  c.run_for(100ms);
  for (key_type k = 0; k < 20; ++k) c.invoke(client, {op_kind::read, k});
  c.run_for(100ms);
  std::size_t ok = 0;
  for (const auto& e : c.history())
    if (e.type == check::event_type::ok && e.f == op_kind::read) {
      ++ok;
      CHECK(e.value == std::optional<value_type>{static_cast<value_type>(e.key + 100)});
    }
  CHECK(ok == 20);
  CHECK(c.node(client)->applied_writes().empty());  // it stores nothing
  for (std::uint32_t i = 0; i < 3; ++i) CHECK_FALSE(c.node(replica_id{i})->applied_writes().empty());
}

TEST_CASE("request table: lookup by id, oldest first, slots reused", "[leaderless][coordination]") {
  request_table<int> t;
  for (std::uint64_t id = 1; id <= 5; ++id) t.add(id) = static_cast<int>(10 * id);
  REQUIRE(t.size() == 5);
  REQUIRE(t.find(3) != nullptr);
  CHECK(*t.find(3) == 30);
  CHECK(t.find(6) == nullptr);  // never added
  int* third = t.find(3);
  t.drop(3);
  CHECK(t.find(3) == nullptr);  // answered: a late acknowledgement finds nothing
  t.drop(3);                    // and dropping it again changes nothing
  CHECK(t.size() == 4);
  const std::size_t cap = t.capacity();
  CHECK(&t.add(3 + cap) == third);  // the freed slot is reused (its old contents are the caller's to overwrite)
  *t.find(3 + cap) = 70;
  CHECK(t.capacity() == cap);
  std::vector<std::uint64_t> order;
  for (std::uint64_t id : t.oldest_first()) order.push_back(id);
  CHECK(order == std::vector<std::uint64_t>{1, 2, 4, 5, 3 + cap});  // oldest first, as a timeout sweep answers
  // An id whose slot an older request in flight holds: the table grows, every request keeps
  // its id and contents.
  t.add(1 + cap) = 80;
  CHECK(t.capacity() > cap);
  CHECK(*t.find(1) == 10);
  CHECK(*t.find(1 + cap) == 80);
  CHECK(*t.find(3 + cap) == 70);
  CHECK(t.size() == 6);
  // One in flight gets its own slot back.
  CHECK(&t.add(5) == t.find(5));
  CHECK(t.size() == 6);
  order.clear();
  for (std::uint64_t id : t.oldest_first()) {
    order.push_back(id);
    t.drop(id);  // (dropping while iterating the snapshot is fine)
  }
  CHECK(order == std::vector<std::uint64_t>{1, 2, 4, 5, 1 + cap, 3 + cap});
  CHECK(t.empty());
  for (std::uint64_t id = 0; id < 2 * t.capacity(); ++id) CHECK(t.find(id) == nullptr);  // (no id reads a free slot's mark)
}

TEST_CASE("request table: behaves as a map from id to request, whatever the ids", "[leaderless][coordination][laws]") {
  // Random adds (mostly the next id, sometimes an old or a far one), finds and drops, checked
  // after every step against std::map: what is in flight, its contents, the oldest-first order.
  rc::prop("request_table matches std::map", [] {
    request_table<std::uint64_t> t;
    std::map<std::uint64_t, std::uint64_t> model;
    std::uint64_t next = *rc::gen::inRange<std::uint64_t>(0, 1000);
    const auto steps = *rc::gen::inRange(1, 300);
    for (int i = 0; i < steps; ++i) {
      const int what = *rc::gen::inRange(0, 10);
      // An id: the next one, one in flight, or any small one (absent, or dropped earlier).
      std::uint64_t id = next;
      if (what >= 6 && !model.empty()) {
        auto it = model.begin();
        std::advance(it, *rc::gen::inRange<std::size_t>(0, model.size()));
        id = it->first;
      } else if (what == 5) {
        id = *rc::gen::inRange<std::uint64_t>(0, next + 64);
      }
      if (what < 6) {  // add (an id in flight gets its own slot back, contents kept)
        const bool held = model.count(id) > 0;
        std::uint64_t& v = t.add(id);
        if (held) RC_ASSERT(v == model[id]);
        v = model[id] = *rc::gen::arbitrary<std::uint64_t>();
        if (id == next) ++next;
      } else if (what < 8) {
        t.drop(id);
        model.erase(id);
      } else {
        const std::uint64_t* found = t.find(id);
        RC_ASSERT((found != nullptr) == (model.count(id) > 0));
      }
      RC_ASSERT(t.size() == model.size());
      std::vector<std::uint64_t> ids;
      for (std::uint64_t x : t.oldest_first()) {
        ids.push_back(x);
        RC_ASSERT(t.find(x) != nullptr);
        RC_ASSERT(*t.find(x) == model.at(x));
      }
      std::vector<std::uint64_t> expected;
      for (const auto& [x, v] : model) expected.push_back(x);
      RC_ASSERT(ids == expected);
    }
  });
}

TEST_CASE("request table: a steady stream of requests settles and allocates no more", "[leaderless][coordination]") {
  request_table<int> t;
  // Up to 20 in flight at once, each answered 20 requests after it started.
  for (std::uint64_t id = 1; id <= 1000; ++id) {
    t.add(id) = static_cast<int>(id);
    if (id > 20) {
      REQUIRE(t.find(id - 20) != nullptr);
      CHECK(*t.find(id - 20) == static_cast<int>(id - 20));
      t.drop(id - 20);
    }
  }
  CHECK(t.size() == 20);
  CHECK(t.capacity() == 32);  // the next power of two above the most in flight
  // Ids in flight too far apart for any table size are refused; the table is as it was.
  CHECK_THROWS_AS(t.add(1000 + (std::uint64_t{1} << 40)), std::length_error);
  CHECK(t.size() == 20);
  CHECK(t.capacity() == 32);
  CHECK(*t.find(1000) == 1000);
}
