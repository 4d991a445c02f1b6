// leader_based/raft_log.hpp: the follower's consistency check (check_append) and slices.
#include <replica/core/client.hpp>
#include <replica/topology/leader_based/raft_log.hpp>

#include <catch2/catch.hpp>

#include <vector>

using namespace replica;
using namespace leader_based_detail;

namespace {
struct ent {
  replica::term term{};
  std::uint64_t index = 0;
  std::uint64_t log_bytes = 0;
  [[nodiscard]] std::uint64_t body_bytes() const noexcept { return 0; }
};
/// A log holding entries of these terms at 1, 2, ...
raft_log<ent> log_of(std::vector<std::uint64_t> terms, std::uint64_t snap = 0, std::uint64_t snap_term = 0) {
  std::vector<ent> es;
  for (std::size_t i = 0; i < terms.size(); ++i) es.push_back({replica::term{terms[i]}, snap + i + 1, 0});
  return {snap, replica::term{snap_term}, 0, es};
}
std::vector<ent> batch(std::uint64_t from, std::vector<std::uint64_t> terms) {
  std::vector<ent> b;
  for (std::size_t i = 0; i < terms.size(); ++i) b.push_back({replica::term{terms[i]}, from + i, 0});
  return b;
}
}  // namespace

TEST_CASE("check_append: new entries, duplicates and a conflicting suffix", "[leader_based][raft_log]") {
  const auto log = log_of({1, 1, 2});
  auto c = log.check_append(3, term{2}, batch(4, {2, 2}), 0);
  CHECK(c.success);
  CHECK(c.first_new == 0);
  CHECK_FALSE(c.conflict);
  CHECK(c.last_new == 5);
  c = log.check_append(1, term{1}, batch(2, {1, 2}), 0);  // all held: a duplicate
  CHECK(c.success);
  CHECK(c.first_new == 2);
  CHECK(c.last_new == 3);
  c = log.check_append(1, term{1}, batch(2, {1, 3, 3}), 0);  // index 3 holds term 2, the leader's 3
  CHECK(c.success);
  CHECK(c.first_new == 1);
  CHECK(c.conflict);
  CHECK(c.last_new == 4);
}

TEST_CASE("check_append: refusals carry a hint", "[leader_based][raft_log]") {
  const auto log = log_of({1, 1, 2, 2, 2});
  auto c = log.check_append(9, term{3}, batch(10, {3}), 0);  // past the end
  CHECK_FALSE(c.success);
  CHECK(c.hint == 5);
  c = log.check_append(5, term{3}, batch(6, {3}), 0);  // term mismatch: back off over term 2
  CHECK_FALSE(c.success);
  CHECK(c.hint == 2);
  c = log.check_append(5, term{3}, batch(6, {3}), 4);  // not below the commit index
  CHECK(c.hint == 4);
  const auto compacted = log_of({2, 2}, 10, 1);
  c = compacted.check_append(4, term{1}, batch(5, {1}), 0);  // below the compaction point
  CHECK_FALSE(c.success);
  CHECK(c.hint == 10);
  CHECK_FALSE(c.need_snapshot);
  c = compacted.check_append(10, term{2}, batch(11, {2}), 0);  // diverged at the compaction point
  CHECK_FALSE(c.success);
  CHECK(c.need_snapshot);
  c = compacted.check_append(8, term{1}, batch(9, {1, 3}), 0);  // entry 10 has term 1 here, 3 there
  CHECK_FALSE(c.success);
  CHECK(c.need_snapshot);
}

TEST_CASE("slice: the entries between two indexes, in place, above a snapshot", "[leader_based][raft_log]") {
  const auto log = log_of({3, 3, 4, 5}, 10, 2);  // entries 11..14
  const auto s = log.slice(12, 13);
  REQUIRE(s.size() == 2);
  CHECK(s[0].index == 12);
  CHECK(s[1].index == 13);
  CHECK(s.data() == &log.at(12));  // no copy
  CHECK(log.slice(14, 14).front().term == term{5});
  CHECK(log.slice(11, 14).size() == 4);
}

TEST_CASE("folded entries: held for followers that lag, matched, never truncated", "[leader_based][raft_log][snapshot]") {
  auto log = log_of({1, 1, 2, 2, 3, 3});  // entries 1..6
  log.fold_through(4);                   // the snapshot is at 4; the log still holds 1..6
  CHECK(log.snapshot_index() == 4);
  CHECK(log.base_index() == 0);
  CHECK(log.contains(2));
  log.discard_through(2);  // keep 3..6 (etcd's catch-up entries below its snapshot)
  CHECK(log.base_index() == 2);
  CHECK(log.base_term() == term{1});
  CHECK(log.snapshot_index() == 4);
  CHECK(log.term_at(3) == term{2});
  CHECK(log.term_at(1) == std::nullopt);
  log.discard_through(5);  // past the snapshot: refused, nothing dropped
  CHECK(log.base_index() == 2);
  log.fold_through(3);  // the compaction point never moves back
  CHECK(log.snapshot_index() == 4);

  // A leader's append that matches at a folded entry is accepted like any other.
  auto c = log.check_append(3, term{2}, batch(4, {2, 3, 3, 4}), 0);
  CHECK(c.success);
  CHECK(c.first_new == 3);
  CHECK_FALSE(c.conflict);
  // One that differs at a folded entry cannot truncate it: it is asked for a snapshot.
  c = log.check_append(3, term{2}, batch(4, {4}), 0);
  CHECK_FALSE(c.success);
  CHECK(c.need_snapshot);
  c = log.check_append(4, term{4}, batch(5, {4}), 0);  // its previous entry is folded here with term 2
  CHECK_FALSE(c.success);
  CHECK(c.need_snapshot);
  // After the compaction point a conflict truncates as usual, and backs off no lower than it.
  c = log.check_append(6, term{4}, batch(7, {4}), 0);
  CHECK_FALSE(c.success);
  CHECK_FALSE(c.need_snapshot);
  CHECK(c.hint == 4);
  c = log.check_append(4, term{2}, batch(5, {4}), 0);
  CHECK(c.success);
  CHECK(c.conflict);
  log.truncate_after(2);  // never below the compaction point
  CHECK(log.last_index() == 4);
  CHECK(log.term_at(4) == term{2});

  // A snapshot the log agrees with moves both points; one it does not replaces the log.
  log.install(4, term{2}, 99);
  CHECK(log.base_index() == 4);
  CHECK(log.snapshot_index() == 4);
  CHECK(log.bytes_through(4) == 99);
  log.install(9, term{5}, 7);
  CHECK(log.base_index() == 9);
  CHECK(log.snapshot_index() == 9);
  CHECK(log.last_index() == 9);
}
