// Composes the replicators the library's docs use as examples and prints, read off their types,
// what each one is, what it guarantees and what can go wrong.
#include <replica/replica.hpp>

#include <cstdio>
#include <set>
#include <string>

namespace rp = replica;

// DESIGN.md §1.
using postgres_like = rp::replicator<rp::leader_based, rp::semi_synchronous<1, rp::ack_on::flushed>, rp::cluster_size<3>>;
using dynamo_like = rp::replicator<rp::leaderless<rp::n<3>, rp::w<2>, rp::r<2>>, rp::keep_siblings, rp::dotted_version_vector>;
// The article's other systems.
using mysql_async = rp::replicator<rp::leader_based, rp::asynchronous, rp::cluster_size<3>>;
using mysql_semi_sync = rp::replicator<rp::leader_based, rp::cluster_size<3>,
                                       rp::semi_synchronous<1, rp::ack_on::received, rp::when_acks_missing::fall_back_to_async<10'000>>>;
using kafka_like = rp::replicator<rp::leader_based, rp::synchronous_with<2>, rp::cluster_size<3>>;
using etcd_like = rp::replicator<rp::leader_based, rp::majority, rp::cluster_size<5>>;
using cassandra_like = rp::replicator<rp::leaderless<rp::n<3>, rp::w<1>, rp::r<1>, rp::sloppy_quorum>, rp::last_write_wins,
                                      rp::physical_clock>;
using riak_like = rp::replicator<rp::leaderless<rp::n<3>, rp::w<2>, rp::r<2>>, rp::keep_siblings, rp::dvv_set, rp::strong_reads>;
using two_regions = rp::replicator<rp::multi_leader, rp::crdt_merge, rp::version_vector<2>, rp::cluster_size<2>>;
using cockroach_like = rp::replicator<rp::sharded<rp::leader_based, rp::by_range>, rp::majority, rp::cluster_size<5>>;

template <class R>
void show(const char* title) {
  const rp::description d = rp::describe<R>();
  std::printf("%s\n  %s | commit: %s | resolver: %s | versions: %s | replicas: %s | reads: %s | node: %zu bytes\n", title,
              d.topology.c_str(), d.commit.c_str(), d.resolver.c_str(), d.versioning.c_str(), d.cluster.c_str(),
              d.reads.c_str(), sizeof(R));
  for (const auto& g : d.guarantees) std::printf("  + %s\n", g.c_str());
  for (const auto& h : d.hazards) std::printf("  ! %s\n", h.c_str());
  std::printf("\n");
}

int main() {
  std::printf("replica %s: what each composed replicator is, read off its types\n\n", rp::library_version);
  show<postgres_like>("PostgreSQL-like (one synchronous standby)");
  show<mysql_async>("MySQL-like (default asynchronous replication)");
  show<mysql_semi_sync>("MySQL-like semi-sync (falls back to async after 10 s)");
  show<kafka_like>("Kafka-like (acks=all, min.insync.replicas=2)");
  show<etcd_like>("etcd-like (Raft majority)");
  show<dynamo_like>("Dynamo-like");
  show<cassandra_like>("Cassandra-like (ONE/ONE, sloppy, client timestamps)");
  show<riak_like>("Riak-like (allow_mult, DVV sets)");
  show<two_regions>("Two-region active-active (CRDTs)");
  show<cockroach_like>("CockroachDB-like (a Raft group per range)");
  return 0;
}
