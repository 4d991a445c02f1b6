// leader_based/config.hpp: a configuration is checked where the node is made (issue 27,
// point 4). Before, `cluster_size<3>` with `nodes = 5` ran a three-replica tracker beside a
// five-node simulator, and election_min above election_max drew timeouts from an empty range,
// both without a word.
#include <replica/commit/majority.hpp>
#include <replica/cluster/cluster_size.hpp>
#include <replica/replicator.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>

#include <catch2/catch.hpp>

using namespace replica;
using namespace std::chrono_literals;

namespace {
using fixed3 = leader_based_node<replicator<leader_based, majority, cluster_size<3>>>;
using dynamic = leader_based_node<replicator<leader_based, majority>>;
}  // namespace

TEST_CASE("leader-based config: node counts resolve the same way everywhere, contradictions are refused", "[leader_based][config]") {
  fixed3::config c;
  CHECK(c.nodes == 0);
  CHECK(fixed3::validate(c).ok());
  CHECK(fixed3::nodes_in(c) == 3);  // the composition's N
  CHECK(dynamic::nodes_in(c) == 3);  // the default, as in every topology
  c.nodes = 3;
  CHECK(fixed3::validate(c).ok());
  c.nodes = 5;
  CHECK(fixed3::validate(c).code() == errc::out_of_range);  // cluster_size<3> says otherwise
  CHECK(dynamic::validate(c).ok());
  CHECK(dynamic::nodes_in(c) == 5);
}

TEST_CASE("leader-based config: election timeouts and batches that cannot work are refused", "[leader_based][config]") {
  struct row {
    const char* what;
    void (*change)(leader_based_config&);
  };
  const row rows[] = {
      {"election_min above election_max", [](leader_based_config& c) { c.election_min = c.election_max + 1ms; }},
      {"no election timeout", [](leader_based_config& c) { c.election_min = 0ms; }},
      {"max_batch 0", [](leader_based_config& c) { c.max_batch = 0; }},
      {"max_inflight 0", [](leader_based_config& c) { c.max_inflight = 0; }},
  };
  for (const auto& r : rows) {
    INFO(r.what);
    leader_based_config c;
    r.change(c);
    CHECK(dynamic::validate(c).code() == errc::out_of_range);
  }
}

TEST_CASE("leader-based config: a node made with a refused configuration takes no part", "[leader_based][config]") {
  fixed3::config c;
  c.nodes = 5;
  fixed3 n{replica_id{0}, c, {}};
  REQUIRE(!n.config_status().ok());
  const local_time t{std::chrono::seconds{10}};
  n.tick(t);  // long past any election timeout: it does not campaign
  CHECK(n.effects().messages.empty());
  CHECK(n.effects().persist.empty());
  n.submit(client_request<kv_op>{client_id{1}, request_id{1}, kv_op{op_kind::write, 1, 2, 0, {}}}, t);
  REQUIRE(n.effects().replies.size() == 1);
  CHECK(n.effects().replies[0].status == reply_status::fail);
  CHECK(n.effects().replies[0].error == errc::out_of_range);
  envelope<fixed3::message> m{replica_id{1}, replica_id{0}, group_id{}, term{1}, fixed3::vote_request{}};
  CHECK(n.step(m, t).code() == errc::out_of_range);
  CHECK(n.current_term() == term{});
}
