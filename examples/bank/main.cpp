// The bank of bank.hpp replicated by a majority-commit leader-based node, on the simulator,
// under random crashes, partitions and pauses. Every 20 ms every live replica must hold the
// whole 800 with no account overdrawn; a read of the total must say 800; after the faults heal
// every replica must hold the same bank, with every acknowledged transfer in it.
//   bank [seeds] [first-seed]   default: 200 seeds from 1, or REPLICA_SEEDS=n, or REPLICA_SEED=s
//                               (one seed); prints each failing seed and exits 1
#include "bank.hpp"

#include <replica/commit.hpp>
#include <replica/replicator.hpp>
#include <replica/sim/leader.hpp>
#include <replica/sim/nemesis.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>

#include <cstdio>
#include <cstdlib>

namespace rp = replica;
using namespace std::chrono_literals;
using node = rp::leader_based_node<rp::replicator<rp::leader_based, rp::majority, rp::cluster_size<5>>, bank>;

struct tally {
  std::uint64_t issued = 0, acked = 0, refused = 0, reads = 0, bad = 0;
};

// One seed: true if every check held.
bool run(std::uint64_t seed, tally& t) {
  rp::sim::cluster_options o;
  o.nodes = 5;
  o.seed = seed;
  o.link.latency = rp::sim::uniform_latency{1ms, 3ms};
  node::config cfg;
  cfg.seed = seed;
  cfg.compact_every = 64;  // so that crashed replicas also catch up through snapshots
  rp::sim::cluster<node> c{o, cfg};
  const std::uint64_t acked_before = t.acked;
  c.on_reply([&](const node::reply& r) {
    const bool is_read = r.id.value() % 4 == 0;
    if (r.status == rp::reply_status::ok && is_read) {
      ++t.reads;
      t.bad += r.result != 800;  // the total, as a quorum-confirmed leader sees it
    }
    if (!is_read && r.status == rp::reply_status::ok) ++t.acked;
    if (!is_read && r.status == rp::reply_status::fail && r.error == rp::errc::precondition) ++t.refused;
  });
  rp::sim::nemesis_options no;
  no.kinds = {rp::sim::fault_kind::crash, rp::sim::fault_kind::isolate_leader, rp::sim::fault_kind::split, rp::sim::fault_kind::pause};
  no.safety = 4s;
  rp::sim::schedule_faults<node>(c, rp::sim::plan_faults(no, c.size(), c.random()), [](auto& cl) { return rp::sim::current_leader(cl); });
  // A client sends a request every 5 ms to the replica it believes leads; every 4th is a read.
  std::uint64_t next_id = 0;
  for (rp::sim::sim_time at = 0; at < 4'000'000; at += 5'000)
    c.at(at, [&](rp::sim::cluster<node>& cl) {
      const rp::replica_id to = rp::sim::current_leader(cl).value_or(rp::replica_id{static_cast<std::uint32_t>(next_id % 5)});
      rp::client_request<node::operation> req{rp::client_id{0}, rp::request_id{++next_id}, {}};
      const auto x = cl.random().below(1000);
      if (next_id % 4 == 0)
        req.op = bank::query{};
      else
        req.op = bank::transfer{static_cast<std::uint32_t>(x % 8), static_cast<std::uint32_t>(x / 8 % 8), static_cast<std::int64_t>(x % 60 + 1)};
      ++t.issued;
      cl.submit(to, req);
    });
  // The invariant on every live replica, all along.
  bool invariant = true;
  for (rp::sim::sim_time at = 0; at < 12'000'000; at += 20'000)
    c.at(at, [&](rp::sim::cluster<node>& cl) {
      for (std::uint32_t i = 0; i < 5; ++i)
        if (const node* n = cl.node(rp::replica_id{i})) invariant &= n->machine().total() == 800 && !n->machine().overdrawn();
    });
  c.run_until(4'000'000);
  rp::sim::heal_everything(c);
  // After heal: every replica applies the same log and holds the same bank.
  const bool equal = c.run_until([](auto& cl) {
    const node* first = cl.node(rp::replica_id{0});
    for (std::uint32_t i = 0; i < 5; ++i) {
      const node* n = cl.node(rp::replica_id{i});
      if (!n || !first || n->applied_index() != n->last_index() || !(n->machine() == first->machine())) return false;
    }
    return true;
  }, c.now() + 8'000'000);
  c.run_until(12'000'000);
  // Nothing acknowledged is lost: the replicas applied at least as many transfers as were acked.
  const bool kept = c.node(rp::replica_id{0})->machine().transfers() >= t.acked - acked_before;
  if (!invariant || !equal || !kept || t.bad != 0)
    std::printf("seed %llu FAILED: invariant %d, replicas equal after heal %d, acknowledged kept %d, bad reads %llu\n",
                static_cast<unsigned long long>(seed), invariant, equal, kept, static_cast<unsigned long long>(t.bad));
  return invariant && equal && kept && t.bad == 0;
}

int main(int argc, char** argv) {
  const char* many = std::getenv("REPLICA_SEEDS");
  const char* one = std::getenv("REPLICA_SEED");
  const std::uint64_t seeds = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : one ? 1 : many ? std::strtoull(many, nullptr, 10) : 200;
  const std::uint64_t first = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : one && argc <= 1 ? std::strtoull(one, nullptr, 10) : 1;
  tally t;
  std::uint64_t failed = 0;
  for (std::uint64_t s = first; s < first + seeds; ++s) failed += !run(s, t);
  std::printf("bank: %llu seeds, %llu requests, %llu transfers acknowledged, %llu refused (insufficient funds), "
              "%llu total reads all 800: %s; invariant on every replica and equal replicas after heal: %s\n",
              static_cast<unsigned long long>(seeds), static_cast<unsigned long long>(t.issued), static_cast<unsigned long long>(t.acked),
              static_cast<unsigned long long>(t.refused), static_cast<unsigned long long>(t.reads), t.bad == 0 ? "yes" : "NO",
              failed == 0 ? "yes" : "NO");
  return failed == 0 && t.acked > 0 && t.reads > 0 ? 0 : 1;
}
