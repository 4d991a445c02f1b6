// leader_based/tracker.hpp: the leader's view of its followers and the commit rule's inputs.
#include <replica/commit/majority.hpp>
#include <replica/commit/synchronous.hpp>
#include <replica/topology/leader_based/tracker.hpp>

#include <catch2/catch.hpp>

using namespace replica;
using leader_based_detail::tracker;

namespace {
local_time at(std::int64_t ms) { return local_time{std::chrono::milliseconds{ms}}; }
}  // namespace

TEST_CASE("tracker: matches, the majority rule and fail-fast's check", "[leader_based][tracker]") {
  tracker<5> t{replica_id{0}, 5};
  t.reset(0, at(0));
  const tracker<5>::view_context ctx{.now = at(10), .max_lag = std::chrono::milliseconds{500}, .connected = std::chrono::milliseconds{150}};
  t[replica_id{1}].acknowledged(7, 7, 7, 9, ack_on::flushed, at(10));
  t[replica_id{2}].acknowledged(5, 5, 5, 9, ack_on::flushed, at(10));
  const auto m = t.matches(ack_on::flushed, false, 9);
  CHECK(std::vector<std::uint64_t>(m.begin(), m.end()) == std::vector<std::uint64_t>{9, 7, 5, 0, 0});
  CHECK(t.commit_point<majority>(m, ctx) == 5);  // the third largest of five
  CHECK(t.satisfiable<majority>(10, ctx));       // everyone connected could hold 10
  const tracker<5>::view_context later{.now = at(1000), .max_lag = std::chrono::milliseconds{500}, .connected = std::chrono::milliseconds{150}};
  CHECK_FALSE(t.satisfiable<majority>(10, later));  // nobody heard from for 990 ms
}

TEST_CASE("tracker: in-sync set, connectivity and check-quorum", "[leader_based][tracker]") {
  tracker<dynamic_extent> t{replica_id{1}, 3};
  t.reset(4, at(0));
  CHECK(t.size() == 3);
  CHECK(t.in_sync(1, at(10'000), std::chrono::milliseconds{1}));  // the leader always is
  t[replica_id{0}].acknowledged(4, 4, 4, 4, ack_on::flushed, at(100));
  CHECK(t.in_sync(0, at(500), std::chrono::milliseconds{500}));
  CHECK_FALSE(t.in_sync(2, at(600), std::chrono::milliseconds{500}));
  t[replica_id{0}].heard(at(290), 0);
  CHECK(t.connected(0, at(300), std::chrono::milliseconds{150}));
  CHECK_FALSE(t.connected(2, at(300), std::chrono::milliseconds{150}));
  CHECK(t.quorum_heard(at(300), std::chrono::milliseconds{300}));        // itself and replica 0
  CHECK_FALSE(t.quorum_heard(at(700), std::chrono::milliseconds{300}));  // only itself
}

TEST_CASE("tracker: the highest read round a majority echoed", "[leader_based][tracker]") {
  tracker<3> t{replica_id{0}, 3};
  t.reset(0, at(0));
  t[replica_id{1}].heard(at(1), 4);
  t[replica_id{2}].heard(at(1), 2);
  CHECK(t.confirmed_round(5) == 4);  // rounds 5, 4, 2: two of three hold 4
  t[replica_id{1}].heard(at(2), 3);  // an older echo does not lower it
  CHECK(t.confirmed_round(5) == 4);
}
