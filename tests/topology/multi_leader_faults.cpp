// FAULTS.md multi-leader rows (C1-C6) and B7 in multi-leader form, on the simulator, per
// resolver. Expected anomalies are asserted present: LWW loses acknowledged writes (and counts
// them), a counter in an LWW register loses increments, a reply is seen before its post
// without causal delivery, an op-based counter without deduplication double-counts.
#include "../support/multi_leader.hpp"

#include <replica/crdt/or_set.hpp>
#include <replica/crdt/pn_counter.hpp>
#include <replica/crdt/two_phase_set.hpp>
#include <replica/resolve/crdt_merge.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/resolve/merge_with.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>
#include <replica/versioning/physical_clock.hpp>

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <bit>
#include <set>

using namespace replica;
using namespace std::chrono_literals;
using test::make_leaders;
using test::read_at;
using test::run_op;

/// Not a CRDT: an operation-based counter whose "merge" adds. Correct only with exactly-once
/// delivery; used to show what duplicates do to it (C3).
struct op_counter {
  value_type total = 0;
  void merge(const op_counter& o) { total += o.total; }
  friend bool operator==(const op_counter&, const op_counter&) = default;
};
template <>
struct replica::kv_data<op_counter> {
  static result<op_counter> update(op_counter& s, const kv_op& op, const update_info&) {
    if (op.kind != op_kind::add) return error{errc::unsupported, "add only"};
    s.total += op.value;
    return op_counter{op.value};
  }
  static std::vector<value_type> read(const op_counter& s) { return {s.total}; }
};

namespace {
/// The union of two sets encoded as bitmasks (the Dynamo cart's merge, on up to 63 items).
struct bit_union {
  value_type operator()(value_type a, value_type b) const { return a | b; }
};

template <class V = hybrid_logical_clock>
using lww_node = multi_leader_node<replicator<multi_leader, last_write_wins, V>>;
using sibling_node = multi_leader_node<replicator<multi_leader, keep_siblings, dotted_version_vector>>;
using union_node = multi_leader_node<replicator<multi_leader, merge_with<bit_union>, dotted_version_vector>>;
template <class D>
using crdt_node = multi_leader_node<replicator<multi_leader, crdt_merge>, D>;

const replica_id n0{0}, n1{1}, n2{2};
using ev = multi_leader_event::kind;
using vals = std::vector<value_type>;

/// Invokes every op at once (concurrently), then runs until all have completed.
}  // namespace

TEST_CASE("C1: two leaders write one register during a partition, heal", "[multi_leader][faults]") {
  SECTION("LWW: one acknowledged write is lost (and counted); every leader keeps the same winner") {
    for (std::uint64_t seed : test::seeds(5)) {
      INFO("seed " << seed);
      auto c = make_leaders<lww_node<>>(3, seed);
      c.net().split({n0});
      const auto r = test::concurrently(c, {{n0, {op_kind::write, 1, 10}, {}}, {n1, {op_kind::write, 1, 20}, {}}});
      REQUIRE(r[0].type == check::event_type::ok);
      REQUIRE(r[1].type == check::event_type::ok);
      c.net().heal();
      c.run_for(200ms);
      REQUIRE(c.converged());
      const vals v = read_at(c, n2, 1).first;
      REQUIRE(v.size() == 1);
      CHECK((v[0] == 10 || v[0] == 20));
      CHECK(test::count_events(c, ev::discarded_write) == 1);  // exactly the loser, once
      CHECK(c.node(n0)->discarded_writes() + c.node(n1)->discarded_writes() == 1);
    }
  }
  SECTION("siblings: both are kept; a write with their context resolves them") {
    auto c = make_leaders<sibling_node>(3, 1);
    c.net().split({n0});
    test::concurrently(c, {{n0, {op_kind::write, 1, 10}, {}}, {n1, {op_kind::write, 1, 20}, {}}});
    c.net().heal();
    c.run_for(200ms);
    CHECK(c.converged());
    auto [v, ctx] = read_at(c, n2, 1);
    CHECK(v == vals{10, 20});
    CHECK(test::count_events(c, ev::siblings) > 0);
    CHECK(run_op(c, n2, {op_kind::write, 1, 30}, ctx).type == check::event_type::ok);
    c.run_for(200ms);
    CHECK(read_at(c, n0, 1).first == vals{30});
    CHECK(c.converged());
  }
  SECTION("merge function: the leaders converge on the merged value") {
    auto c = make_leaders<union_node>(3, 1);
    c.net().split({n0});
    test::concurrently(c, {{n0, {op_kind::write, 1, 0b01}, {}}, {n1, {op_kind::write, 1, 0b10}, {}}});
    c.net().heal();
    c.run_for(200ms);
    CHECK(c.converged());
    CHECK(read_at(c, n2, 1).first == vals{0b11});
  }
}

TEST_CASE("C2: increments at both leaders", "[multi_leader][faults]") {
  SECTION("a counter in an LWW register (read, add, write) loses increments") {
    auto c = make_leaders<lww_node<>>(2, 3);
    CHECK(run_op(c, n0, {op_kind::write, 1, 0}).type == check::event_type::ok);
    c.run_for(50ms);
    std::size_t acked = 0;
    for (int round = 0; round < 10; ++round) {
      const value_type a = read_at(c, n0, 1).first.at(0), b = read_at(c, n1, 1).first.at(0);
      for (const auto& e : test::concurrently(c, {{n0, {op_kind::write, 1, a + 1}, {}}, {n1, {op_kind::write, 1, b + 1}, {}}}))
        acked += e.type == check::event_type::ok;
      c.run_for(50ms);
    }
    CHECK(acked == 20);
    const value_type final_value = read_at(c, n0, 1).first.at(0);
    CHECK(final_value < 20);  // concurrent read-modify-writes overwrote each other
    CHECK(test::count_events(c, ev::discarded_write) >= 20 - static_cast<std::size_t>(final_value));
  }
  SECTION("a PN-counter reads the sum of the acknowledged increments") {
    for (std::uint64_t seed : test::seeds(5)) {
      INFO("seed " << seed);
      auto c = make_leaders<crdt_node<pn_counter>>(2, seed);
      value_type acked = 0;
      for (int round = 0; round < 10; ++round) {
        if (round == 3) c.net().split({n0});
        if (round == 7) c.net().heal();
        for (const auto& e : test::concurrently(c, {{n0, {op_kind::add, 1, 1}, {}}, {n1, {op_kind::add, 1, 1}, {}}}))
          acked += e.type == check::event_type::ok ? 1 : 0;
      }
      c.run_for(200ms);
      CHECK(acked == 20);
      CHECK(read_at(c, n0, 1).first == vals{acked});
      CHECK(c.converged());
    }
  }
}

TEST_CASE("C3: an op-based counter without deduplication double-counts, state merges do not", "[multi_leader][faults]") {
  auto run = [](auto node_tag, bool dedup) {
    using Node = typename decltype(node_tag)::type;
    typename Node::config cfg;
    cfg.deduplicate = dedup;
    auto c = make_leaders<Node>(2, 11, cfg);
    sim::link_config l;
    l.latency = sim::uniform_latency{1ms, 10ms};
    l.duplicate = 0.5;
    c.net().set_all_links(l);
    for (int i = 0; i < 20; ++i) REQUIRE(run_op(c, replica_id{static_cast<std::uint32_t>(i % 2)}, {op_kind::add, 1, 1}).type == check::event_type::ok);
    c.net().set_all_links(sim::link_config{});
    c.run_for(300ms);
    return std::pair{c.node(n0)->read(1).at(0), c.node(n1)->read(1).at(0)};
  };
  const auto op_based = run(std::type_identity<crdt_node<op_counter>>{}, false);
  CHECK((op_based.first > 20 || op_based.second > 20));  // duplicates applied twice
  const auto deduped = run(std::type_identity<crdt_node<op_counter>>{}, true);
  CHECK(deduped == std::pair<value_type, value_type>{20, 20});
  const auto state_based = run(std::type_identity<crdt_node<pn_counter>>{}, false);
  CHECK(state_based == std::pair<value_type, value_type>{20, 20});  // idempotent merges need no dedup
}

TEST_CASE("C4: a concurrent add and remove of one element", "[multi_leader][faults]") {
  auto scenario = [](auto node_tag, kv_op add, kv_op remove) {
    using Node = typename decltype(node_tag)::type;
    auto c = make_leaders<Node>(2, 13);
    REQUIRE(run_op(c, n0, add).type == check::event_type::ok);
    c.run_for(50ms);
    c.net().split({n0});
    test::concurrently(c, {{n0, remove, {}}, {n1, add, {}}});
    c.net().heal();
    c.run_for(200ms);
    REQUIRE(c.converged());
    return read_at(c, n0, 1).first;
  };
  SECTION("OR-Set: the add wins") {
    CHECK(scenario(std::type_identity<crdt_node<or_set<value_type>>>{}, {op_kind::add, 1, 5}, {op_kind::remove, 1, 5}) == vals{5});
  }
  SECTION("OR-Set, remove-wins: the remove wins") {
    CHECK(scenario(std::type_identity<crdt_node<or_set<value_type, set_bias::remove_wins>>>{}, {op_kind::add, 1, 5},
                   {op_kind::remove, 1, 5})
              .empty());
  }
  SECTION("2P-Set: removed, and the concurrent re-add cannot bring it back") {
    CHECK(scenario(std::type_identity<crdt_node<two_phase_set<value_type>>>{}, {op_kind::add, 1, 5}, {op_kind::remove, 1, 5}).empty());
  }
  SECTION("LWW register: the later timestamp wins") {
    auto c = make_leaders<lww_node<>>(2, 13);
    REQUIRE(run_op(c, n0, {op_kind::write, 1, 5}).type == check::event_type::ok);
    c.run_for(50ms);
    c.net().split({n0});
    c.clock(n0).set_offset(1s);  // n0's remove carries the later stamp
    test::concurrently(c, {{n0, {op_kind::remove, 1, 0}, {}}, {n1, {op_kind::write, 1, 5}, {}}});
    c.net().heal();
    c.run_for(200ms);
    CHECK(read_at(c, n1, 1).first.empty());
  }
}

TEST_CASE("C5: a reply arrives before the post it answers, causal delivery holds it", "[multi_leader][faults]") {
  for (bool causal : {false, true}) {
    INFO("causal delivery " << causal);
    crdt_node<or_set<value_type>>::config cfg;
    cfg.causal_delivery = causal;
    auto c = make_leaders<crdt_node<or_set<value_type>>>(3, 17, cfg);
    c.net().link(n0, n2).latency = sim::constant_latency{300ms};  // the post travels slowly to n2
    REQUIRE(run_op(c, n0, {op_kind::add, 1, 100}).type == check::event_type::ok);  // key 1: the post
    c.run_for(20ms);
    REQUIRE(read_at(c, n1, 1).first == vals{100});                                 // n1 sees it...
    REQUIRE(run_op(c, n1, {op_kind::add, 2, 200}).type == check::event_type::ok);  // ... and replies (key 2)
    c.run_for(50ms);
    const bool reply_seen = c.node(n2)->read(2) == vals{200};
    const bool post_seen = c.node(n2)->read(1) == vals{100};
    if (causal) {
      CHECK_FALSE(reply_seen);  // held until the post arrives
      CHECK(c.node(n2)->held() == 1);
      CHECK(test::count_events(c, ev::held) >= 1);
    } else {
      CHECK(reply_seen);  // the anomaly: the reply without its post
      CHECK_FALSE(post_seen);
    }
    c.run_for(400ms);
    CHECK(c.node(n2)->read(1) == vals{100});
    CHECK(c.node(n2)->read(2) == vals{200});
    CHECK(c.node(n2)->held() == 0);
  }
}

TEST_CASE("C6: the same value written concurrently at two sites", "[multi_leader][faults]") {
  auto scenario = [](auto node_tag) {
    using Node = typename decltype(node_tag)::type;
    auto c = make_leaders<Node>(2, 19);
    c.net().split({n0});
    test::concurrently(c, {{n0, {op_kind::write, 1, 7}, {}}, {n1, {op_kind::write, 1, 7}, {}}});
    c.net().heal();
    c.run_for(200ms);
    REQUIRE(c.converged());
    return read_at(c, n0, 1).first;
  };
  CHECK(scenario(std::type_identity<lww_node<>>{}) == vals{7});         // one survives
  CHECK(scenario(std::type_identity<sibling_node>{}) == vals{7, 7});    // an MV-register keeps two siblings
}

TEST_CASE("LWW on a physical clock: a skewed leader's stamps hide later writes, which are counted, an HLC keeps them", "[multi_leader][faults]") {
  auto scenario = [](auto node_tag) {
    using Node = typename decltype(node_tag)::type;
    auto c = make_leaders<Node>(2, 23);
    c.clock(n0).set_offset(10s);  // n0 runs 10 s fast
    REQUIRE(run_op(c, n0, {op_kind::write, 1, 1}).type == check::event_type::ok);
    c.run_for(50ms);
    REQUIRE(read_at(c, n1, 1).first == vals{1});
    std::size_t acked = 0;
    for (value_type v = 2; v <= 6; ++v) acked += run_op(c, n1, {op_kind::write, 1, v}).type == check::event_type::ok;  // later writes, after seeing 1
    c.run_for(100ms);
    REQUIRE(acked == 5);
    return std::pair{read_at(c, n0, 1).first, test::count_events(c, ev::discarded_write)};
  };
  const auto [physical, physical_lost] = scenario(std::type_identity<lww_node<physical_clock>>{});
  CHECK(physical == vals{1});   // every later write is hidden behind the fast stamp
  CHECK(physical_lost == 5);    // and each is counted
  const auto [hlc, hlc_lost] = scenario(std::type_identity<lww_node<hybrid_logical_clock>>{});
  CHECK(hlc == vals{6});
  CHECK(hlc_lost == 0);
}

namespace {
/// B7 in multi-leader form: clients at three leaders read a set, add their own element and
/// write back, under random partitions between the leaders; heal; how many acknowledged adds
/// are missing from the final set. `rmw`: read-modify-write of a bitmask register (LWW,
/// siblings unioned by the client, merge function); otherwise an OR-Set add.
template <class Node>
std::pair<std::size_t, std::size_t> set_experiment(std::uint64_t seed, bool rmw) {
  auto c = make_leaders<Node>(3, seed);
  sim::rng g{seed};
  std::set<value_type> acked;
  value_type next = 0;
  for (int round = 0; round < 10; ++round) {
    switch (g.below(3)) {
      case 0: c.net().heal(); break;
      case 1: c.net().split({replica_id{static_cast<std::uint32_t>(g.below(3))}}); break;
      default: c.net().isolate(replica_id{static_cast<std::uint32_t>(g.below(3))}); break;
    }
    std::vector<std::tuple<replica_id, kv_op, payload>> writes;
    std::vector<value_type> items;
    for (std::uint32_t client = 0; client < 6; ++client) {
      const replica_id at{client % 3};
      const value_type item = next++;
      items.push_back(item);
      if (!rmw) {
        writes.emplace_back(at, kv_op{op_kind::add, 1, item}, payload{});
        continue;
      }
      auto [vs, ctx] = read_at(c, at, 1);
      value_type set = 0;
      for (value_type v : vs) set |= v;  // siblings: the client takes their union
      writes.emplace_back(at, kv_op{op_kind::write, 1, set | (value_type{1} << item)}, ctx);
    }
    const auto r = test::concurrently(c, writes);
    for (std::size_t i = 0; i < r.size(); ++i)
      if (r[i].type == check::event_type::ok) acked.insert(items[i]);
  }
  c.net().heal();
  c.run_for(300ms);
  REQUIRE(c.converged());
  std::set<value_type> final_items;
  for (value_type v : read_at(c, n0, 1).first) {
    if (!rmw) {
      final_items.insert(v);
      continue;
    }
    for (value_type i = 0; i < 63; ++i)
      if (v & (value_type{1} << i)) final_items.insert(i);
  }
  std::size_t lost = 0;
  for (value_type a : acked) lost += final_items.count(a) == 0;
  return {acked.size(), lost};
}
}  // namespace

TEST_CASE("B7 (multi-leader): LWW loses many acknowledged adds, siblings with a union and the OR-Set lose none", "[multi_leader][faults]") {
  for (std::uint64_t seed : test::seeds(3)) {
    INFO("seed " << seed);
    const auto [lww_acked, lww_lost] = set_experiment<lww_node<>>(seed, true);
    CHECK(lww_acked == 60);
    CHECK(lww_lost >= 20);  // most rounds' concurrent writes overwrite each other
    const auto [sib_acked, sib_lost] = set_experiment<sibling_node>(seed, true);
    CHECK(sib_acked == 60);
    CHECK(sib_lost == 0);
    const auto [union_acked, union_lost] = set_experiment<union_node>(seed, true);
    CHECK(union_lost == 0);
    CHECK(union_acked == 60);
    const auto [or_acked, or_lost] = set_experiment<crdt_node<or_set<value_type>>>(seed, false);
    CHECK(or_acked == 60);
    CHECK(or_lost == 0);
  }
}

namespace {
/// The changes three leaders make under `ops` (kind, leader, value), collected from their outboxes.
template <class Node>
std::vector<typename Node::change> changes_of(const std::vector<std::tuple<std::uint8_t, std::uint8_t, std::int8_t>>& ops) {
  typename Node::config cfg;
  cfg.nodes = 3;
  std::vector<Node> nodes;
  for (std::uint32_t i = 0; i < 3; ++i) nodes.emplace_back(replica_id{i}, cfg, typename Node::durable_state{});
  std::vector<typename Node::change> out;
  std::uint64_t id = 1;
  std::int64_t now = 1000;
  for (const auto& [kind, at, v] : ops) {
    Node& n = nodes[at % 3];
    kv_op op{op_kind::add, static_cast<key_type>(v & 1), v};
    if constexpr (requires { typename Node::data_type::base; } || Node::lww) op.kind = kind % 3 == 0 ? op_kind::remove : op_kind::write;
    else if (kind % 3 == 0) op.kind = op_kind::remove;
    n.submit({client_id{0}, request_id{id++}, op}, local_time{duration{now += 7}});
    for (auto& m : n.effects().messages) {
      auto& s = std::get<typename Node::ship>(m.payload);
      for (auto& ch : s.changes) {
        out.push_back(ch);
        for (auto& other : nodes)  // the other leaders hear of it (so later changes depend on it)
          if (&other != &n && (v & 2)) (void)other.step({m.from, replica_id{static_cast<std::uint32_t>(&other - nodes.data())}, {}, term{0}, typename Node::message{typename Node::ship{{ch}}}}, local_time{duration{now}});
      }
    }
    for (auto& other : nodes) other.effects().clear();
  }
  return out;
}
}  // namespace

TEMPLATE_TEST_CASE("convergence: any delivery order of the same changes, with duplicates, gives the same state", "[multi_leader][laws]",
                   crdt_node<pn_counter>, crdt_node<or_set<value_type>>, sibling_node, lww_node<>) {
  rc::prop("permutation", [](const std::vector<std::tuple<std::uint8_t, std::uint8_t, std::int8_t>>& ops,
                             const std::vector<std::uint16_t>& order) {
    const auto changes = changes_of<TestType>(ops);
    typename TestType::config cfg;
    cfg.nodes = 3;
    auto deliver = [&](const std::vector<std::size_t>& idx) {
      TestType n{replica_id{2}, cfg, {}};
      for (std::size_t i : idx) {
        const auto& ch = changes[i];
        const replica_id from = ch.origin == replica_id{2} ? replica_id{0} : ch.origin;
        RC_ASSERT(n.step({from, replica_id{2}, {}, term{0}, typename TestType::message{typename TestType::ship{{ch}}}}, {}).ok());
      }
      return n.digest();
    };
    std::vector<std::size_t> in_order(changes.size());
    for (std::size_t i = 0; i < in_order.size(); ++i) in_order[i] = i;
    std::vector<std::size_t> shuffled = in_order;
    for (std::size_t i = 0; i < shuffled.size() && i < order.size(); ++i) std::swap(shuffled[i], shuffled[order[i] % shuffled.size()]);
    if (!order.empty() && !changes.empty()) shuffled.push_back(order.front() % changes.size());  // and a duplicate
    RC_ASSERT(deliver(in_order) == deliver(shuffled));
  });
}
