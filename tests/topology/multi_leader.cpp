// Multi-leader topology: local acknowledgement, propagation over all-to-all, star and ring,
// commit modes that wait for other leaders, at-least-once delivery with deduplication, and
// bad input refused with no state change.
#include "../support/multi_leader.hpp"

#include <replica/core/fields.hpp>
#include <replica/crdt/or_set.hpp>
#include <replica/io/codec.hpp>
#include <replica/crdt/pn_counter.hpp>
#include <replica/resolve/crdt_merge.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

using namespace replica;
using namespace std::chrono_literals;
using test::make_leaders;
using test::read_at;
using test::run_op;

namespace {
using lww_regions = replicator<multi_leader, last_write_wins, hybrid_logical_clock>;
using lww_node = multi_leader_node<lww_regions>;
using crdt_regions = replicator<multi_leader, crdt_merge>;
using counter_node = multi_leader_node<crdt_regions, pn_counter>;
template <class Commit>
using waiting_node = multi_leader_node<replicator<multi_leader, last_write_wins, hybrid_logical_clock, Commit>>;
const replica_id n0{0}, n1{1}, n2{2}, n3{3};
using ev = multi_leader_event::kind;
}  // namespace

TEST_CASE("multi_leader: the default commit mode is asynchronous, and strong reads are refused at compile time", "[multi_leader]") {
  STATIC_REQUIRE(std::is_same_v<lww_regions::commit_mode, asynchronous>);
  STATIC_REQUIRE(std::is_same_v<replicator<leader_based>::commit_mode, majority>);
  STATIC_REQUIRE(sim::simulated_node<lww_node>);
  STATIC_REQUIRE(sim::simulated_node<counter_node>);
}

TEST_CASE("multi_leader: a write is acknowledged locally, before any other leader has it", "[multi_leader]") {
  auto c = make_leaders<lww_node>(3, 1);
  c.net().isolate(n0);
  const auto w = run_op(c, n0, {op_kind::write, 1, 10});
  CHECK(w.type == check::event_type::ok);  // no other leader reachable: still acknowledged
  CHECK(read_at(c, n0, 1).first == std::vector<value_type>{10});
  CHECK(read_at(c, n1, 1).first.empty());  // the other leaders have not seen it
  c.net().heal();
  c.run_for(100ms);
  CHECK(read_at(c, n1, 1).first == std::vector<value_type>{10});
  CHECK(read_at(c, n2, 1).first == std::vector<value_type>{10});
  CHECK(c.converged());
}

TEST_CASE("multi_leader: every propagation topology delivers every change to every leader", "[multi_leader]") {
  for (auto topo : {propagation_topology::all_to_all, propagation_topology::star, propagation_topology::ring}) {
    INFO("topology " << to_string(topo));
    counter_node::config cfg;
    cfg.topology = topo;
    auto c = make_leaders<counter_node>(4, 3, cfg);
    for (std::uint32_t i = 0; i < 4; ++i) CHECK(run_op(c, replica_id{i}, {op_kind::add, 5, i + 1}).type == check::event_type::ok);
    c.run_for(200ms);
    for (std::uint32_t i = 0; i < 4; ++i) CHECK(read_at(c, replica_id{i}, 5).first == std::vector<value_type>{10});
    CHECK(c.converged());
    for (std::uint32_t i = 0; i < 4; ++i) CHECK(c.node(replica_id{i})->log_size() == 0);  // all acknowledged, log trimmed
  }
}

TEST_CASE("multi_leader: the digest covers the replicated state, so counters that read alike but differ inside have not converged",
          "[multi_leader]") {
  auto c = make_leaders<counter_node>(2, 3);
  REQUIRE(run_op(c, n0, {op_kind::add, 5, 1}).type == check::event_type::ok);
  c.run_for(100ms);
  REQUIRE(read_at(c, n1, 5).first == std::vector<value_type>{1});
  REQUIRE(c.converged());
  c.net().isolate(n1);
  REQUIRE(run_op(c, n0, {op_kind::add, 5, 2}).type == check::event_type::ok);
  REQUIRE(run_op(c, n0, {op_kind::add, 5, -2}).type == check::event_type::ok);
  c.run_for(100ms);
  // Both read 1; n0's counter holds +3 and -2, n1's +1. Hashing reads said "converged".
  REQUIRE(read_at(c, n0, 5).first == std::vector<value_type>{1});
  REQUIRE(read_at(c, n1, 5).first == std::vector<value_type>{1});
  CHECK_FALSE(c.converged());
  c.net().heal();
  c.run_for(200ms);
  CHECK(c.converged());
}

TEST_CASE("multi_leader: a failed ring member stops propagation past it, a failed hub stops the star", "[multi_leader]") {
  SECTION("ring") {
    counter_node::config cfg;
    cfg.topology = propagation_topology::ring;  // 0 -> 1 -> 2 -> 3 -> 0
    auto c = make_leaders<counter_node>(4, 5, cfg);
    c.crash(n1);
    CHECK(run_op(c, n0, {op_kind::add, 1, 7}).type == check::event_type::ok);
    c.run_for(300ms);
    CHECK(read_at(c, n2, 1).first.empty());  // behind the failed node
    CHECK(read_at(c, n3, 1).first.empty());
    c.restart(n1);
    c.run_for(300ms);
    CHECK(read_at(c, n3, 1).first == std::vector<value_type>{7});
  }
  SECTION("star") {
    counter_node::config cfg;
    cfg.topology = propagation_topology::star;
    auto c = make_leaders<counter_node>(3, 5, cfg);
    c.crash(n0);  // the hub
    CHECK(run_op(c, n1, {op_kind::add, 1, 7}).type == check::event_type::ok);
    c.run_for(300ms);
    CHECK(read_at(c, n2, 1).first.empty());
    c.restart(n0);
    c.run_for(300ms);
    CHECK(read_at(c, n2, 1).first == std::vector<value_type>{7});
  }
  SECTION("all to all: a failed leader blocks only its own changes") {
    auto c = make_leaders<counter_node>(3, 5);
    c.crash(n0);
    CHECK(run_op(c, n1, {op_kind::add, 1, 7}).type == check::event_type::ok);
    c.run_for(100ms);
    CHECK(read_at(c, n2, 1).first == std::vector<value_type>{7});
  }
}

TEST_CASE("multi_leader: semi_synchronous<1> and synchronous wait for other leaders, unknown when they cannot", "[multi_leader]") {
  SECTION("semi_synchronous<1>: one other leader") {
    auto c = make_leaders<waiting_node<semi_synchronous<1>>>(3, 7);
    c.net().isolate(n2);
    CHECK(run_op(c, n0, {op_kind::write, 1, 1}).type == check::event_type::ok);
    c.net().isolate(n0);
    const auto w = run_op(c, n0, {op_kind::write, 1, 2});
    CHECK(w.type == check::event_type::info);  // applied at n0, not confirmed by anyone: unknown
    CHECK(read_at(c, n0, 1).first == std::vector<value_type>{2});  // and never undone
    c.net().heal();
    c.run_for(200ms);
    CHECK(read_at(c, n2, 1).first == std::vector<value_type>{2});
  }
  SECTION("synchronous: every other leader") {
    auto c = make_leaders<waiting_node<synchronous>>(3, 7);
    CHECK(run_op(c, n0, {op_kind::write, 1, 1}).type == check::event_type::ok);
    CHECK(read_at(c, n1, 1).first == std::vector<value_type>{1});  // acknowledged: every leader has it
    CHECK(read_at(c, n2, 1).first == std::vector<value_type>{1});
    c.crash(n2);
    CHECK(run_op(c, n0, {op_kind::write, 1, 2}).type == check::event_type::info);
  }
  SECTION("ring: relayed changes are acknowledged to their origin too") {
    typename waiting_node<synchronous>::config cfg;
    cfg.topology = propagation_topology::ring;
    auto c = make_leaders<waiting_node<synchronous>>(4, 7, cfg);
    CHECK(run_op(c, n0, {op_kind::write, 1, 1}).type == check::event_type::ok);
    CHECK(read_at(c, n3, 1).first == std::vector<value_type>{1});
  }
  SECTION("a mode that needs more leaders than exist fails at once") {
    auto c = make_leaders<waiting_node<semi_synchronous<2>>>(2, 7);
    CHECK(run_op(c, n0, {op_kind::write, 1, 1}).type == check::event_type::fail);
    CHECK(c.node(n0)->read(1).empty());
  }
}

TEST_CASE("multi_leader: duplicated, reordered and replayed messages do no harm (C3)", "[multi_leader]") {
  for (std::uint64_t seed : test::seeds(5)) {
    INFO("seed " << seed);
    auto c = make_leaders<counter_node>(3, seed);
    sim::link_config l;
    l.latency = sim::uniform_latency{1ms, 30ms};
    l.duplicate = 0.5;
    l.reorder = 0.3;
    l.loss = 0.1;
    c.net().set_all_links(l);
    value_type expected = 0;
    for (int i = 0; i < 30; ++i) {
      const value_type amount = (i % 3 == 0) ? -2 : 3;
      if (run_op(c, replica_id{static_cast<std::uint32_t>(i % 3)}, {op_kind::add, 1, amount}).type == check::event_type::ok)
        expected += amount;
    }
    c.net().set_all_links(sim::link_config{});
    c.run_for(500ms);
    CHECK(c.converged());
    for (std::uint32_t i = 0; i < 3; ++i) CHECK(c.node(replica_id{i})->read(1) == std::vector<value_type>{expected});
    CHECK(test::count_events(c, ev::duplicate) > 0);  // duplicates did arrive, and were ignored
  }
}

TEST_CASE("multi_leader: bad input is refused with an error and no state change", "[multi_leader]") {
  counter_node::config cfg;
  cfg.nodes = 3;
  counter_node n{n0, cfg, {}};
  pn_counter at1;
  auto good = at1.add(n1, 5);
  auto make = [&](replica_id origin, std::uint64_t seq, pn_counter delta, group_id g = {}, replica_id from = n1) {
    counter_node::change ch{origin, seq, 1, std::move(delta), {}};
    return envelope<counter_node::message>{from, n0, g, term{0}, counter_node::message{counter_node::ship{{ch}}}};
  };
  const auto before = n.digest();
  SECTION("a delta from an unknown origin") {
    pn_counter at9;
    auto s = n.step(make(replica_id{9}, 1, at9.add(replica_id{9}, 1)), {});
    REQUIRE_FALSE(s.ok());
    CHECK(s.err().code == errc::unknown_replica);
  }
  SECTION("a delta its origin could not have made (a malformed state)") {
    auto s = n.step(make(n1, 1, pn_counter{}.add(n2, 3)), {});
    REQUIRE_FALSE(s.ok());
    CHECK(s.err().code == errc::malformed);
  }
  SECTION("sequence number 0") {
    auto s = n.step(make(n1, 0, good), {});
    REQUIRE_FALSE(s.ok());
    CHECK(s.err().code == errc::malformed);
  }
  SECTION("a message for another group") {
    auto s = n.step(make(n1, 1, good, group_id{4}), {});
    REQUIRE_FALSE(s.ok());
    CHECK(s.err().code == errc::wrong_group);
  }
  SECTION("a sender outside the cluster") {
    auto s = n.step(make(n1, 1, good, {}, replica_id{7}), {});
    REQUIRE_FALSE(s.ok());
    CHECK(s.err().code == errc::unknown_replica);
  }
  SECTION("a sequence number at 2^63") {
    auto s = n.step(make(n1, std::uint64_t{1} << 63, good), {});
    REQUIRE_FALSE(s.ok());
    CHECK(s.err().code == errc::out_of_range);
  }
  SECTION("dependencies on a replica outside the cluster (the change would be held for ever)") {
    counter_node::change ch{n1, 1, 1, good, version_vector<>{{replica_id{40}, 1}}};
    auto s = n.step({n1, n0, {}, term{0}, counter_node::message{counter_node::ship{{ch}}}}, {});
    REQUIRE_FALSE(s.ok());
    CHECK(s.err().code == errc::out_of_range);
  }
  SECTION("an acknowledgement naming a replica outside the cluster, or a counter at 2^64 - 1") {
    for (const auto& applied : {version_vector<>{{replica_id{40}, 1}}, version_vector<>{{n1, UINT64_MAX}}}) {
      auto s = n.step({n1, n0, {}, term{0}, counter_node::message{counter_node::ship_ack{applied}}}, {});
      REQUIRE_FALSE(s.ok());
      CHECK(s.err().code == errc::out_of_range);
    }
  }
  CHECK(n.digest() == before);
  CHECK(n.delivered().empty());
  CHECK(n.effects().empty());
  SECTION("an operation the data type does not have") {
    n.submit({client_id{1}, request_id{1}, {op_kind::write, 1, 4}}, {});
    REQUIRE(n.effects().replies.size() == 1);
    CHECK(n.effects().replies[0].error == errc::unsupported);
    CHECK(n.effects().persist.empty());
    CHECK(n.read(1).empty());
  }
}

TEST_CASE("multi_leader: a last-write-wins stamp no correct clock makes is refused, the key stays writable", "[multi_leader]") {
  lww_node::config cfg;
  cfg.nodes = 3;
  lww_node n{n0, cfg, {}};
  // A register written by replica 1 with a stamp at the logical counter's end: merged, it would
  // leave the key's register no room to advance, and every later write of the key would fail.
  // (No correct replica makes one: it is decoded from bytes, as a peer's message would be.)
  struct same_fields {
    hybrid_logical_clock version;
    std::optional<value_type> value;
    bool written = true;
    REPLICA_FIELDS(version, value, written);
  };
  auto far = io::decode<lww_node::data_type>(io::encode(same_fields{hybrid_logical_clock{0, UINT64_MAX, n1}, 5}));
  REQUIRE(far.ok());
  REQUIRE(far->version().logical() == UINT64_MAX);
  auto s = n.step({n1, n0, {}, term{0}, lww_node::message{lww_node::ship{{{n1, 1, 1, *far, {}}}}}}, {});
  REQUIRE_FALSE(s.ok());
  CHECK(s.err().code == errc::out_of_range);
  CHECK(n.read(1).empty());
  n.submit({client_id{1}, request_id{1}, {op_kind::write, 1, 3}}, {});
  REQUIRE(n.effects().replies.size() == 1);
  CHECK(n.effects().replies[0].status == reply_status::ok);
  CHECK(n.read(1) == std::vector<value_type>{3});  // (had the stamp been taken, this write would have lost to 5)
}

TEST_CASE("multi_leader: a sequence gap without causal delivery is applied, reported, and filled by a re-send", "[multi_leader]") {
  counter_node::config cfg;
  cfg.nodes = 2;
  counter_node n{n0, cfg, {}};
  pn_counter at1;
  auto d1 = at1.add(n1, 1);
  auto d2 = at1.add(n1, 2);
  auto ship = [&](std::uint64_t seq, const pn_counter& d) {
    return envelope<counter_node::message>{n1, n0, {}, term{0}, counter_node::message{counter_node::ship{{{n1, seq, 1, d, {}}}}}};
  };
  REQUIRE(n.step(ship(2, d2), {}).ok());  // the second change first
  CHECK(n.read(1) == std::vector<value_type>{3});  // a state delta carries the sum so far
  CHECK(n.effects().events.back().what == ev::gap);
  // The acknowledgement names only the contiguous prefix (nothing of n1): n1 will re-send 1.
  const auto& ack = std::get<counter_node::ship_ack>(n.effects().messages.back().payload);
  CHECK(ack.applied.counter(n1) == 0);
  n.effects().clear();
  REQUIRE(n.step(ship(1, d1), {}).ok());
  CHECK(n.read(1) == std::vector<value_type>{3});
  CHECK(std::get<counter_node::ship_ack>(n.effects().messages.back().payload).applied.counter(n1) == 2);
  n.effects().clear();
  REQUIRE(n.step(ship(2, d2), {}).ok());  // a replay
  CHECK(n.effects().events.back().what == ev::duplicate);
  CHECK(n.read(1) == std::vector<value_type>{3});
}

TEST_CASE("multi_leader: a restarted leader keeps its changes and its log, and goes on numbering", "[multi_leader]") {
  auto c = make_leaders<counter_node>(2, 9);
  c.net().isolate(n0);
  CHECK(run_op(c, n0, {op_kind::add, 1, 4}).type == check::event_type::ok);
  c.crash(n0);
  c.restart(n0);
  CHECK(c.node(n0)->log_size() == 1);
  CHECK(run_op(c, n0, {op_kind::add, 1, 1}).type == check::event_type::ok);
  c.net().heal();
  c.run_for(200ms);
  CHECK(read_at(c, n1, 1).first == std::vector<value_type>{5});
  CHECK(c.converged());
}

TEST_CASE("multi_leader: a write carrying an opaque body the data type cannot keep is refused, never acknowledged and "
          "dropped",
          "[multi_leader][bad_input]") {
  lww_node::config cfg;
  cfg.nodes = 2;
  lww_node n{n0, cfg, {}};
  const std::array<std::byte, 2> body{std::byte{7}, std::byte{8}};
  kv_op op{op_kind::write, 1, 4};
  op.data = payload::copy_of(body);
  n.submit({client_id{1}, request_id{1}, op}, {});
  REQUIRE(n.effects().replies.size() == 1);
  CHECK(n.effects().replies[0].status == reply_status::fail);
  CHECK(n.effects().replies[0].error == errc::unsupported);
  CHECK(n.effects().persist.empty());
  CHECK(n.effects().messages.empty());
  CHECK(n.read(1).empty());
}
