#include "../support/seeds.hpp"
#include <replica/sim/broadcast_register.hpp>

#include <replica/sim/nemesis.hpp>

#include <catch2/catch.hpp>

#include <set>

using namespace replica;
using namespace std::chrono_literals;
using register_node = replica::sim::broadcast_register;
using sim_cluster = sim::cluster<register_node>;


TEST_CASE("nemesis: a seed draws the same schedule", "[sim][nemesis]") {
  sim::nemesis_options o;
  sim::rng a{5}, b{5}, c{6};
  const auto fa = sim::plan_faults(o, 5, a), fb = sim::plan_faults(o, 5, b), fc = sim::plan_faults(o, 5, c);
  CHECK(sim::describe(fa) == sim::describe(fb));
  CHECK(sim::describe(fa) != sim::describe(fc));
  REQUIRE_FALSE(fa.empty());
  for (std::size_t i = 1; i < fa.size(); ++i) CHECK(fa[i].start > fa[i - 1].end);  // one at a time
  CHECK(fa.back().end <= o.safety.count());
}

TEST_CASE("nemesis: every fault kind acts, then the liveness phase converges", "[sim][nemesis]") {
  std::set<sim::fault_kind> seen;
  std::uint64_t dropped = 0, crashed_seen = 0;
  for (std::uint64_t seed : test::seeds(20)) {
    INFO("seed " << seed << " (replay: REPLICA_SEED=" << seed << ")");
    sim::cluster_options co;
    co.nodes = 5;
    co.seed = seed;
    co.link.latency = sim::exponential_latency{2ms, 500us};
    sim_cluster c{co, {5, 10}};
    sim::nemesis_options no;
    no.kinds = {sim::fault_kind::isolate, sim::fault_kind::isolate_leader, sim::fault_kind::split, sim::fault_kind::bridge,
                sim::fault_kind::ring, sim::fault_kind::crash, sim::fault_kind::pause, sim::fault_kind::clock_skew,
                sim::fault_kind::lossy,   sim::fault_kind::replayed};
    no.safety = 5s;
    no.mean_fault = 600ms;
    const auto faults = sim::plan_faults(no, c.size(), c.random());
    INFO("faults: " << sim::describe(faults));
    for (const auto& f : faults) seen.insert(f.kind);
    sim::schedule_faults<register_node>(c, faults, [](sim_cluster&) { return std::optional{replica_id{0}}; });
    sim::session_options s;
    s.clients = 5;
    s.keys = 4;
    s.stop = no.safety.count();
    c.add_sessions(s);
    // Watch the safety phase: crashes take nodes down.
    for (sim::sim_time t = 0; t < no.safety.count(); t += 100'000) {
      c.run_until(t);
      for (std::uint32_t i = 0; i < 5; ++i) crashed_seen += !c.up(replica_id{i});
    }
    c.run_until(no.safety.count());
    dropped += c.messages_dropped();
    sim::heal_everything(c);
    CHECK(c.run_until([](const sim_cluster& cl) { return cl.converged() && cl.clients_idle(); },
                      c.now() + no.liveness_bound.count()));
    CHECK(c.history().size() > 100);
  }
  if (test::seeds(20).size() >= 20) {
    CHECK(seen.size() == 10);  // every kind was drawn
    CHECK(dropped > 0);       // partitions and loss dropped messages
    CHECK(crashed_seen > 0);  // crashes took nodes down
  }
}

TEST_CASE("nemesis: a replayed fault delivers every message sent during it again when it ends", "[sim][nemesis]") {
  sim::cluster_options co;
  co.nodes = 3;
  co.seed = 7;
  co.link.latency = sim::uniform_latency{1ms, 2ms};
  sim_cluster c{co, {3, 10}};
  sim::session_options s;
  s.clients = 3;
  s.stop = 2'000'000;
  c.add_sessions(s);  // (writes make the replicas talk)
  c.run_for(100ms);
  const std::uint64_t before = c.messages_delivered();
  c.record_messages();
  c.run_for(300ms);
  const std::uint64_t during = c.messages_delivered() - before;
  REQUIRE(during > 0);  // gossip flowed while the copies were kept
  const std::size_t replayed = c.replay_recorded();
  CHECK(replayed > 0);
  CHECK(replayed <= during + 20);  // (a few sent just before the end arrive after it)
  const std::uint64_t at_end = c.messages_delivered();
  c.run_for(10ms);  // the copies arrive within a link delay, beside the new gossip
  CHECK(c.messages_delivered() - at_end >= replayed);
  CHECK(c.replay_recorded() == 0);  // recording stopped
}
