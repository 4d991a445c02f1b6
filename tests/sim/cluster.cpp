#include <replica/sim/broadcast_register.hpp>

#include <replica/sim/cluster.hpp>

#include <catch2/catch.hpp>

using namespace replica;
using namespace std::chrono_literals;
using register_node = replica::sim::broadcast_register;
using sim_cluster = sim::cluster<register_node>;

namespace {
const replica_id n0{0}, n1{1}, n2{2}, n3{3}, n4{4};

sim::cluster_options opts(std::size_t nodes, std::uint64_t seed) {
  sim::cluster_options o;
  o.nodes = nodes;
  o.seed = seed;
  o.link.latency = sim::uniform_latency{1ms, 5ms};
  return o;
}
kv_op write(key_type k, value_type v) { return {op_kind::write, k, v, 0}; }
std::optional<value_type> value_at(sim_cluster& c, replica_id r, key_type k = 0) { return c.node(r)->value(k); }

/// A busy run: clients on every node, lossy links, a partition and a crash.
std::uint64_t busy_run(std::uint64_t seed) {
  auto o = opts(5, seed);
  o.link.loss = 0.05;
  o.link.duplicate = 0.05;
  o.link.reorder = 0.1;
  sim_cluster c{o, {5, 10}};
  sim::session_options s;
  s.clients = 4;
  s.keys = 3;
  s.stop = 3'000'000;
  c.add_sessions(s);
  c.at(1'000'000, [](sim_cluster& cl) { cl.net().isolate(replica_id{1}); });
  c.at(1'500'000, [](sim_cluster& cl) { cl.crash(replica_id{2}); });
  c.at(2'000'000, [](sim_cluster& cl) { cl.net().heal(); cl.restart(replica_id{2}); });
  c.run_until(4'000'000);
  return c.trace_hash() ^ (c.history().size() * 0x9e3779b97f4a7c15ULL);
}
}  // namespace

TEST_CASE("sim: a seed replays the same trace and another seed gives another", "[sim][determinism]") {
  for (std::uint64_t seed : {1u, 2u, 77u}) {
    INFO("seed " << seed);
    CHECK(busy_run(seed) == busy_run(seed));
  }
  CHECK(busy_run(1) != busy_run(2));
  CHECK(busy_run(2) != busy_run(77));
}

TEST_CASE("sim: messages take their link's latency", "[sim][network]") {
  auto o = opts(2, 3);
  o.link.latency = sim::constant_latency{7ms};
  sim_cluster c{o, {2, 1000}};
  c.invoke(n0, write(0, 42));
  c.run_until(500 + 7'000 - 1);  // client latency 0.5 ms, then the broadcast takes 7 ms
  CHECK(value_at(c, n0) == 42);
  CHECK_FALSE(value_at(c, n1).has_value());
  c.run_until(500 + 7'000);
  CHECK(value_at(c, n1) == 42);
}

TEST_CASE("sim: isolating a node cuts it off until heal", "[sim][partition]") {
  sim_cluster c{opts(3, 4), {3, 10}};
  c.net().isolate(n2);
  c.invoke(n0, write(0, 1));
  c.run_for(500ms);
  CHECK(value_at(c, n1) == 1);
  CHECK_FALSE(value_at(c, n2).has_value());
  c.net().heal();
  c.run_for(500ms);  // gossip repairs
  CHECK(value_at(c, n2) == 1);
  CHECK(c.converged());
}

TEST_CASE("sim: a majority/minority split keeps each side to itself", "[sim][partition]") {
  sim_cluster c{opts(5, 5), {5, 1000}};
  c.net().split({n3, n4});
  c.invoke(n0, write(0, 10));
  c.invoke(n4, write(1, 20));
  c.run_for(200ms);
  CHECK(value_at(c, n2) == 10);
  CHECK_FALSE(value_at(c, n3).has_value());
  CHECK(value_at(c, n3, 1) == 20);
  CHECK_FALSE(value_at(c, n0, 1).has_value());
  CHECK(c.messages_dropped() > 0);
}

TEST_CASE("sim: a bridge node sees both halves, the halves do not see each other", "[sim][partition]") {
  sim_cluster c{opts(5, 6), {5, 1000}};
  c.net().bridge(n2);
  CHECK(c.net().reachable(n2, n0));
  CHECK(c.net().reachable(n2, n4));
  CHECK(c.net().reachable(n0, n1));
  CHECK_FALSE(c.net().reachable(n0, n4));
  CHECK_FALSE(c.net().reachable(n4, n1));
  c.invoke(n0, write(0, 5));
  c.run_for(200ms);
  CHECK(value_at(c, n2) == 5);               // the bridge heard it
  CHECK_FALSE(value_at(c, n4).has_value());  // the other half did not (no relaying)
}

TEST_CASE("sim: in a ring every node sees a different majority", "[sim][partition]") {
  sim_cluster c{opts(5, 7), {5, 1000}};
  c.net().ring();
  for (std::uint32_t i = 0; i < 5; ++i) {
    int seen = 0;
    for (std::uint32_t j = 0; j < 5; ++j) seen += c.net().reachable(replica_id{i}, replica_id{j});
    CHECK(seen == 3);
  }
  CHECK(c.net().reachable(n0, n1));
  CHECK(c.net().reachable(n0, n4));
  CHECK_FALSE(c.net().reachable(n0, n2));
  c.invoke(n0, write(0, 9));
  c.run_for(100ms);
  CHECK(value_at(c, n4) == 9);
  CHECK_FALSE(value_at(c, n2).has_value());
}

TEST_CASE("sim: a crash keeps what was persisted and loses the rest", "[sim][crash]") {
  sim_cluster c{opts(3, 8), {3, 1000}};
  c.invoke(n1, write(0, 3));
  c.run_for(100ms);
  REQUIRE(value_at(c, n1) == 3);
  c.crash(n1);
  CHECK_FALSE(c.up(n1));
  CHECK(c.node(n1) == nullptr);
  c.invoke(n0, write(0, 4));  // sent while n1 is down: never delivered to it
  c.run_for(100ms);
  c.restart(n1);
  CHECK(value_at(c, n1) == 3);  // from its disk
  c.wipe_disk(n2);
  c.crash(n2);
  c.restart(n2);
  CHECK_FALSE(value_at(c, n2).has_value());  // a lost disk loses everything
}

TEST_CASE("sim: a paused node takes what waited when it resumes", "[sim][pause]") {
  sim_cluster c{opts(3, 9), {3, 1000}};
  c.pause(n2);
  c.invoke(n0, write(0, 11));
  c.run_for(200ms);
  CHECK(c.paused(n2));
  CHECK_FALSE(value_at(c, n2).has_value());
  c.resume(n2);
  CHECK(value_at(c, n2) == 11);
}

TEST_CASE("sim: a node's tick sees its own skewed, drifting, jumping clock", "[sim][clock]") {
  auto o = opts(2, 10);
  o.tick_interval = 10ms;
  sim_cluster c{o, {2, 1000}};
  c.clock(n1).set_offset(10s);
  c.run_until(1'000'000);
  const auto skew = c.node(n1)->last_tick() - c.node(n0)->last_tick();
  CHECK(skew > 9'980ms);
  CHECK(skew < 10'020ms);
  c.clock(n1).reset();
  c.clock(n1).set_drift(100'000, c.now());  // 10% fast
  c.run_until(2'000'000);
  const auto drifted = c.node(n1)->last_tick() - c.node(n0)->last_tick();
  CHECK(drifted > 80ms);
  CHECK(drifted < 120ms);
  c.clock(n0).jump(-5s);
  c.run_until(2'100'000);
  CHECK(c.node(n0)->last_tick().time_since_epoch() < 0s);
}

TEST_CASE("sim: lossy links drop, duplicate and reorder, and gossip still converges", "[sim][network]") {
  auto o = opts(3, 11);
  o.link.loss = 0.3;
  o.link.duplicate = 0.3;
  o.link.reorder = 0.5;
  sim_cluster c{o, {3, 5}};
  sim::session_options s;
  s.clients = 3;
  s.read_weight = 0;
  s.stop = 500'000;
  c.add_sessions(s);
  c.run_until(500'000);
  CHECK(c.messages_dropped() > 0);
  c.net().set_all_links(sim::link_config{sim::uniform_latency{1ms, 5ms}});
  CHECK(c.run_until([](const sim_cluster& cl) { return cl.converged(); }, 2'000'000));
}

TEST_CASE("sim: a client whose node is down times out with info, never fail", "[sim][clients]") {
  sim_cluster c{opts(3, 12), {3, 1000}};
  c.crash(n0);
  c.invoke(n0, write(0, 1), 200ms);
  c.run_for(1s);
  REQUIRE(c.history().size() == 2);
  CHECK(c.history()[0].type == check::event_type::invoke);
  CHECK(c.history()[1].type == check::event_type::info);
  CHECK(c.history()[1].time == 200'000);
}

TEST_CASE("sim: node events are logged with time and node", "[sim]") {
  sim_cluster c{opts(2, 13), {2, 1000}};
  c.run_for(100ms);
  CHECK(c.events().size() >= 18);  // ~10 ticks per node
  CHECK(c.events().front().time < 10'000);
}

TEST_CASE("sim: latency distributions have the shape they claim", "[sim][latency]") {
  sim::rng g{14};
  auto mean_of = [&](const sim::latency_model& m) {
    double sum = 0;
    for (int i = 0; i < 20000; ++i) sum += static_cast<double>(m.sample(g).count());
    return sum / 20000;
  };
  CHECK(mean_of(sim::constant_latency{3ms}) == Approx(3000));
  CHECK(mean_of(sim::uniform_latency{1ms, 3ms}) == Approx(2000).epsilon(0.02));
  CHECK(mean_of(sim::exponential_latency{2ms, 1ms}) == Approx(3000).epsilon(0.03));
  // log-normal: mean exp(mu + sigma^2 / 2)
  CHECK(mean_of(sim::lognormal_latency{7.0, 0.5, 0ms}) == Approx(std::exp(7.125)).epsilon(0.03));
  // Pareto(scale, alpha = 3): mean = scale * alpha / (alpha - 1)
  CHECK(mean_of(sim::pareto_latency{1ms, 3.0}) == Approx(1500).epsilon(0.05));
  // 90% 1 ms, 10% 100 ms
  const auto mix = sim::latency_model::mixture({{0.9, sim::constant_latency{1ms}}, {0.1, sim::constant_latency{100ms}}});
  CHECK(mean_of(mix) == Approx(10'900).epsilon(0.05));
}

TEST_CASE("sim: with a service time a node serves one input at a time, in arrival order", "[sim][service]") {
  auto o = opts(3, 1);
  o.client_latency = sim::constant_latency{0us};
  o.service_time = 1ms;
  sim_cluster c{o, {3, 10}};
  std::vector<std::uint64_t> clients;
  for (value_type v = 1; v <= 5; ++v) clients.push_back(c.invoke(replica_id{0}, write(static_cast<key_type>(v), v)));
  c.run_for(20ms);
  // Five requests arrived at once: answered 1 ms apart, first come first served.
  std::vector<sim::sim_time> done;
  for (std::uint64_t p : clients)
    for (const auto& e : c.history())
      if (e.process == p && e.type == check::event_type::ok) done.push_back(e.time);
  REQUIRE(done.size() == 5);
  for (std::size_t i = 1; i < done.size(); ++i) CHECK(done[i] - done[i - 1] == 1000);
  CHECK(c.inputs_served(replica_id{0}) >= 5);
}

TEST_CASE("sim: a routing client sends each operation where route says", "[sim][clients]") {
  auto run = [](bool routed) {
    sim_cluster c{opts(3, 2), {3, 10}};
    c.crash(replica_id{2});
    sim::session_options s;
    s.clients = 3;  // client i starts on node i: without a route, client 2 talks to the crashed node
    s.keys = 4;
    s.timeout = 50ms;
    s.stop = 300'000;
    if (routed) s.route = [](const kv_op& op) { return replica_id{op.key % 2}; };  // nodes 0 and 1 only
    c.add_sessions(s);
    c.run_for(500ms);
    std::size_t ok = 0, unknown = 0;
    for (const auto& e : c.history()) {
      ok += e.type == check::event_type::ok;
      unknown += e.type == check::event_type::info;
    }
    return std::pair{ok, unknown};
  };
  const auto [ok_routed, unknown_routed] = run(true);
  CHECK(ok_routed > 0);
  CHECK(unknown_routed == 0);  // nothing went to the crashed node
  CHECK(run(false).second > 0);
}

TEST_CASE("sim: a history taken in pieces is the whole history, and the run is unchanged", "[sim][clients]") {
  auto run = [](bool in_pieces) {
    sim_cluster c{opts(3, 21), {3, 10}};
    sim::session_options s;
    s.clients = 3;
    s.keys = 2;
    s.stop = 2'000'000;
    c.add_sessions(s);
    check::history whole;
    std::size_t events = 0;
    for (sim::sim_time t = 250'000; t <= 2'500'000; t += 250'000) {
      c.run_until(t);
      if (!in_pieces) continue;
      for (auto& e : c.take_history()) whole.push_back(std::move(e));
      events += c.take_events().size();
      REQUIRE(c.history().empty());
      REQUIRE(c.events().empty());
    }
    if (!in_pieces) {
      whole = c.history();
      events = c.events().size();
    }
    return std::tuple{whole, events, c.trace_hash()};
  };
  const auto [pieces, pieces_events, pieces_hash] = run(true);
  const auto [once, once_events, once_hash] = run(false);
  REQUIRE(once.size() > 20);  // the sessions did operate
  CHECK(pieces == once);
  CHECK(pieces_events == once_events);
  CHECK(pieces_hash == once_hash);
}
