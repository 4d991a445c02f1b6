// The Raft rules, one table test each, driving a single node by hand (etcd/raft style).
#include "../support/seeds.hpp"
#include "leader_based_support.hpp"

#include <catch2/catch.hpp>

using namespace test;

namespace {
using node = lb<majority, cluster_size<3>>;
using entry = node::entry;
using msg = node::message;

const replica_id n0{0}, n1{1}, n2{2};
local_time at(std::int64_t ms) { return local_time{std::chrono::milliseconds{ms}}; }

node::durable_state disk(std::uint64_t t, std::vector<std::uint64_t> terms) {
  node::durable_state d;
  d.hard.current = term{t};
  for (std::size_t i = 0; i < terms.size(); ++i) d.log.push_back(entry{term{terms[i]}, i + 1, {op_kind::write, 0, static_cast<value_type>(i + 1)}});
  return d;
}
envelope<msg> from(replica_id f, std::uint64_t t, msg m, replica_id to = n0) { return {f, to, group_id{0}, term{t}, std::move(m)}; }

template <class P>
std::vector<P> sent(node& n) {
  std::vector<P> out;
  for (const auto& e : n.effects().messages)
    if (const auto* p = std::get_if<P>(&e.payload)) out.push_back(*p);
  return out;
}

/// Makes node 0 leader of `t0 + 1` from its disk, by timing out and collecting votes.
void elect(node& n, std::uint64_t t0) {
  n.tick(at(1000));  // past any election timeout: pre-vote
  REQUIRE(n.step(from(n1, t0 + 1, node::vote_response{true, true}), at(1000)).ok());
  REQUIRE(n.current_role() == role::candidate);
  REQUIRE(n.step(from(n1, t0 + 1, node::vote_response{false, true}), at(1000)).ok());
  REQUIRE(n.is_leader());
  n.effects().clear();
}
}  // namespace

TEST_CASE("raft: a vote goes only to a candidate whose log is at least as up to date", "[leader_based][raft]") {
  struct row {
    const char* name;
    std::uint64_t cand_term, cand_index;
    bool granted;
  };
  // The voter's log: terms [1, 1, 2] (last position: term 2, index 3).
  for (const row r : {row{"older last term, longer log", 1, 9, false}, row{"same term, shorter log", 2, 2, false},
                      row{"same term, same length", 2, 3, true}, row{"same term, longer", 2, 4, true},
                      row{"newer last term, shorter", 3, 1, true}}) {
    INFO(r.name);
    node n{n0, {}, disk(2, {1, 1, 2})};
    const auto req = node::vote_request{false, {term{r.cand_term}, log_index{r.cand_index}}};
    REQUIRE(n.step(from(n1, 5, req), at(10)).ok());
    const auto resp = sent<node::vote_response>(n);
    REQUIRE(resp.size() == 1);
    CHECK(resp[0].granted == r.granted);
    CHECK(n.current_term() == term{5});  // the higher term is adopted either way
  }
}

TEST_CASE("raft: one vote per term", "[leader_based][raft]") {
  node n{n0, {}, disk(1, {1})};
  REQUIRE(n.step(from(n1, 2, node::vote_request{false, {term{1}, log_index{1}}}), at(10)).ok());
  REQUIRE(n.step(from(n2, 2, node::vote_request{false, {term{1}, log_index{1}}}), at(10)).ok());
  const auto resp = sent<node::vote_response>(n);
  REQUIRE(resp.size() == 2);
  CHECK(resp[0].granted);
  CHECK_FALSE(resp[1].granted);
  // The vote was persisted before the response left (persist comes first in the batch).
  REQUIRE_FALSE(n.effects().persist.empty());
  const auto* hs = std::get_if<node::hard_state>(&n.effects().persist.back());
  REQUIRE(hs);
  CHECK(hs->voted_for == n1);
}

TEST_CASE("raft: a follower repairs a diverged log from the leader's", "[leader_based][raft]") {
  // Follower: [1, 1, 2, 2]; leader (term 3): [1, 1, 3]. The follower's index 3 conflicts.
  node f{n0, {}, disk(2, {1, 1, 2, 2})};
  node::append_request a;
  a.prev = {term{1}, log_index{2}};
  a.entries = {entry{term{3}, 3, {op_kind::write, 0, 30}}};
  a.commit = 3;
  REQUIRE(f.step(from(n1, 3, a), at(10)).ok());
  REQUIRE(f.last_index() == 3);
  CHECK(f.log()[2].term == term{3});
  CHECK(f.machine().value(0) == 30);
  const auto r = sent<node::append_response>(f);
  REQUIRE(r.size() == 1);
  CHECK(r[0].success);

  // A mismatch at prev is refused with a hint that skips the conflicting term.
  node g{n0, {}, disk(2, {1, 2, 2, 2})};
  node::append_request b;
  b.prev = {term{3}, log_index{4}};
  REQUIRE(g.step(from(n1, 3, b), at(10)).ok());
  const auto rb = sent<node::append_response>(g);
  REQUIRE(rb.size() == 1);
  CHECK_FALSE(rb[0].success);
  CHECK(rb[0].hint == 1);  // retry from index 2: all of term 2 is suspect
  CHECK(g.last_index() == 4);  // nothing truncated on a mismatch
}

TEST_CASE("raft: duplicated and reordered appends change nothing", "[leader_based][raft]") {
  node f{n0, {}, disk(1, {1})};
  node::append_request a1, a2;
  a1.prev = {term{1}, log_index{1}};
  a1.entries = {entry{term{1}, 2, {op_kind::write, 0, 2}}};
  a2.prev = {term{1}, log_index{2}};
  a2.entries = {entry{term{1}, 3, {op_kind::write, 0, 3}}};
  a2.commit = 3;
  REQUIRE(f.step(from(n1, 1, a1), at(1)).ok());
  REQUIRE(f.step(from(n1, 1, a2), at(2)).ok());
  const auto log = f.log();
  REQUIRE(f.step(from(n1, 1, a1), at(3)).ok());  // duplicate, late
  REQUIRE(f.step(from(n1, 1, a2), at(4)).ok());
  CHECK(f.log() == log);
  CHECK(f.applied_index() == 3);
}

TEST_CASE("raft: an entry of an older term is not committed by counting replicas", "[leader_based][raft]") {
  // Node 0 restarts with [1, 2] (term 2), becomes leader of term 3 and appends its no-op at 3.
  node l{n0, {}, disk(2, {1, 2})};
  elect(l, 2);
  REQUIRE(l.last_index() == 3);
  // Node 1 reports it holds up to index 2: a majority (0 and 1) holds the term-2 entry...
  REQUIRE(l.step(from(n1, 3, node::append_response{true, 2, 2, 0, 0, 0}), at(1001)).ok());
  CHECK(l.commit_index() == 0);  // ...but it is not committed by counting (Figure 8 of the Raft paper)
  // Once the term-3 no-op is on a majority, it and everything before it commit.
  REQUIRE(l.step(from(n1, 3, node::append_response{true, 3, 3, 0, 0, 0}), at(1002)).ok());
  CHECK(l.commit_index() == 3);
}

TEST_CASE("raft: a message from a stale term is refused and changes nothing", "[leader_based][raft][bad_input]") {
  node f{n0, {}, disk(5, {1, 5})};
  node::append_request a;  // (well formed for its term: the boundary's checks pass)
  a.prev = {term{4}, log_index{2}};
  a.entries = {entry{term{4}, 3, {op_kind::write, 0, 9}}};
  const auto s = f.step(from(n1, 4, a), at(10));
  CHECK(s.code() == errc::stale_term);
  CHECK(f.last_index() == 2);
  CHECK(f.current_term() == term{5});
  // ...but the sender is told the newer term, so a deposed leader learns it.
  const auto r = sent<node::append_response>(f);
  REQUIRE(r.size() == 1);
  CHECK_FALSE(r[0].success);
  CHECK(f.effects().messages.back().term == term{5});
}

TEST_CASE("leader-based: bad input is refused with an error value and no state change", "[leader_based][bad_input]") {
  node f{n0, {}, disk(3, {1, 3})};
  node::append_request a;
  a.prev = {term{3}, log_index{2}};
  a.entries = {entry{term{3}, 3, {op_kind::write, 0, 9}}};
  CHECK(f.step(from(replica_id{7}, 3, a), at(1)).code() == errc::unknown_replica);  // not in the cluster
  CHECK(f.step(from(n0, 3, a), at(1)).code() == errc::unknown_replica);             // from itself
  auto other_group = from(n1, 3, a);
  other_group.group = group_id{4};
  CHECK(f.step(other_group, at(1)).code() == errc::wrong_group);
  CHECK(f.last_index() == 2);
  CHECK(f.current_term() == term{3});
  CHECK(f.effects().empty());

  // A read token from the future (no write has that position yet) is refused by the leader.
  node l{n0, {}, disk(2, {1, 2})};
  elect(l, 2);
  l.submit({client_id{1}, request_id{1}, {op_kind::read, 0}, std::uint64_t{99}}, at(1001));
  REQUIRE(l.effects().replies.size() == 1);
  CHECK(l.effects().replies[0].status == reply_status::fail);
  CHECK(l.effects().replies[0].error == errc::out_of_range);
}

TEST_CASE("leader-based: values no correct peer sends are refused at the boundary, and change nothing", "[leader_based][bad_input]") {
  constexpr std::uint64_t huge = std::uint64_t{1} << 63;
  struct row {
    const char* name;
    std::uint64_t term;
    msg m;
  };
  auto append = [](std::uint64_t prev_term, std::uint64_t prev_index, std::vector<std::pair<std::uint64_t, std::uint64_t>> entries,
                   std::uint64_t commit = 0) {
    node::append_request a;
    a.prev = {term{prev_term}, log_index{prev_index}};
    std::vector<entry> es;
    for (auto [t, i] : entries) es.push_back(entry{term{t}, i, {op_kind::write, 0, 9}});
    a.entries = es;
    a.commit = commit;
    return a;
  };
  node::install_snapshot high_snap;
  high_snap.snap.index = 5;
  high_snap.snap.term = term{9};
  node::append_response huge_ack;
  huge_ack.success = true;
  huge_ack.received = UINT64_MAX;
  const row rows[] = {
      {"a term at 2^63", huge, append(3, 2, {{3, 3}})},
      {"a term at 2^64 - 1 (its next would wrap to 0)", UINT64_MAX, node::vote_request{false, {term{1}, log_index{1}}}},
      {"entries not consecutive after prev", 4, append(3, 2, {{3, 3}, {3, 5}})},
      {"an entry numbered at prev", 4, append(3, 2, {{3, 2}})},
      {"an entry of a term above the message's", 4, append(3, 2, {{5, 3}})},
      {"entry terms that decrease", 4, append(3, 2, {{4, 3}, {3, 4}})},
      {"prev's term above the message's", 4, append(6, 2, {})},
      {"prev's index at 2^63", 4, append(3, huge, {})},
      {"a commit index at 2^63", 4, append(3, 2, {}, huge)},
      {"a candidate whose last term is above its term", 4, node::vote_request{false, {term{7}, log_index{2}}}},
      {"a snapshot above the message's term", 4, high_snap},
      {"an acknowledgement at 2^64 - 1", 4, huge_ack},
  };
  for (const row& r : rows) {
    INFO(r.name);
    node f{n0, {}, disk(3, {1, 3})};
    CHECK(f.step(from(n1, r.term, r.m), at(1)).code() == errc::out_of_range);
    CHECK(f.current_term() == term{3});
    CHECK(f.last_index() == 2);
    CHECK(f.commit_index() == 0);
    CHECK(f.effects().empty());
  }
  // The same kinds of message within bounds are taken (the rows above fail on their one value).
  node f{n0, {}, disk(3, {1, 3})};
  REQUIRE(f.step(from(n1, 4, append(3, 2, {{3, 3}, {4, 4}}, 4)), at(1)).ok());
  CHECK(f.last_index() == 4);
  CHECK(f.commit_index() == 4);
  // A leader refuses an acknowledgement past 2^63; its follower's position is unchanged.
  node l{n0, {}, disk(2, {1, 2})};
  elect(l, 2);
  CHECK(l.step(from(n1, 3, huge_ack), at(1001)).code() == errc::out_of_range);
  for (const auto& fs : l.report().followers) CHECK(fs.match == 0);
  CHECK(l.effects().empty());
}

TEST_CASE("leader-based: one message at the highest term does not wedge the group", "[leader_based][bad_input]") {
  for (std::uint64_t seed : test::seeds(3)) {
    INFO("seed " << seed);
    auto c = make_cluster<node>(3, seed);
    const replica_id l = await_leader(c);
    const replica_id f{(l.value() + 1) % 3};
    // A peer's message at term 2^64 - 1: adopted, the next election's term would wrap to 0 and
    // no replica could ever win one again.
    const envelope<msg> bad{l, f, group_id{0}, term{UINT64_MAX}, node::vote_request{false, {term{1}, log_index{1}}}};
    const auto refused = c.operate(f, [&](node& n, local_time now) { return n.step(bad, now); });
    REQUIRE(refused.has_value());
    CHECK(refused->code() == errc::out_of_range);
    c.crash(l);  // an election follows
    const replica_id l2 = await_leader(c);
    CHECK(c.node(l2)->current_term() < term{100});
    c.invoke(l2, {op_kind::write, 0, 1}, 1s);
    c.run_for(300ms);
    CHECK(acked_writes(c) == 1);
  }
}
