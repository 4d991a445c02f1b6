// Reads: A4 (a deposed leader's reads), read-your-writes tokens at followers, and
// linearizability of majority commit with read-index reads under random nemeses.
#include "../support/seeds.hpp"
#include "../support/ops.hpp"
#include "leader_based_support.hpp"

#include <replica/sim/nemesis.hpp>

#include <catch2/catch.hpp>

using namespace test;

namespace {
/// A4: the old leader is cut off into a minority while its clients keep reading from it and
/// the majority side keeps writing.
template <class Node>
check::linearizability_result deposed_leader_reads(std::uint64_t seed) {
  auto c = make_cluster<Node>(5, seed);
  const replica_id l = await_leader(c);
  c.invoke(l, {op_kind::write, 0, 1});
  c.run_for(200ms);
  c.net().split({l});
  sim::session_options readers;
  readers.clients = 2;
  readers.write_weight = 0;
  readers.targets = {l};
  readers.timeout = 100ms;
  readers.stop = c.now() + 1'000'000;
  c.add_sessions(readers);
  sim::session_options writers;
  writers.clients = 2;
  writers.read_weight = 0;
  writers.targets = {replica_id{(l.value() + 1) % 5}, replica_id{(l.value() + 2) % 5}};
  writers.stop = c.now() + 1'000'000;
  c.add_sessions(writers);
  c.run_for(1500ms);
  return check::check_linearizable(c.history());
}
}  // namespace

TEST_CASE("A4: a deposed leader serves stale reads unless reads are confirmed by a quorum", "[leader_based][faults][reads]") {
  for (std::uint64_t seed : test::seeds(3)) {
    INFO("seed " << seed);
    const auto local = deposed_leader_reads<lb<majority, eventual_reads, cluster_size<5>>>(seed);
    CHECK_FALSE(local.linearizable());  // stale reads: shown
    REQUIRE(local.culprit);
    CHECK(local.culprit->f == op_kind::read);
    CHECK(deposed_leader_reads<lb<majority, strong_reads, cluster_size<5>>>(seed).linearizable());
  }
}

TEST_CASE("read-your-writes: a follower read with a token is served only when the follower has caught up",
          "[leader_based][reads]") {
  using node = lb<asynchronous, eventual_reads, cluster_size<3>>;
  auto c = make_cluster<node>(3, 4);
  const replica_id l = await_leader(c);
  const replica_id f{(l.value() + 1) % 3};
  c.run_for(100ms);
  c.net().set_connected(l, f, false);  // the follower lags: it cannot hear the leader
  REQUIRE(run_op(c, l, {op_kind::write, 0, 5}).type == check::event_type::ok);
  // Without a token, the lagging follower answers with what it has: stale (the form-resubmit bug).
  const auto stale = run_op(c, f, {op_kind::read, 0});
  REQUIRE(stale.type == check::event_type::ok);  // it completed, and saw nil
  CHECK_FALSE(stale.value.has_value());
  // With the write's token, it redirects to the leader, which has the write.
  node* fn = c.node(f);
  fn->submit({client_id{77}, request_id{1}, {op_kind::read, 0}, std::uint64_t{c.node(l)->last_index()}}, local_time{});
  REQUIRE(fn->effects().replies.size() == 1);
  CHECK(fn->effects().replies[0].status == reply_status::redirect);
  CHECK(fn->effects().replies[0].leader_hint == l);
  fn->effects().clear();
  c.net().heal();
  c.run_for(200ms);
  fn->submit({client_id{77}, request_id{2}, {op_kind::read, 0}, std::uint64_t{c.node(l)->last_index()}}, local_time{});
  REQUIRE(fn->effects().replies.size() == 1);
  CHECK(fn->effects().replies[0].status == reply_status::ok);
  CHECK(fn->effects().replies[0].result == std::vector<value_type>{5});
  fn->effects().clear();
}

TEST_CASE("leader-based: lag and the in-sync set show in the leader's status", "[leader_based][reads]") {
  using node = lb<synchronous_with<2>, cluster_size<3>>;
  auto c = make_cluster<node>(3, 5);
  const replica_id l = await_leader(c);
  const replica_id f{(l.value() + 2) % 3};
  c.net().isolate(f);
  for (value_type v = 1; v <= 3; ++v) c.invoke(l, {op_kind::write, 0, v});
  c.run_for(1s);
  const auto s = c.node(l)->report();
  REQUIRE(s.followers.size() == 2);
  for (const auto& fs : s.followers) {
    if (fs.id == f) {
      CHECK_FALSE(fs.in_sync);  // fell out of the in-sync set after max_lag
      CHECK(fs.lag_entries >= 3);
      CHECK(fs.lag_time >= 900ms);
      CHECK(fs.since_heard >= 900ms);
    } else {
      CHECK(fs.in_sync);
      CHECK(fs.lag_entries == 0);
      CHECK(fs.lag_time == 0ms);
    }
  }
  // With two of three in sync (min.insync.replicas = 2), writes still commit.
  CHECK(c.node(l)->commit_index() == c.node(l)->last_index());
}

namespace {
/// Random faults of every kind on `c`, then heal: the clients finish, the replicas converge, and
/// the history is linearizable (the first operation that is not, printed).
template <class Node>
void linearizable_under_nemeses(sim::cluster<Node>& c) {
  CHECK(random_faults_then_heal(c, {sim::fault_kind::isolate, sim::fault_kind::isolate_leader, sim::fault_kind::split,
                                    sim::fault_kind::bridge, sim::fault_kind::ring, sim::fault_kind::crash,
                                    sim::fault_kind::pause, sim::fault_kind::lossy, sim::fault_kind::clock_skew}));
  const auto r = check::check_linearizable(c.history());
  if (!r.linearizable() && r.culprit) UNSCOPED_INFO("culprit: " << check::to_edn(c.history()[r.culprit->complete_index < c.history().size() ? r.culprit->complete_index : r.culprit->invoke_index]));
  CHECK(r.linearizable());
}
}  // namespace

TEST_CASE("leader-based: majority with read-index reads is linearizable under random nemeses",
          "[leader_based][linearizability]") {
  using node = lb<majority, strong_reads, cluster_size<5>>;
  for (std::uint64_t seed : test::seeds(6)) {
    INFO("seed " << seed << " (replay: REPLICA_SEED=" << seed << ")");
    auto c = make_cluster<node>(5, seed);
    linearizable_under_nemeses(c);
    CHECK(lost_acked_writes(c) == 0);
  }
}

TEST_CASE("leader-based: the applied ack point, with commit notices and compaction, is linearizable under random nemeses",
          "[leader_based][linearizability]") {
  // Followers are told every commit at once here (a write's reply waits for them to apply), and
  // the logs are compacted every 8 entries, so laggards catch up by snapshot. (A snapshot keeps
  // the last value of each key only, so acknowledged writes are checked through the reads that
  // follow them, not against every value ever applied as in the test above.)
  using node = lb<majority_with<ack_on::applied>, strong_reads, cluster_size<5>>;
  node::config cfg;
  cfg.compact_every = 8;
  for (std::uint64_t seed : test::seeds(3)) {
    INFO("seed " << seed << " (replay: REPLICA_SEED=" << seed << ")");
    auto c = make_cluster<node>(5, seed, cfg);
    linearizable_under_nemeses(c);
  }
}
