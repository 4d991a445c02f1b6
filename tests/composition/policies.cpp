#include <replica/cluster.hpp>
#include <replica/commit.hpp>
#include <replica/resolve.hpp>
#include <replica/topology.hpp>

#include <catch2/catch.hpp>

#include <set>

using namespace replica;

TEST_CASE("leaderless parameters are found in any order, with defaults", "[policies]") {
  using a = leaderless<r<1>, n<5>, w<3>>;
  STATIC_REQUIRE(a::replication_factor == 5 && a::write_quorum == 3 && a::read_quorum == 1);
  STATIC_REQUIRE(!a::quorums_overlap);
  using d = leaderless<>;
  STATIC_REQUIRE(d::replication_factor == 3 && d::write_quorum == 2 && d::read_quorum == 2);
  STATIC_REQUIRE(d::quorums_overlap && !d::sloppy);
  STATIC_REQUIRE(leaderless<sloppy_quorum>::sloppy);
}

TEST_CASE("commit modes state how many replicas hold a write before it is acknowledged", "[policies]") {
  STATIC_REQUIRE(asynchronous::required_replicas == 1);
  STATIC_REQUIRE(semi_synchronous<2>::required_replicas == 3);
  STATIC_REQUIRE(semi_synchronous<2>::ack_point == ack_on::flushed);
  STATIC_REQUIRE(first<1, ack_on::applied>::ack_point == ack_on::applied);
  STATIC_REQUIRE(synchronous::min_in_sync == 2);
  STATIC_REQUIRE(majority::quorum(5) == 3 && majority::quorum(4) == 3 && majority::quorum(1) == 1);
  STATIC_REQUIRE(!asynchronous::survives_leader_loss && majority::survives_leader_loss);
  STATIC_REQUIRE(!semi_synchronous<1, ack_on::flushed, when_acks_missing::fall_back_to_async<500>>::survives_leader_loss);
  CHECK(when_acks_missing::fall_back_to_async<500>::timeout == std::chrono::milliseconds{500});
}

namespace {
struct set_union {
  std::set<int> operator()(const std::set<int>& a, const std::set<int>& b) const {
    std::set<int> out = a;
    out.insert(b.begin(), b.end());
    return out;
  }
};
struct counter {
  int hits = 0;
  void merge(const counter& o) { hits = std::max(hits, o.hits); }
};
}  // namespace

TEST_CASE("resolvers: application merge and CRDT merge call the value's own rule", "[policies]") {
  CHECK(merge_with<set_union>::merge(std::set<int>{1, 2}, std::set<int>{2, 3}) == std::set<int>{1, 2, 3});
  CHECK(crdt_merge::merge(counter{3}, counter{5}).hits == 5);
  CHECK(last_write_wins::incoming_wins(lamport_clock{1, replica_id{0}}, lamport_clock{2, replica_id{0}}));
  CHECK_FALSE(last_write_wins::incoming_wins(lamport_clock{2, replica_id{0}}, lamport_clock{1, replica_id{1}}));
}

TEST_CASE("sharded topologies inherit what their groups need", "[policies]") {
  using s = sharded<leaderless<n<3>>, by_hash, shards<8>>;
  STATIC_REQUIRE(s::accepts_concurrent_writes);
  STATIC_REQUIRE(std::is_same_v<s::inner, leaderless<n<3>>>);
  STATIC_REQUIRE(sharded<leader_based>::shard_count == dynamic_extent);
  STATIC_REQUIRE(cluster_size<5>::contains(replica_id{4}) && !cluster_size<5>::contains(replica_id{5}));
}
