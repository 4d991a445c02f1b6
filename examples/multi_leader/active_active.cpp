// A two-region active-active store: one leader per region, clients write to the leader in
// their own region, regions are 60 ms apart. The same story for four replicators: writes in
// both regions, then the link between the regions is cut for a while, then it heals.
// - asynchronous commit acknowledges in about a millisecond in both regions (what multi-leader
//   is for); synchronous commit pays the round trip to the other region on every write and
//   cannot acknowledge at all while the regions are cut off;
// - synchronous commit does not prevent conflicts: both regions still accept concurrent writes;
// - last-write-wins silently keeps one of each pair of concurrent writes (the count is what
//   the leaders report losing); siblings keep both for the application; a PN-counter adds
//   every increment. All converge once the link is back.
#include <replica/check/history.hpp>
#include <replica/crdt/pn_counter.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/crdt_merge.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/multi_leader_node.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

namespace rp = replica;
using namespace std::chrono_literals;

using lww_async = rp::multi_leader_node<rp::replicator<rp::multi_leader, rp::last_write_wins, rp::hybrid_logical_clock>>;
using lww_sync = rp::multi_leader_node<rp::replicator<rp::multi_leader, rp::last_write_wins, rp::hybrid_logical_clock, rp::synchronous>>;
using siblings = rp::multi_leader_node<rp::replicator<rp::multi_leader, rp::keep_siblings, rp::dotted_version_vector>>;
using counters = rp::multi_leader_node<rp::replicator<rp::multi_leader, rp::crdt_merge>, rp::pn_counter>;

template <class Node>
void story(const char* name, bool increments) {
  rp::sim::cluster_options o;
  o.nodes = 2;
  o.seed = 5;
  o.link.latency = rp::sim::uniform_latency{55ms, 65ms};
  typename Node::config cfg;
  cfg.nodes = 2;
  cfg.request_timeout = 500ms;
  rp::sim::cluster<Node> c{o, cfg};
  for (std::uint32_t region = 0; region < 2; ++region) {
    rp::sim::session_options s;
    s.clients = 2;
    s.keys = 4;
    s.targets = {rp::replica_id{region}};  // clients talk to their own region's leader
    s.read_weight = 1;
    s.write_weight = increments ? 0 : 1;
    s.add_weight = increments ? 1 : 0;
    s.add_amount_one = true;
    s.think = rp::sim::uniform_latency{5ms, 40ms};
    s.stop = 3'000'000;
    c.add_sessions(s);
  }
  c.run_for(1s);
  c.net().split({rp::replica_id{0}});  // the inter-region link is cut
  c.run_for(1s);
  c.net().heal();
  c.run_for(3s);

  std::map<std::uint64_t, std::int64_t> started;
  std::vector<std::int64_t> latency;
  std::size_t acked = 0, unknown = 0, sibling_reads = 0;
  std::int64_t increments_acked = 0;
  for (const auto& e : c.history()) {
    if (e.type == rp::check::event_type::invoke) {
      started[e.process] = e.time;
      continue;
    }
    if (e.f == rp::op_kind::read) {
      sibling_reads += e.type == rp::check::event_type::ok && e.siblings.size() > 1;
      continue;
    }
    if (e.type == rp::check::event_type::ok) {
      ++acked;
      latency.push_back(e.time - started[e.process]);
      if (e.f == rp::op_kind::add) increments_acked += e.value.value_or(0);
    }
    unknown += e.type == rp::check::event_type::info;
  }
  std::sort(latency.begin(), latency.end());
  const double p50 = latency.empty() ? 0 : static_cast<double>(latency[latency.size() / 2]) / 1000.0;
  std::uint64_t discarded = 0;
  std::int64_t counted = 0;
  for (std::uint32_t r = 0; r < 2; ++r) discarded += c.node(rp::replica_id{r})->discarded_writes();
  if (increments)
    for (rp::key_type k = 0; k < 4; ++k) {
      const auto v = c.node(rp::replica_id{0})->read(k);
      counted += v.empty() ? 0 : v.front();
    }
  std::printf("%-22s acked %4zu  unknown %3zu  write-p50-ms %6.1f  lww-discarded %3llu  reads-with-siblings %3zu", name, acked,
              unknown, p50, static_cast<unsigned long long>(discarded), sibling_reads);
  if (increments)
    std::printf("  increments-acked %lld counted %lld lost %lld", static_cast<long long>(increments_acked),
                static_cast<long long>(counted), static_cast<long long>(increments_acked - counted));
  std::printf("  converged %s\n", c.converged() ? "yes" : "NO");
}

int main() {
  std::printf("Two regions, 60 ms apart, cut off from each other for 1 s of a 3 s run:\n");
  story<lww_async>("LWW, asynchronous", false);
  story<lww_sync>("LWW, synchronous", false);
  story<siblings>("siblings, asynchronous", false);
  story<counters>("PN-counter, async", true);
  return 0;
}
