// Three leader-based replicators modelled on real systems, each run on the simulator through
// the same story: clients write, the leader is cut off and crashes, a new leader takes over.
// What each one told its clients, and what survived, differ exactly as the article says.
#include <replica/check/lost_writes.hpp>
#include <replica/commit.hpp>
#include <replica/replicator.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/sim/controller.hpp>
#include <replica/sim/leader.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>

#include <cstdio>
#include <set>

namespace rp = replica;
using namespace std::chrono_literals;

// PostgreSQL with one synchronous standby (synchronous_commit = on).
using postgres_like = rp::replicator<rp::leader_based, rp::semi_synchronous<1, rp::ack_on::flushed>, rp::cluster_size<3>>;
// MySQL semi-sync: waits for one replica's receipt, falls back to async after 1 s.
using mysql_semi_sync = rp::replicator<rp::leader_based, rp::cluster_size<3>,
                                       rp::semi_synchronous<1, rp::ack_on::received, rp::when_acks_missing::fall_back_to_async<1000>>>;
// Kafka with acks=all and min.insync.replicas=2: refuses writes while fewer are in sync; its
// controller (not a vote) promotes the most advanced in-sync replica.
using kafka_like = rp::replicator<rp::leader_based, rp::synchronous_with<2>, rp::controller_election<>, rp::cluster_size<3>>;

template <class R>
void story(const char* name) {
  using node = rp::leader_based_node<R>;
  rp::sim::cluster_options o;
  o.seed = 7;
  o.link.latency = rp::sim::uniform_latency{1ms, 3ms};
  typename node::config cfg;
  cfg.check_quorum = false;  // a primary that does not fence itself, as without a consensus-based failover manager
  rp::sim::cluster<node> c{o, cfg};
  rp::failover_controller controller{{3, 300ms, false}};
  if constexpr (!node::election::self_elect) rp::sim::run_failover_controller(c, controller, 20ms, 10'000'000);
  c.run_until([](auto& cl) { return rp::sim::current_leader(cl).has_value(); }, 5'000'000);
  const rp::replica_id l = *rp::sim::current_leader(c);
  rp::sim::session_options s;
  s.clients = 3;
  s.read_weight = 0;
  s.targets = {l};
  s.timeout = 3s;
  s.stop = c.now() + 2'500'000;
  c.add_sessions(s);
  c.run_for(500ms);
  c.net().isolate(l);  // the leader loses its followers...
  c.run_for(1500ms);
  c.crash(l);          // ...then dies
  c.net().heal();
  c.run_for(3s);
  c.restart(l);
  c.run_for(2s);

  std::set<std::pair<rp::key_type, rp::value_type>> survived;
  for (std::uint32_t i = 0; i < 3; ++i)
    for (const auto& kv : rp::applied_writes(*c.node(rp::replica_id{i}))) survived.insert(kv);
  const auto r = rp::check::check_lost_writes(c.history(), survived);
  std::size_t refused = 0, unknown = 0;
  for (const auto& e : c.history()) {
    refused += e.type == rp::check::event_type::fail;
    unknown += e.type == rp::check::event_type::info;
  }
  bool degraded = false;
  for (const auto& e : c.events()) degraded |= e.event.what == rp::leader_event::kind::degraded;
  std::printf("%-16s acked %4zu  lost %3zu  refused %3zu  unknown %3zu  degraded-to-async %s\n", name, r.acknowledged,
              r.lost.size(), refused, unknown, degraded ? "yes" : "no");
}

int main() {
  std::printf("the leader is cut off from its followers for 1.5 s, then crashes; a follower takes over\n");
  story<postgres_like>("PostgreSQL-like");
  story<mysql_semi_sync>("MySQL semi-sync");
  story<kafka_like>("Kafka acks=all");
  return 0;
}
