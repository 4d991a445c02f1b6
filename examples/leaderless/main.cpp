// Three leaderless replicators modelled on real systems, run on the simulator through the same
// story: five nodes, clients on both sides of a partition write and read the same few keys,
// then the partition heals and the replicas repair. The siblings replicators hand concurrent
// writes back to the application; the last-write-wins one never shows a conflict, because it
// silently keeps one of the concurrent writes. All converge after heal. The clients here write
// blindly (without the context of a read), so every write is concurrent with what is stored and
// siblings pile up until someone writes back with a context: the cost of never reading first.
#include <replica/check/history.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <algorithm>
#include <array>
#include <cstdio>

namespace rp = replica;
using namespace std::chrono_literals;

// Dynamo: N=3 W=2 R=2, sloppy quorum with hinted handoff, siblings tracked by (dotted) version vectors.
using dynamo_like = rp::replicator<rp::leaderless<rp::n<3>, rp::w<2>, rp::r<2>, rp::sloppy_quorum>, rp::keep_siblings,
                                   rp::dotted_version_vector>;
// Cassandra: N=3, QUORUM writes and reads, strict, last write wins on timestamps (here a hybrid
// logical clock), blocking read repair (a QUORUM read repairs its stale replicas before answering,
// so quorum reads are monotonic).
using cassandra_like = rp::replicator<rp::leaderless<rp::n<3>, rp::w<2>, rp::r<2>, rp::blocking_read_repair>,
                                      rp::last_write_wins, rp::hybrid_logical_clock>;
// Riak with allow_mult: N=3 W=1 R=1 (fast, stale reads possible), siblings with dotted version vectors.
using riak_like = rp::replicator<rp::leaderless<rp::n<3>, rp::w<1>, rp::r<1>, rp::sloppy_quorum>, rp::keep_siblings,
                                 rp::dotted_version_vector>;

template <class R>
void story(const char* name) {
  using node = rp::leaderless_node<R>;
  rp::sim::cluster_options o;
  o.nodes = 5;
  o.seed = 7;
  o.link.latency = rp::sim::uniform_latency{1ms, 3ms};
  typename node::config cfg;
  cfg.nodes = 5;
  cfg.anti_entropy_interval = 200ms;
  rp::sim::cluster<node> c{o, cfg};
  rp::sim::session_options s;
  s.clients = 4;
  s.keys = 3;
  s.timeout = 500ms;
  s.sticky = false;
  s.stop = 3'000'000;
  c.add_sessions(s);
  c.run_for(1s);
  c.net().split({rp::replica_id{0}, rp::replica_id{1}});  // two nodes on one side, three on the other
  c.run_for(1500ms);
  c.net().heal();
  c.run_for(3s);

  std::size_t acked = 0, unknown = 0, sibling_reads = 0, max_siblings = 0;
  for (const auto& e : c.history()) {
    acked += e.type == rp::check::event_type::ok && e.f == rp::op_kind::write;
    unknown += e.type == rp::check::event_type::info;
    sibling_reads += e.type == rp::check::event_type::ok && !e.siblings.empty();
  }
  bool agree = true;
  for (rp::key_type k = 0; k < 3; ++k) {
    std::array<rp::ring_member, 3> replicas{};
    c.node(rp::replica_id{0})->ring().preference_list(k, 3, replicas);
    const auto first = c.node(replicas[0].id)->values(k);
    max_siblings = std::max(max_siblings, first.size());
    for (const auto& m : replicas) agree &= c.node(m.id)->values(k) == first;
  }
  std::printf("%-15s acked %4zu  unknown %3zu  reads-with-siblings %3zu  most-siblings-kept %2zu  replicas-agree %s\n", name,
              acked, unknown, sibling_reads, max_siblings, agree ? "yes" : "no");
}

int main() {
  std::printf("five nodes, clients on both sides of a 1.5 s partition, three keys\n");
  story<dynamo_like>("Dynamo-like");
  story<cassandra_like>("Cassandra-like");
  story<riak_like>("Riak-like");
  return 0;
}
