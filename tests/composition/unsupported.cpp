// Issue 27, point 3: an operation a node cannot do gets one answer in every topology: `fail`
// with `errc::unsupported`, and nothing applied. An operation kind outside the enum used to get
// `ok` (leader-based), no reply at all (leaderless) and `fail` (multi-leader).
#include <replica/commit/majority.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/sim/leader.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/topology/multi_leader.hpp>
#include <replica/topology/multi_leader_node.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <catch2/catch.hpp>

using namespace replica;
using namespace std::chrono_literals;

namespace {
const kv_op unknown_kind{static_cast<op_kind>(42), 1, 7, 0, {}};

/// Submits `unknown_kind` to node `n`, made by hand: refused at once, nothing persisted or sent.
template <class Node>
void refused_at_once(Node& n) {
  n.submit({client_id{9}, request_id{1}, unknown_kind}, local_time{});
  REQUIRE(n.effects().replies.size() == 1);
  CHECK(n.effects().replies[0].status == reply_status::fail);
  CHECK(n.effects().replies[0].error == errc::unsupported);
  CHECK(n.effects().persist.empty());
  CHECK(n.effects().messages.empty());
}
}  // namespace

TEST_CASE("every topology answers an operation it cannot do with fail/unsupported, and applies nothing", "[composition][bad_input]") {
  SECTION("leader-based: refused by the machine when the entry applies") {
    using node = leader_based_node<replicator<leader_based, majority>>;
    sim::cluster_options o;
    o.seed = 3;
    sim::cluster<node> c{o};
    REQUIRE(c.config_status().ok());
    std::optional<replica_id> l;
    REQUIRE(c.run_until([&](auto& cl) { return (l = sim::current_leader(cl)).has_value(); }, c.now() + 3'000'000));
    std::optional<node::reply> got;
    c.on_reply([&](const node::reply& r) { got = r; });
    c.submit(*l, client_request<kv_op>{client_id{9}, request_id{1}, unknown_kind});
    REQUIRE(c.run_until([&](auto&) { return got.has_value(); }, c.now() + 2'000'000));
    CHECK(got->status == reply_status::fail);
    CHECK(got->error == errc::unsupported);
    c.run_for(100ms);
    for (std::uint32_t i = 0; i < 3; ++i) CHECK(applied_writes(*c.node(replica_id{i})).empty());
  }
  SECTION("leaderless: refused by the coordinator") {
    using node = leaderless_node<replicator<leaderless<n<3>, w<2>, r<2>>, last_write_wins, hybrid_logical_clock>>;
    node n{replica_id{0}, {}, {}};
    refused_at_once(n);
  }
  SECTION("multi-leader: refused by the leader that takes it") {
    using node = multi_leader_node<replicator<multi_leader, last_write_wins, hybrid_logical_clock>>;
    node n{replica_id{0}, {}, {}};
    refused_at_once(n);
  }
}
