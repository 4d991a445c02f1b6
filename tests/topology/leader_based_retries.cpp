// Idempotent client retries (issue 27, point 5; Raft thesis §6.3): the same request of the same
// client, sent again after a failover, a restart of every replica or a snapshot install, is
// answered with the first outcome and applied once. Each scenario checks what the write
// returned the first time, that the retry got the same answer, and the machine's state on every
// replica; without the session table the retry of `increment` answers "10" and the counter
// reads 10 (checked by hand with `sessions.max = 0`).
#include "../support/client.hpp"
#include "leader_based_support.hpp"

#include <replica/data/kv_store.hpp>

namespace {

using namespace test;
using store_node = leader_based_node<replicator<leader_based, majority, cluster_size<3>>, kv_store>;
using kv = kv_store;

/// Sends request `rid` of client 100 (the test client's id) again, as a client retrying after a
/// timeout does, and runs until its reply comes: that reply.
std::optional<store_node::reply> retry(sim::cluster<store_node>& c, test::client<store_node>& cl, replica_id to,
                                       const kv_store::operation& op, std::uint64_t rid) {
  cl.replies.erase(rid);
  c.submit(to, client_request<kv_store::operation>{cl.id, request_id{rid}, op});
  c.run_until([&](auto&) { return cl.replies.count(rid) > 0; }, c.now() + 2'000'000);
  if (!cl.replies.count(rid)) return std::nullopt;
  return cl.replies[rid];
}

/// Every live replica's counter "n", once they have applied the same index.
void require_everywhere(sim::cluster<store_node>& c, const std::string& want) {
  const bool same = c.run_until([](auto& cl) {
    std::optional<std::uint64_t> applied;
    for (std::uint32_t i = 0; i < cl.size(); ++i)
      if (const store_node* n = cl.node(replica_id{i})) {
        if (applied && *applied != n->applied_index()) return false;
        applied = n->applied_index();
      }
    return true;
  }, c.now() + 2'000'000);
  REQUIRE(same);
  for (std::uint32_t i = 0; i < c.size(); ++i)
    if (const store_node* n = c.node(replica_id{i})) CHECK(n->machine().read(kv::get{"n"}) == want);
}

}  // namespace

TEST_CASE("retries: a write retried at the new leader after a failover applies once", "[leader_based][retries]") {
  auto c = make_cluster<store_node>(3, 41);
  const replica_id l = await_leader(c);
  test::client<store_node> cl{c};
  const kv_store::operation add5 = kv::increment{"n", 5};
  const std::uint64_t rid = cl.send(l, add5);
  // The write commits (every follower has applied it), then the leader dies before the client
  // hears back: the client cannot tell whether it was done, and retries elsewhere.
  const bool applied_everywhere = c.run_until([&](auto& cc) {
    for (std::uint32_t i = 0; i < 3; ++i)
      if (cc.node(replica_id{i})->machine().read(kv::get{"n"}) != "5") return false;
    return true;
  }, c.now() + 2'000'000);
  REQUIRE(applied_everywhere);
  c.crash(l);
  const replica_id l2 = await_leader(c);
  REQUIRE(l2 != l);
  const auto again = retry(c, cl, l2, add5, rid);
  REQUIRE(again.has_value());
  REQUIRE(again->status == reply_status::ok);
  CHECK(again->result == "5");  // the first outcome ("10" if applied again)
  c.restart(l);
  require_everywhere(c, "5");
  // The client's next request is a new one: applied.
  const auto next = cl.call(l2, kv::increment{"n", 1});
  REQUIRE(next.has_value());
  REQUIRE(next->status == reply_status::ok);
  CHECK(next->result == "6");
}

TEST_CASE("retries: sessions survive a restart of every replica, through compaction and the log", "[leader_based][retries]") {
  store_node::config cfg;
  cfg.compact_every = 4;
  auto c = make_cluster<store_node>(3, 42, cfg);
  const replica_id l = await_leader(c);
  test::client<store_node> cl{c};
  std::uint64_t third = 0, last = 0;
  for (int i = 0; i < 10; ++i) {
    const std::uint64_t rid = cl.send(l, kv::increment{"n", 1});
    c.run_until([&](auto&) { return cl.replies.count(rid) > 0; }, c.now() + 2'000'000);
    REQUIRE(cl.replies.count(rid));
    REQUIRE(cl.replies[rid].status == reply_status::ok);
    if (i == 2) third = rid;
    last = rid;
  }
  c.run_for(100ms);
  REQUIRE(c.disk(l).snap.index > 0);  // compacted: the session is in the snapshot on disk
  REQUIRE(!c.disk(l).snap.sessions.records.empty());
  for (std::uint32_t i = 0; i < 3; ++i) c.crash(replica_id{i});
  for (std::uint32_t i = 0; i < 3; ++i) c.restart(replica_id{i});
  const replica_id l2 = await_leader(c);
  const auto again = retry(c, cl, l2, kv::increment{"n", 1}, last);
  REQUIRE(again.has_value());
  REQUIRE(again->status == reply_status::ok);
  CHECK(again->result == "10");
  // A request older than the client's last: not applied, and its outcome is no longer known.
  const auto old = retry(c, cl, l2, kv::increment{"n", 1}, third);
  REQUIRE(old.has_value());
  CHECK(old->status == reply_status::unknown);
  CHECK(old->error == errc::duplicate);
  require_everywhere(c, "10");
}

TEST_CASE("retries: a replica that installed a snapshot answers a retry as the old leader would", "[leader_based][retries][snapshot]") {
  store_node::config cfg;
  cfg.compact_every = 4;
  auto c = make_cluster<store_node>(3, 43, cfg);
  const replica_id l = await_leader(c);
  const replica_id f{(l.value() + 1) % 3};
  test::client<store_node> cl{c};
  c.crash(f);
  std::uint64_t last = 0;
  for (int i = 0; i < 10; ++i) {
    const auto r = cl.call(l, kv::increment{"n", 2});
    REQUIRE(r.has_value());
    REQUIRE(r->status == reply_status::ok);
    last = cl.next;
  }
  c.restart(f);
  const bool caught_up = c.run_until([&](auto& cc) { return cc.node(f)->applied_index() == cc.node(l)->applied_index(); },
                                     c.now() + 3'000'000);
  REQUIRE(caught_up);
  bool installed = false;
  for (const auto& e : c.events()) installed |= e.node == f && e.event.what == leader_event::kind::snapshot_installed;
  REQUIRE(installed);
  const auto moved = c.operate(l, [&](store_node& n, local_time now) { return n.transfer_leadership(f, now); });
  REQUIRE(moved.has_value());
  REQUIRE(moved->ok());
  const bool f_leads = c.run_until([&](auto& cc) { return cc.node(f)->is_leader(); }, c.now() + 2'000'000);
  REQUIRE(f_leads);
  const auto again = retry(c, cl, f, kv::increment{"n", 2}, last);
  REQUIRE(again.has_value());
  REQUIRE(again->status == reply_status::ok);
  CHECK(again->result == "20");
  require_everywhere(c, "20");
}

TEST_CASE("retries: a retry while the first attempt is still in the leader's log applies once", "[leader_based][retries]") {
  auto c = make_cluster<store_node>(3, 44);
  const replica_id l = await_leader(c);
  test::client<store_node> cl{c};
  const kv_store::operation add3 = kv::increment{"n", 3};
  const std::uint64_t rid = cl.send(l, add3);
  c.submit(l, client_request<kv_store::operation>{cl.id, request_id{rid}, add3});  // at once: both are appended
  c.run_for(200ms);
  REQUIRE(cl.replies.count(rid));
  CHECK(cl.replies[rid].status == reply_status::ok);
  CHECK(cl.replies[rid].result == "3");  // both replies carry the first outcome
  require_everywhere(c, "3");
  CHECK(c.node(l)->last_index() >= 3);  // (no-op, the write, its retry)
}
