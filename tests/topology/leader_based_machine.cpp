// The leader-based node over a state machine other than the registers: kv_store's commands go
// through the log and their results come back in the replies; reads go to the machine; a
// follower that missed compacted entries is brought up through Machine::restore.
#include "../support/client.hpp"
#include "leader_based_support.hpp"

#include <replica/data/kv_store.hpp>

#include <map>

namespace {

using namespace test;
using store_node = leader_based_node<replicator<leader_based, majority, cluster_size<3>>, kv_store>;
using kv = kv_store;

using store_client = test::client<store_node>;

}  // namespace

TEST_CASE("leader-based over kv_store: commands' results and refusals reach the client", "[leader_based][machine]") {
  STATIC_REQUIRE(protocol_node<store_node>);
  STATIC_REQUIRE(std::is_same_v<store_node::reply, basic_client_reply<kv_store::result>>);
  // kv_store's snapshots share on copy, so the runner encodes this node's checkpoints beside its
  // loop; a register's snapshot is a plain value, and a checkpoint encodes it on the loop.
  STATIC_REQUIRE(durable_copy_shares<store_node>);
  STATIC_REQUIRE_FALSE(durable_copy_shares<leader_based_node<replicator<leader_based, majority, cluster_size<3>>, kv_register>>);
  auto c = make_cluster<store_node>(3, 11);
  const replica_id l = await_leader(c);
  store_client cl{c};

  const auto put = cl.call(l, kv::put{"greeting", "hello"});
  REQUIRE(put.has_value());
  CHECK(put->status == reply_status::ok);
  const auto get = cl.call(l, kv::get{"greeting"});
  REQUIRE(get.has_value());
  REQUIRE(get->status == reply_status::ok);
  CHECK(get->result == "hello");

  const auto inc = cl.call(l, kv::increment{"hits", 41});
  REQUIRE(inc.has_value());
  REQUIRE(inc->status == reply_status::ok);
  CHECK(inc->result == "41");  // what apply returned, carried from the commit to the reply
  const auto inc2 = cl.call(l, kv::increment{"hits", 1});
  REQUIRE(inc2.has_value());
  CHECK(inc2->result == "42");

  const auto bad_cas = cl.call(l, kv::compare_and_set{"greeting", "bye", "x"});
  REQUIRE(bad_cas.has_value());
  CHECK(bad_cas->status == reply_status::fail);
  CHECK(bad_cas->error == errc::precondition);
  const auto bad_inc = cl.call(l, kv::increment{"greeting", 1});
  REQUIRE(bad_inc.has_value());
  CHECK(bad_inc->status == reply_status::fail);
  CHECK(bad_inc->error == errc::malformed);

  const auto removed = cl.call(l, kv::remove{"greeting"});
  REQUIRE(removed.has_value());
  REQUIRE(removed->status == reply_status::ok);
  CHECK(removed->result == "hello");

  c.run_for(200ms);
  for (std::uint32_t i = 0; i < 3; ++i) {
    const store_node* n = c.node(replica_id{i});
    REQUIRE(n != nullptr);
    CHECK(n->machine().entries() == std::map<std::string, std::string, std::less<>>{{"hits", "42"}});
    CHECK(n->machine() == c.node(l)->machine());
  }
}

TEST_CASE("leader-based over kv_store: a follower behind the compaction point is restored from the snapshot",
          "[leader_based][machine][snapshot]") {
  store_node::config cfg;
  cfg.compact_every = 8;
  auto c = make_cluster<store_node>(3, 12, cfg);
  const replica_id l = await_leader(c);
  const replica_id f{(l.value() + 1) % 3};
  store_client cl{c};
  c.crash(f);
  for (int i = 0; i < 40; ++i) {
    const auto r = cl.call(l, kv::put{"k" + std::to_string(i % 5), std::to_string(i)});
    REQUIRE(r.has_value());
    REQUIRE(r->status == reply_status::ok);
  }
  REQUIRE(c.node(l)->snapshot_index() > 0);  // compacted: the follower cannot get those entries
  c.restart(f);
  const bool caught_up = c.run_until([&](auto& cl2) {
    const store_node* n = cl2.node(f);
    return n && n->applied_index() == cl2.node(l)->applied_index();
  }, c.now() + 3'000'000);
  REQUIRE(caught_up);
  bool installed = false;
  for (const auto& e : c.events()) installed |= e.node == f && e.event.what == leader_event::kind::snapshot_installed;
  CHECK(installed);
  CHECK(c.node(f)->machine() == c.node(l)->machine());
  CHECK(c.node(f)->machine().read(kv::get{"k4"}) == "39");
  CHECK(c.node(f)->digest() == c.node(l)->digest());
}

TEST_CASE("leader-based over kv_store: a restarted replica rebuilds its machine from its disk", "[leader_based][machine]") {
  store_node::config cfg;
  cfg.compact_every = 4;
  auto c = make_cluster<store_node>(3, 13, cfg);
  const replica_id l = await_leader(c);
  store_client cl{c};
  for (int i = 0; i < 10; ++i) REQUIRE(cl.call(l, kv::increment{"n", 1}).has_value());
  c.run_for(100ms);
  const kv_store before = c.node(l)->machine();
  REQUIRE(before.read(kv::get{"n"}) == "10");
  for (std::uint32_t i = 0; i < 3; ++i) c.crash(replica_id{i});
  for (std::uint32_t i = 0; i < 3; ++i) c.restart(replica_id{i});
  const replica_id l2 = await_leader(c);
  c.run_for(300ms);  // the new leader's no-op commits the old entries; they are applied again
  CHECK(c.node(l2)->machine() == before);
  const auto more = cl.call(l2, kv::increment{"n", 1});
  REQUIRE(more.has_value());
  CHECK(more->result == "11");
}
