// leader_based/wire.hpp: what each persist entry does to the disk.
#include <replica/data/kv_register.hpp>
#include <replica/topology/leader_based/wire.hpp>

#include <catch2/catch.hpp>

using namespace replica;
using w = leader_based_detail::wire<kv_register>;

namespace {
w::entry e(std::uint64_t t, std::uint64_t i, value_type v) {
  return w::entry{.term = term{t}, .index = i, .op = {op_kind::write, 0, v, 0, {}}, .log_bytes = 0, .is_noop = false};
}
w::log_write write(std::uint64_t from, std::vector<w::entry> es) {
  leader_based_detail::batch_pool<w::entry> pool;
  return {.from = from, .entries = pool.copy_of(es.begin(), es.end())};
}
}  // namespace

TEST_CASE("wire: an empty disk holds the empty machine's snapshot", "[leader_based][wire]") {
  const w::durable_state d;
  CHECK(d.snap.index == 0);
  CHECK(d.snap.state == kv_register{}.snapshot());
  CHECK(d.log.empty());
}

TEST_CASE("wire: persist appends, truncates, keeps hard state and compacts", "[leader_based][wire]") {
  w::durable_state d;
  w::persist(d, w::hard_state{.current = term{3}, .voted_for = replica_id{1}});
  CHECK(d.hard.current == term{3});
  w::persist(d, write(1, {e(1, 1, 10), e(1, 2, 20), e(1, 3, 30)}));
  REQUIRE(d.log.size() == 3);
  w::persist(d, write(3, {e(2, 3, 31), e(2, 4, 40)}));  // truncate after 2, then append
  REQUIRE(d.log.size() == 4);
  CHECK(d.log[2] == e(2, 3, 31));
  w::persist(d, w::snapshot{.index = 2, .term = term{1}, .bytes = 0, .state = {{0, 20}}});
  REQUIRE(d.log.size() == 2);  // the suffix after the snapshot is kept (it agrees at index 2)
  CHECK(d.log[0].index == 3);
  w::persist(d, w::snapshot{.index = 9, .term = term{5}, .bytes = 0, .state = {{0, 90}}});
  CHECK(d.log.empty());  // a snapshot past the log replaces it
  CHECK(d.snap.index == 9);
}

TEST_CASE("wire: a snapshot of entries the disk holds restates it, one that replaces the log does not", "[leader_based][wire]") {
  w::durable_state d;
  w::persist(d, write(1, {e(1, 1, 10), e(1, 2, 20), e(2, 3, 30)}));
  const auto snap = [](std::uint64_t i, std::uint64_t t) { return w::snapshot{.index = i, .term = term{t}, .bytes = 0, .state = {}}; };
  CHECK(w::restates(d, snap(2, 1)));      // a compaction: entry 2 of term 1 is on the disk
  CHECK(w::restates(d, snap(3, 2)));      // through the last entry
  CHECK_FALSE(w::restates(d, snap(3, 1)));  // another term at 3: a leader's snapshot of a log this one does not hold
  CHECK_FALSE(w::restates(d, snap(4, 2)));  // past the log: an install that replaces it
  CHECK_FALSE(w::restates(d, w::persist_entry{w::hard_state{.current = term{3}}}));
  CHECK_FALSE(w::restates(d, w::persist_entry{write(4, {e(2, 4, 40)})}));
  w::persist(d, snap(2, 1));
  CHECK_FALSE(w::restates(d, snap(2, 1)));  // at the disk's own snapshot: nothing to restate
  CHECK_FALSE(w::restates(d, snap(1, 1)));
  CHECK(w::restates(d, snap(3, 2)));
}

TEST_CASE("wire: persisting an entry moved in gives the disk a copy gives", "[leader_based][wire]") {
  // (A runner moves a compaction's snapshot into its copy of the disk, since the state is large.)
  const std::vector<w::persist_entry> batch{write(1, {e(1, 1, 10), e(1, 2, 20), e(1, 3, 30)}),
                                            w::snapshot{.index = 2, .term = term{1}, .bytes = 7, .state = {{0, 20}, {1, 5}}},
                                            w::hard_state{.current = term{2}}};
  w::durable_state copied, moved;
  for (const auto& p : batch) w::persist(copied, p);
  for (auto p : batch) w::persist(moved, std::move(p));
  CHECK(moved == copied);
  CHECK(moved.snap.state == kv_register::snapshot_type{{0, 20}, {1, 5}});
  CHECK(moved.log.size() == 1);
}
