#include <replica/check/convergence.hpp>
#include <replica/check/lost_writes.hpp>
#include <replica/check/sessions.hpp>
#include <replica/check/staleness.hpp>

#include <catch2/catch.hpp>

using namespace replica;
using namespace replica::check;

namespace {
void op(history& h, std::uint64_t p, event_type done, op_kind f, std::optional<value_type> v, std::int64_t t0,
        std::int64_t t1, key_type k = 0) {
  event inv{p, event_type::invoke, f, k};
  if (f != op_kind::read) inv.value = v;
  inv.time = t0;
  h.push_back(inv);
  event out{p, done, f, k, v};
  out.time = t1;
  h.push_back(out);
}
/// Ranks for a register whose writes were applied in the order of their values.
std::optional<std::int64_t> by_value(key_type, std::optional<value_type> v) { return v ? *v : -1; }
}  // namespace

TEST_CASE("lost writes: acknowledged and absent is lost, info may go either way", "[check][lost_writes]") {
  history h;
  op(h, 0, event_type::ok, op_kind::write, 1, 0, 10);
  op(h, 0, event_type::ok, op_kind::write, 2, 20, 30);
  op(h, 1, event_type::info, op_kind::write, 3, 20, 30);
  op(h, 1, event_type::info, op_kind::write, 4, 40, 50);
  op(h, 2, event_type::fail, op_kind::write, 5, 40, 50);
  const auto r = check_lost_writes(h, {{0, 1}, {0, 3}});
  CHECK(r.acknowledged == 2);
  REQUIRE(r.lost.size() == 1);
  CHECK(r.lost.front().value == 2);
  CHECK(r.info_survived == 1);
  CHECK(r.info_lost == 1);
  CHECK(r.failed_but_present.empty());
  CHECK_FALSE(r.ok());
  CHECK(check_lost_writes(h, {{0, 1}, {0, 2}}).ok());
  CHECK_FALSE(check_lost_writes(h, {{0, 1}, {0, 2}, {0, 5}}).ok());  // a failed write survived
}

TEST_CASE("sessions: read-your-writes and monotonic reads", "[check][sessions]") {
  history h;
  op(h, 0, event_type::ok, op_kind::write, 5, 0, 10);
  op(h, 0, event_type::ok, op_kind::read, 4, 20, 30);  // own write was 5: RYW violated
  op(h, 1, event_type::ok, op_kind::read, 6, 20, 30);
  op(h, 1, event_type::ok, op_kind::read, 3, 40, 50);  // went back from 6 to 3
  op(h, 1, event_type::ok, op_kind::read, 7, 60, 70);
  const auto r = check_sessions(h, by_value);
  CHECK(r.reads_checked == 4);
  CHECK(r.count(session_violation::guarantee::read_your_writes) == 1);
  CHECK(r.count(session_violation::guarantee::monotonic_reads) == 1);
  CHECK(r.violations.front().read.value == 4);

  history good;
  op(good, 0, event_type::ok, op_kind::write, 5, 0, 10);
  op(good, 0, event_type::ok, op_kind::read, 5, 20, 30);
  op(good, 0, event_type::ok, op_kind::read, 8, 40, 50);
  CHECK(check_sessions(good, by_value).ok());
}

TEST_CASE("staleness: reads invoked after an acknowledgement that miss it", "[check][staleness]") {
  history h;
  op(h, 0, event_type::ok, op_kind::write, 1, 0, 100);
  op(h, 0, event_type::ok, op_kind::write, 2, 200, 300);
  op(h, 1, event_type::ok, op_kind::read, 1, 250, 260);   // write 2 not acknowledged yet: fresh
  op(h, 1, event_type::ok, op_kind::read, 1, 1300, 1310);  // 1000 us after write 2's ack: stale
  op(h, 1, event_type::ok, op_kind::read, 2, 1400, 1410);
  const auto r = check_staleness(h, by_value);
  CHECK(r.reads == 3);
  CHECK(r.stale_reads == 1);
  CHECK(r.max_staleness_us() == 1000);
  CHECK(r.stale_rate() == Approx(1.0 / 3));
}

TEST_CASE("convergence: equal digests on live replicas", "[check][convergence]") {
  CHECK(check_convergence({{replica_id{0}, 7}, {replica_id{1}, 7}}).converged);
  const auto r = check_convergence({{replica_id{0}, 7}, {replica_id{1}, 8}, {replica_id{2}, 7}});
  CHECK_FALSE(r.converged);
  REQUIRE(r.divergent.size() == 1);
  CHECK(r.divergent.front() == replica_id{1});
}
