// leader_based/reads.hpp: reads that wait, and the rounds that release them or renew a lease.
#include <replica/topology/leader_based/reads.hpp>

#include <catch2/catch.hpp>

#include <vector>

using namespace replica;
using namespace leader_based_detail;

namespace {
local_time at(std::int64_t ms) { return local_time{std::chrono::milliseconds{ms}}; }
waiting_read<int> read(std::uint64_t id, std::uint64_t index, std::uint64_t round, std::int64_t deadline_ms = 0) {
  return {.client = client_id{1}, .id = request_id{id}, .q = static_cast<int>(id), .read_index = index, .round = round, .deadline = at(deadline_ms)};
}
}  // namespace

TEST_CASE("read queue: served once the round is confirmed and the index applied, in order", "[leader_based][reads]") {
  read_queue<int> q;
  q.push(read(1, 5, 1));
  q.push(read(2, 3, 2));
  q.push(read(3, 4, 1));
  std::vector<std::uint64_t> served;
  auto serve = [&](const waiting_read<int>& r) { served.push_back(r.id.value()); };
  q.serve_ready(1, 4, serve);
  CHECK(served == std::vector<std::uint64_t>{3});  // 1 waits for index 5, 2 for round 2
  q.serve_ready(2, 5, serve);
  CHECK(served == std::vector<std::uint64_t>{3, 1, 2});
  CHECK(q.empty());
}

TEST_CASE("read queue: expired reads are failed, a step-down fails them all", "[leader_based][reads]") {
  read_queue<int> q;
  q.push(read(1, 9, 0, 100));
  q.push(read(2, 9, 0, 300));
  std::vector<std::uint64_t> failed;
  auto fail = [&](const waiting_read<int>& r) { failed.push_back(r.id.value()); };
  q.drop_if([](const waiting_read<int>& r) { return at(200) >= r.deadline; }, fail);
  CHECK(failed == std::vector<std::uint64_t>{1});
  CHECK(q.size() == 1);
  q.drop_all(fail);
  CHECK(failed == std::vector<std::uint64_t>{1, 2});
  CHECK(q.empty());
}

TEST_CASE("read rounds: a confirmed lease round extends the lease from its send time", "[leader_based][reads]") {
  read_rounds r;
  CHECK_FALSE(r.lease_holds(at(0)));
  const auto first = r.open(at(10), true);
  const auto second = r.open(at(20), false);  // a read-index round: renews nothing
  CHECK(second == first + 1);
  CHECK(r.current() == second);
  CHECK(r.renewing());
  r.confirm(second, std::chrono::milliseconds{100});
  CHECK(r.lease_holds(at(109)));
  CHECK_FALSE(r.lease_holds(at(110)));  // 10 + 100
  CHECK_FALSE(r.renewing());
  r.reset();
  CHECK_FALSE(r.lease_holds(at(50)));
  CHECK(r.open(at(60), true) == second + 1);  // the counter keeps counting
}

TEST_CASE("lease length: shortened by the drift bound", "[leader_based][reads]") {
  CHECK(lease_length(std::chrono::milliseconds{150}, 0) == std::chrono::milliseconds{150});
  const auto with_drift = lease_length(std::chrono::milliseconds{150}, 100'000);  // 10%
  CHECK(with_drift < std::chrono::milliseconds{123});
  CHECK(with_drift > std::chrono::milliseconds{122});
}
