// The simulator checks a cluster's configuration where the cluster is made (issue 27, point 4):
// the node's own validation, and that `cluster_options::nodes` and the node's count agree.
// Before, a disagreement ran: three simulated nodes beside a five-replica tracker never
// committed, and leaderless rings over nodes that did not exist never converged.
#include <replica/commit/majority.hpp>
#include <replica/cluster/cluster_size.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/topology/multi_leader.hpp>
#include <replica/topology/multi_leader_node.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <catch2/catch.hpp>

using namespace replica;

namespace {
using raft3 = leader_based_node<replicator<leader_based, majority, cluster_size<3>>>;
using raft = leader_based_node<replicator<leader_based, majority>>;
using dynamo = leaderless_node<replicator<leaderless<n<3>, w<2>, r<2>>, last_write_wins, hybrid_logical_clock>>;
using regions = multi_leader_node<replicator<multi_leader, last_write_wins, hybrid_logical_clock>>;

sim::cluster_options nodes(std::size_t n) {
  sim::cluster_options o;
  o.nodes = n;
  return o;
}
template <class Node>
std::size_t up(const sim::cluster<Node>& c) {
  std::size_t k = 0;
  for (std::uint32_t i = 0; i < c.size(); ++i) k += c.up(replica_id{i});
  return k;
}
}  // namespace

TEST_CASE("sim config: the defaults agree in every topology", "[sim][config]") {
  sim::cluster<raft3> a{nodes(3)};
  sim::cluster<raft> b{nodes(3)};
  sim::cluster<dynamo> d{nodes(3)};
  sim::cluster<regions> m{nodes(3)};
  CHECK(a.config_status().ok());
  CHECK(b.config_status().ok());
  CHECK(d.config_status().ok());
  CHECK(m.config_status().ok());  // (the multi-leader default was 2 leaders)
  CHECK(up(a) + up(b) + up(d) + up(m) == 12);
  CHECK(regions::nodes_in({}) == 3);
}

TEST_CASE("sim config: node counts that disagree start nothing and say why", "[sim][config]") {
  sim::cluster<raft3> fixed{nodes(5)};  // cluster_size<3> against five simulated nodes
  CHECK(fixed.config_status().code() == errc::out_of_range);
  CHECK(up(fixed) == 0);
  fixed.crash(replica_id{0});
  fixed.restart(replica_id{0});  // still nothing
  CHECK(up(fixed) == 0);

  raft::config rc;
  rc.nodes = 5;
  sim::cluster<raft> counted{nodes(3), rc};
  CHECK(counted.config_status().code() == errc::out_of_range);

  raft3::config contradicts;
  contradicts.nodes = 5;
  sim::cluster<raft3> against{nodes(3), contradicts};
  CHECK(against.config_status().code() == errc::out_of_range);  // the node's own validate

  dynamo::config lc;
  lc.nodes = 5;
  sim::cluster<dynamo> ring{nodes(3), lc};
  CHECK(ring.config_status().code() == errc::out_of_range);

  sim::cluster<regions> two{nodes(2)};  // two regions need nodes = 2 said
  CHECK(two.config_status().code() == errc::out_of_range);
  regions::config mc;
  mc.nodes = 2;
  sim::cluster<regions> said{nodes(2), mc};
  CHECK(said.config_status().ok());
  CHECK(up(said) == 2);
}

TEST_CASE("sim config: a multi-leader star whose hub is not a replica is refused", "[sim][config][multi_leader]") {
  regions::config mc;
  mc.topology = propagation_topology::star;
  mc.hub = replica_id{7};
  CHECK(regions::validate(mc).code() == errc::unknown_replica);
  sim::cluster<regions> c{nodes(3), mc};
  CHECK(c.config_status().code() == errc::unknown_replica);
  regions node{replica_id{0}, mc, {}};  // made by hand: it refuses every request with the reason
  const local_time t{};
  node.submit(client_request<kv_op>{client_id{1}, request_id{1}, kv_op{op_kind::write, 1, 2, 0, {}}}, t);
  REQUIRE(node.effects().replies.size() == 1);
  CHECK(node.effects().replies[0].status == reply_status::fail);
  CHECK(node.effects().replies[0].error == errc::unknown_replica);
  node.tick(t + std::chrono::seconds{1});
  CHECK(node.effects().messages.empty());
  mc.hub = replica_id{2};
  CHECK(regions::validate(mc).ok());
}

TEST_CASE("sim config: check_cluster_config answers as the cluster would, without making one", "[sim][config]") {
  CHECK(sim::check_cluster_config<raft3>(nodes(3), {}).ok());
  const auto five = sim::check_cluster_config<raft3>(nodes(5), {});
  REQUIRE_FALSE(five.ok());
  CHECK(five.err().code == errc::out_of_range);
  CHECK(sim::check_cluster_config<raft3>(nodes(5), {}).err() == sim::cluster<raft3>{nodes(5), {}}.config_status().err());
  CHECK(sim::check_cluster_config<raft3>(nodes(0), {}).err().code == errc::out_of_range);
}
