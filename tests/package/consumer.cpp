// A consumer composes the two replicators of DESIGN.md §1 and checks what they are.
#include <replica/replica.hpp>

#include <cstdio>
#include <type_traits>

using pg_like = replica::replicator<
    replica::leader_based,
    replica::semi_synchronous<1, replica::ack_on::flushed>,
    replica::cluster_size<3>>;

using dynamo_like = replica::replicator<
    replica::leaderless<replica::n<3>, replica::w<2>, replica::r<2>>,
    replica::keep_siblings,
    replica::dotted_version_vector>;

static_assert(std::is_same_v<pg_like::topology, replica::leader_based>);
static_assert(std::is_same_v<dynamo_like::versioning, replica::dotted_version_vector>);

int main() {
  auto node = pg_like::create(replica::replica_id{2});
  auto bad = pg_like::create(replica::replica_id{3});
  if (!node.ok() || bad.ok() || bad.code() != replica::errc::unknown_replica) return 1;
  const auto d = replica::describe<dynamo_like>();
  std::printf("consumer: %s with %s on %s (%s)\n", d.topology.c_str(), d.resolver.c_str(), d.versioning.c_str(),
              replica::library_version);
  return 0;
}
