#include <replica/cluster.hpp>
#include <replica/commit.hpp>
#include <replica/reads.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve.hpp>
#include <replica/topology.hpp>
#include <replica/versioning.hpp>

#include <catch2/catch.hpp>

#include <type_traits>

using namespace replica;

// The two compositions of DESIGN.md §1, as written there.
using pg_like = replicator<leader_based, semi_synchronous<1, ack_on::flushed>, cluster_size<3>>;
using dynamo_like = replicator<leaderless<n<3>, w<2>, r<2>>, keep_siblings, dotted_version_vector>;

// A family the library does not know: room for storage, codecs, ... without touching it.
struct storage_tag : policy_family {
  static constexpr int rank = 10;
  static constexpr std::string_view name = "storage";
};
struct in_memory_storage {
  using family = storage_tag;
};
struct codec_tag : policy_family {
  static constexpr int rank = 11;
  static constexpr std::string_view name = "codec";
};
struct plain_codec {
  using family = codec_tag;
};

TEST_CASE("the same policies in any order give the same type", "[replicator]") {
  STATIC_REQUIRE(std::is_same_v<pg_like, replicator<cluster_size<3>, leader_based, semi_synchronous<1>>>);
  STATIC_REQUIRE(std::is_same_v<pg_like, replicator<semi_synchronous<1, ack_on::flushed>, cluster_size<3>, leader_based>>);
  STATIC_REQUIRE(std::is_same_v<dynamo_like, replicator<dotted_version_vector, keep_siblings, leaderless<n<3>, w<2>, r<2>>>>);
  // Parameters of a policy are normalised too: any order, defaults spelled out or not.
  STATIC_REQUIRE(std::is_same_v<leaderless<>, leaderless<r<2>, n<3>, w<2>>>);
  STATIC_REQUIRE(std::is_same_v<dynamo_like, replicator<keep_siblings, leaderless<w<2>>, dotted_version_vector>>);
  STATIC_REQUIRE_FALSE(std::is_same_v<leaderless<>, leaderless<sloppy_quorum>>);
  STATIC_REQUIRE(std::is_same_v<replicator<in_memory_storage, plain_codec, leader_based, asynchronous>,
                                replicator<plain_codec, asynchronous, leader_based, in_memory_storage>>);
}

TEST_CASE("a replicator is one canonical basic_replicator", "[replicator]") {
  STATIC_REQUIRE(std::is_same_v<pg_like, basic_replicator<leader_based, semi_synchronous<1>, no_resolver, lamport_clock,
                                                           cluster_size<3>, strong_reads>>);
  STATIC_REQUIRE(std::is_same_v<replicator<plain_codec, in_memory_storage>,
                                basic_replicator<leader_based, majority, no_resolver, lamport_clock,
                                                 dynamic_cluster_size, strong_reads, in_memory_storage, plain_codec>>);
}

TEST_CASE("missing policies take their documented defaults", "[replicator]") {
  using defaults = replicator<>;
  STATIC_REQUIRE(std::is_same_v<defaults::topology, leader_based>);
  STATIC_REQUIRE(std::is_same_v<defaults::commit_mode, majority>);
  STATIC_REQUIRE(std::is_same_v<defaults::resolver, no_resolver>);
  STATIC_REQUIRE(std::is_same_v<defaults::cluster_size_policy, dynamic_cluster_size>);
  STATIC_REQUIRE(std::is_same_v<defaults::reads, strong_reads>);
  // The version type follows the resolver.
  STATIC_REQUIRE(std::is_same_v<replicator<multi_leader, last_write_wins>::versioning, hybrid_logical_clock>);
  STATIC_REQUIRE(std::is_same_v<replicator<leaderless<>, keep_siblings>::versioning, dotted_version_vector>);
  STATIC_REQUIRE(std::is_same_v<replicator<multi_leader, crdt_merge>::versioning, version_vector<>>);
  STATIC_REQUIRE(std::is_same_v<replicator<multi_leader, crdt_merge>::reads, eventual_reads>);
}

TEST_CASE("policies are found by family, including user families", "[replicator]") {
  using R = replicator<plain_codec, leader_based, in_memory_storage>;
  STATIC_REQUIRE(std::is_same_v<R::policy_for<storage_tag>, in_memory_storage>);
  STATIC_REQUIRE(std::is_same_v<R::policy_for<codec_tag>, plain_codec>);
  STATIC_REQUIRE(std::is_same_v<R::policy_for<commit_tag>, majority>);
}

TEST_CASE("every family's policies compose", "[replicator]") {
  using kafka_like = replicator<leader_based, synchronous_with<2, ack_on::received>, cluster_size<3>>;
  using mysql_like = replicator<leader_based, semi_synchronous<1, ack_on::received, when_acks_missing::fall_back_to_async<10'000>>>;
  using pg_first = replicator<leader_based, first<2>, cluster_size<5>>;
  using cassandra_like = replicator<leaderless<n<3>, w<1>, r<1>, sloppy_quorum>, last_write_wins, physical_clock>;
  using riak_like = replicator<leaderless<n<3>, w<2>, r<2>>, keep_siblings, dvv_set, strong_reads>;
  using cockroach_like = replicator<sharded<leader_based, by_range, shards<64>>, majority, cluster_size<5>>;
  using regions = replicator<multi_leader, crdt_merge, version_vector<3>, cluster_size<3>>;
  STATIC_REQUIRE(kafka_like::commit_mode::min_in_sync == 2);
  STATIC_REQUIRE(mysql_like::commit_mode::when_missing::degrades);
  STATIC_REQUIRE(pg_first::commit_mode::required_replicas == 3);
  STATIC_REQUIRE(cassandra_like::topology::sloppy);
  STATIC_REQUIRE(riak_like::topology::quorums_overlap);
  STATIC_REQUIRE(cockroach_like::topology::shard_count == 64);
  STATIC_REQUIRE(std::is_same_v<regions::versioning, version_vector<3>>);
}

TEST_CASE("empty policies cost zero bytes", "[replicator][zero_overhead]") {
  // What a node needs: its version and its id. Topology, commit mode, resolver, reads and a
  // compile-time cluster size are empty and take no space.
  struct bare {
    lamport_clock version;
    replica_id self;
  };
  STATIC_REQUIRE(sizeof(pg_like) == sizeof(bare));
  struct bare_hlc {
    hybrid_logical_clock version;
    replica_id self;
  };
  STATIC_REQUIRE(sizeof(replicator<multi_leader, last_write_wins, cluster_size<5>, in_memory_storage, plain_codec>) ==
                 sizeof(bare_hlc));
  STATIC_REQUIRE(std::is_empty_v<leader_based> && std::is_empty_v<majority> && std::is_empty_v<keep_siblings> &&
                 std::is_empty_v<cluster_size<3>> && std::is_empty_v<leaderless<>>);
  // A run-time cluster size is state, and is paid for.
  STATIC_REQUIRE(sizeof(replicator<dynamic_cluster_size>) > sizeof(pg_like));
}

TEST_CASE("a node refuses an id outside its cluster", "[replicator]") {
  CHECK(pg_like::create(replica_id{2}).ok());
  const auto bad = pg_like::create(replica_id{3});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.code() == errc::unknown_replica);

  using dyn = replicator<leader_based>;
  auto five = dynamic_cluster_size::make(5);
  REQUIRE(five.ok());
  CHECK(dyn::create(replica_id{4}, *five).ok());
  CHECK(dyn::create(replica_id{5}, *five).code() == errc::unknown_replica);
  CHECK(dynamic_cluster_size::make(0).code() == errc::out_of_range);
}

TEST_CASE("a node tracks the version of what it has seen", "[replicator]") {
  using R = replicator<multi_leader, keep_siblings, version_vector<3>, cluster_size<3>>;
  auto a = R::create(replica_id{0});
  auto b = R::create(replica_id{1});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a->record_event(local_time{}).ok());
  REQUIRE(b->record_event(local_time{}).ok());
  CHECK(a->version().compare(b->version()) == causal_order::concurrent);
  b->observe(a->version());
  REQUIRE(b->record_event(local_time{}).ok());
  CHECK(a->version().compare(b->version()) == causal_order::before);
}
