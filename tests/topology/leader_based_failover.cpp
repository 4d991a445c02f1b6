// Failover beyond Raft's own election: leadership transfer (switchover), manual failover
// (promote), the controller election that promotes the most advanced in-sync replica (Kafka,
// Patroni), and unclean election with the acknowledged writes it throws away.
#include "../support/seeds.hpp"
#include "leader_based_support.hpp"

#include <replica/sim/controller.hpp>
#include <replica/topology/leader_based/election.hpp>
#include <replica/topology/leader_based/failover_controller.hpp>

#include <catch2/catch.hpp>

using namespace test;

namespace {
template <class Node>
void writers(sim::cluster<Node>& c, duration for_how_long, std::size_t clients = 3) {
  sim::session_options s;
  s.clients = clients;
  s.read_weight = 1;
  s.keys = 2;
  s.timeout = 300ms;
  s.sticky = false;
  s.stop = c.now() + for_how_long.count();
  c.add_sessions(s);
}
}  // namespace

TEST_CASE("transfer: leadership moves to the chosen follower, no acknowledged write is lost",
          "[leader_based][failover]") {
  using node = lb<majority, cluster_size<3>>;
  for (std::uint64_t seed : test::seeds(3)) {
    INFO("seed " << seed);
    auto c = make_cluster<node>(3, seed);
    const replica_id l = await_leader(c);
    const replica_id to{(l.value() + 1) % 3};
    writers(c, 1500ms);
    c.run_for(400ms);
    const auto started = c.now();
    const auto st = c.operate(l, [&](node& n, local_time now) { return n.transfer_leadership(to, now); });
    REQUIRE(st.has_value());
    REQUIRE(st->ok());
    REQUIRE(c.run_until([&](auto& cl) { return cl.node(to)->is_leader(); }, c.now() + 300'000));
    // Far quicker than an election timeout (150 to 300 ms) plus a vote: it needs no timeout.
    CHECK(c.now() - started < 100'000);
    CHECK(has_event(c, leader_event::kind::transfer_started));
    CHECK_FALSE(has_event(c, leader_event::kind::transfer_aborted));
    c.run_for(1500ms);
    CHECK(acked_writes(c) > 50);
    CHECK(lost_acked_writes(c) == 0);
    CHECK(check::check_linearizable(c.history()).linearizable());
  }
}

TEST_CASE("transfer: refused at a follower and for an unknown replica, with no state change",
          "[leader_based][failover][bad_input]") {
  using node = lb<majority, cluster_size<3>>;
  auto c = make_cluster<node>(3, 7);
  const replica_id l = await_leader(c);
  const replica_id f{(l.value() + 1) % 3};
  const auto term_before = c.node(l)->current_term();
  const auto at_follower = c.operate(f, [&](node& n, local_time now) { return n.transfer_leadership(l, now); });
  REQUIRE(at_follower.has_value());
  CHECK(at_follower->err().code == errc::not_leader);
  const auto unknown = c.operate(l, [&](node& n, local_time now) { return n.transfer_leadership(replica_id{9}, now); });
  CHECK(unknown->err().code == errc::unknown_replica);
  CHECK(c.node(l)->is_leader());
  CHECK(c.node(l)->current_term() == term_before);
  CHECK_FALSE(has_event(c, leader_event::kind::transfer_started));
}

TEST_CASE("transfer: aborted when the target cannot take over, and the leader takes writes again",
          "[leader_based][failover]") {
  using node = lb<majority, cluster_size<3>>;
  auto c = make_cluster<node>(3, 8);
  const replica_id l = await_leader(c);
  const replica_id to{(l.value() + 1) % 3};
  c.net().isolate(to);
  REQUIRE(c.operate(l, [&](node& n, local_time now) { return n.transfer_leadership(to, now); })->ok());
  c.invoke(l, {op_kind::write, 0, 1});  // refused during the switchover: definitely not done
  c.run_for(20ms);
  CHECK(c.history().back().type == check::event_type::fail);
  c.run_for(400ms);
  CHECK(has_event(c, leader_event::kind::transfer_aborted));
  CHECK(c.node(l)->is_leader());
  c.invoke(l, {op_kind::write, 0, 2});
  c.run_for(50ms);
  CHECK(c.history().back().type == check::event_type::ok);
}

TEST_CASE("manual failover: promote campaigns at once, but the vote restriction still protects committed writes",
          "[leader_based][failover]") {
  using node = lb<majority, cluster_size<3>>;
  auto c = make_cluster<node>(3, 9);
  const replica_id l = await_leader(c);
  const replica_id a{(l.value() + 1) % 3}, b{(l.value() + 2) % 3};
  // b falls behind: it misses writes that l and a commit.
  c.net().isolate(b);
  for (value_type v = 1; v <= 5; ++v) c.invoke(l, {op_kind::write, 0, v});
  c.run_for(100ms);
  c.crash(l);
  c.net().heal();
  // The operator promotes the stale replica b: it campaigns now, but a will not vote for a log
  // behind its own, so b cannot win and the five writes survive.
  REQUIRE(c.operate(b, [](node& n, local_time now) { return n.promote(now); })->ok());
  c.run_for(20ms);
  CHECK_FALSE(c.node(b)->is_leader());
  // Promoting the up-to-date replica works at once (no election timeout to wait for).
  const auto before = c.now();
  REQUIRE(c.operate(a, [](node& n, local_time now) { return n.promote(now); })->ok());
  REQUIRE(c.run_until([&](auto& cl) { return cl.node(a)->is_leader(); }, c.now() + 100'000));
  CHECK(c.now() - before < 20'000);
  c.run_for(200ms);
  CHECK(c.node(a)->machine().value(0) == value_type{5});
  CHECK(lost_acked_writes(c) == 0);
}

namespace {
using kafka_like = lb<synchronous_with<1>, controller_election<>, cluster_size<3>>;
using kafka_unclean = lb<synchronous_with<1>, controller_election<unclean_election::allow>, cluster_size<3>>;

template <class Node>
void start_controller(sim::cluster<Node>& c, failover_controller& ctl, sim::sim_time stop) {
  sim::run_failover_controller(c, ctl, 20ms, stop);
}
}  // namespace

TEST_CASE("controller election: the most advanced in-sync replica is promoted, and one survivor is enough",
          "[leader_based][failover][controller]") {
  for (std::uint64_t seed : test::seeds(3)) {
    INFO("seed " << seed);
    auto c = make_cluster<kafka_like>(3, seed);
    failover_controller ctl{{3, 200ms, false}};
    start_controller(c, ctl, 5'000'000);
    const replica_id l = await_leader(c, 2s);
    CHECK(ctl.promotions() == 1);
    writers(c, 800ms);
    c.run_for(900ms);
    // Two of three fail: Raft could not elect anyone (no majority); the controller promotes the
    // survivor, which (acks = all in-sync) holds every acknowledged write.
    const replica_id a{(l.value() + 1) % 3}, b{(l.value() + 2) % 3};
    c.crash(l);
    c.crash(a);
    REQUIRE(c.run_until([&](auto& cl) { return cl.node(b)->is_leader(); }, c.now() + 1'000'000));
    CHECK(ctl.promotions() == 2);
    CHECK(ctl.thrown_away() == 0);
    // (Its followers count as in sync until max_lag passes without them: then it commits alone.)
    c.invoke(b, {op_kind::write, 1, 99}, 2s);
    c.run_for(1s);
    CHECK(c.history().back().type == check::event_type::ok);
    CHECK(acked_writes(c) > 20);
    CHECK(lost_acked_writes(c) == 0);
  }
}

TEST_CASE("controller election: the same double failure leaves a Raft cluster without a leader",
          "[leader_based][failover][controller]") {
  using node = lb<majority, cluster_size<3>>;
  auto c = make_cluster<node>(3, 3);
  const replica_id l = await_leader(c);
  c.crash(l);
  c.crash(replica_id{(l.value() + 1) % 3});
  c.run_for(3s);
  CHECK_FALSE(leader_of(c).has_value());
}


TEST_CASE("unclean election: forbidden by default (unavailable), when allowed it loses acknowledged writes and counts them",
          "[leader_based][failover][controller]") {
  for (std::uint64_t seed : test::seeds(3)) {
    INFO("seed " << seed);
    std::size_t lost[2] = {0, 0};
    std::uint64_t thrown[2] = {0, 0};
    bool leader_after[2] = {false, false};
    auto run = [&](auto tag, int k) {
      using Node = typename decltype(tag)::type;
      auto c = make_cluster<Node>(3, seed);
      failover_controller ctl{{3, 200ms, Node::election::unclean}};
      start_controller(c, ctl, 6'000'000);
      const replica_id l = await_leader(c, 2s);
      c.run_for(100ms);
      c.net().isolate(l);  // clients still reach it; the followers do not
      for (value_type v = 1; v <= 10; ++v) {
        c.invoke(l, {op_kind::write, 0, v}, 2s);
        c.run_for(100ms);
      }
      // The in-sync set shrank to the leader alone (max_lag 500 ms); it committed by itself.
      CHECK_FALSE(ctl.in_sync(replica_id{(l.value() + 1) % 3}));
      c.crash(l);
      c.net().heal();
      c.run_for(1s);
      leader_after[k] = leader_of(c).has_value();
      // The old leader returns: clean, it is the in-sync replica and is promoted with its
      // writes; unclean, it follows the promoted replica and its extra writes are truncated.
      c.restart(l);
      c.run_for(1500ms);
      REQUIRE(leader_of(c).has_value());
      lost[k] = lost_acked_writes(c);
      thrown[k] = ctl.thrown_away();
    };
    run(std::type_identity<kafka_like>{}, 0);
    run(std::type_identity<kafka_unclean>{}, 1);
    CHECK_FALSE(leader_after[0]);  // clean only: nobody in sync is left, so nobody leads until it returns
    CHECK(lost[0] == 0);
    CHECK(leader_after[1]);
    CHECK(lost[1] > 0);            // the expected loss, present
    CHECK(thrown[1] >= lost[1]);   // and counted (positions include the leaders' no-ops)
  }
}

TEST_CASE("controller election: promote needs a term above the replica's, else it changes nothing",
          "[leader_based][failover][bad_input]") {
  using node = kafka_like;
  auto c = make_cluster<node>(3, 1);
  c.run_for(100ms);
  auto no_term = c.operate(replica_id{0}, [](node& n, local_time now) { return n.promote(now); });
  CHECK(no_term->err().code == errc::out_of_range);
  REQUIRE(c.operate(replica_id{0}, [](node& n, local_time now) { return n.promote(now, term{3}); })->ok());
  c.run_for(50ms);
  REQUIRE(c.node(replica_id{0})->is_leader());
  auto stale = c.operate(replica_id{1}, [](node& n, local_time now) { return n.promote(now, term{2}); });
  CHECK(stale->err().code == errc::stale_term);
  CHECK_FALSE(c.node(replica_id{1})->is_leader());
  CHECK(c.node(replica_id{1})->current_term() == term{3});
  // Without a controller nobody ever campaigns.
  auto idle = make_cluster<node>(3, 2);
  idle.run_for(3s);
  CHECK_FALSE(leader_of(idle).has_value());
}
