// leader_based/applier.hpp: the state machine behind its seam.
#include <replica/data/kv_store.hpp>
#include <replica/topology/leader_based/applier.hpp>

#include <catch2/catch.hpp>

#include <vector>

using namespace replica;
using leader_based_detail::applier;
using kv = kv_store;

namespace {
struct entry {
  std::uint64_t index = 0;
  kv_store::command op{};
  bool is_noop = false;
  client_id client{};
  request_id request{};
  std::int64_t time = 0;
  [[nodiscard]] bool noop() const { return is_noop; }
};
applier<kv_store> fresh(session_limits lim = {}) { return applier<kv_store>{kv_store{}.snapshot(), {}, lim}; }
/// A write of client `c`'s request `r` at cluster time `t`.
entry by(std::uint64_t index, kv_store::command op, std::uint32_t c, std::uint64_t r, std::int64_t t = 0) {
  return {index, std::move(op), false, client_id{c}, request_id{r}, t};
}
std::vector<entry> log_of() {
  return {{1, kv::put{"a", "1"}}, {2, kv::put{}, true}, {3, kv::increment{"n", 5}}, {4, kv::increment{"a", 1}}, {5, kv::remove{"a"}}};
}
}  // namespace

TEST_CASE("applier: applies in order, skips no-ops, keeps only wanted results", "[leader_based][applier]") {
  auto a = fresh();
  const auto log = log_of();
  std::vector<std::uint64_t> asked;
  a.apply(log.data(), log.data() + log.size(), [&](std::uint64_t i) {
    asked.push_back(i);
    return i != 5;
  });
  CHECK(asked == std::vector<std::uint64_t>{3, 4, 5});  // put's default result is not worth keeping
  CHECK(a.machine().read(kv::get{"a"}) == std::nullopt);
  basic_client_reply<kv_store::result> inc, inc_text, removed, put;
  a.take(3, inc);
  CHECK(inc.status == reply_status::ok);
  CHECK(inc.result == "5");
  a.take(4, inc_text);  // "1" read as a number: 1 + 1 (refusals: the next test case)
  CHECK(inc_text.result == "2");
  a.take(5, removed);  // not wanted: nothing kept
  CHECK(removed.result == std::nullopt);
  a.take(1, put);
  CHECK(put.status == reply_status::ok);
}

TEST_CASE("applier: a refusal reaches the reply as fail with the machine's code", "[leader_based][applier]") {
  auto a = fresh();
  const std::vector<entry> log{{1, kv::put{"t", "text"}}, {2, kv::increment{"t", 1}}};
  a.apply(log.data(), log.data() + 2, [](std::uint64_t) { return true; });
  basic_client_reply<kv_store::result> r;
  a.take(2, r);
  CHECK(r.status == reply_status::fail);
  CHECK(r.error == errc::malformed);
  basic_client_reply<kv_store::result> g;
  a.read(kv::get{"t"}, g);
  CHECK(g.result == "text");
}

TEST_CASE("applier: state at an index, rewind and install", "[leader_based][applier]") {
  auto a = fresh();
  const auto log = log_of();
  a.apply(log.data(), log.data() + 3, [](std::uint64_t) { return false; });  // through index 3
  CHECK(a.state_at(0, 1, 3, log.data()).first == kv_store::snapshot_type{{"a", "1"}});  // replayed
  CHECK(a.state_at(0, 3, 3, log.data()).first == a.machine().snapshot());                // the machine's own
  auto [at1, sessions1] = a.state_at(0, 1, 3, log.data());
  a.compacted_to(at1, sessions1);
  a.rewind();
  CHECK(a.machine().snapshot() == kv_store::snapshot_type{{"a", "1"}});
  a.install(kv_store::snapshot_type{{"z", "9"}}, {});
  CHECK(a.machine().read(kv::get{"z"}) == "9");
  CHECK(a.compacted() == kv_store::snapshot_type{{"z", "9"}});
}

// ---- client sessions (sessions.hpp; issue 27, point 5) ----

TEST_CASE("applier: a retried write applies once and gets the first outcome", "[leader_based][applier][sessions]") {
  auto a = fresh();
  // Client 7's request 1 (add 5) is in the log twice: the first attempt, and its retry after a
  // timeout or a failover. Request 0 of client 8 carries no session: both copies apply.
  const std::vector<entry> log{by(1, kv::increment{"n", 5}, 7, 1), by(2, kv::increment{"n", 5}, 7, 1),
                               by(3, kv::increment{"m", 1}, 8, 0), by(4, kv::increment{"m", 1}, 8, 0)};
  a.apply(log.data(), log.data() + log.size(), [](std::uint64_t) { return true; });
  CHECK(a.machine().read(kv::get{"n"}) == "5");  // once
  CHECK(a.machine().read(kv::get{"m"}) == "2");  // no session: twice
  basic_client_reply<kv_store::result> first, retry;
  a.take(1, first);
  a.take(2, retry);
  CHECK(first.status == reply_status::ok);
  CHECK(first.result == "5");
  CHECK(retry.status == reply_status::ok);
  CHECK(retry.result == "5");  // the first outcome, not "10"
  CHECK(a.sessions().last_of(client_id{7}) == request_id{1});
  CHECK(!a.sessions().last_of(client_id{8}));
}

TEST_CASE("applier: a retry of a refused write is refused the same way, without applying", "[leader_based][applier][sessions]") {
  auto a = fresh();
  const std::vector<entry> log{by(1, kv::put{"t", "text"}, 1, 1), by(2, kv::increment{"t", 1}, 2, 1),
                               by(3, kv::put{"t", "4"}, 1, 2), by(4, kv::increment{"t", 1}, 2, 1)};
  a.apply(log.data(), log.data() + log.size(), [](std::uint64_t) { return true; });
  basic_client_reply<kv_store::result> refused, retried;
  a.take(2, refused);
  a.take(4, retried);
  CHECK(refused.status == reply_status::fail);
  CHECK(retried.status == reply_status::fail);  // the first outcome, though "4" + 1 would succeed now
  CHECK(retried.error == errc::malformed);
  CHECK(a.machine().read(kv::get{"t"}) == "4");
}

TEST_CASE("applier: a request older than the client's last is not applied and answered unknown", "[leader_based][applier][sessions]") {
  auto a = fresh();
  const std::vector<entry> log{by(1, kv::increment{"n", 1}, 3, 1), by(2, kv::increment{"n", 10}, 3, 2),
                               by(3, kv::increment{"n", 1}, 3, 1)};
  a.apply(log.data(), log.data() + log.size(), [](std::uint64_t) { return true; });
  CHECK(a.machine().read(kv::get{"n"}) == "11");
  basic_client_reply<kv_store::result> old;
  a.take(3, old);
  CHECK(old.status == reply_status::unknown);
  CHECK(old.error == errc::duplicate);
}

TEST_CASE("applier: sessions expire by the cluster time in the log, and are bounded", "[leader_based][applier][sessions]") {
  SECTION("idle past the expiry: forgotten, and a retry applies again") {
    auto a = fresh({.max = 16, .expiry_us = 1000});
    std::vector<entry> log{by(1, kv::increment{"n", 1}, 1, 1, 100), by(2, kv::increment{"k", 1}, 2, 1, 900),
                           by(3, kv::increment{"n", 1}, 1, 1, 1000)};
    a.apply(log.data(), log.data() + log.size(), [](std::uint64_t) { return false; });
    CHECK(a.machine().read(kv::get{"n"}) == "1");  // 900 µs idle: still a retry
    log = {by(4, kv::increment{"k", 1}, 2, 2, 2500), by(5, kv::increment{"n", 1}, 1, 1, 2600)};
    a.apply(log.data(), log.data() + log.size(), [](std::uint64_t) { return false; });
    CHECK(a.sessions().time() == 2600);
    CHECK(a.machine().read(kv::get{"n"}) == "2");  // client 1 idle 1,500 µs at the sweep: forgotten
    CHECK(a.machine().read(kv::get{"k"}) == "2");
  }
  SECTION("more clients than the bound: the idlest goes") {
    auto a = fresh({.max = 2, .expiry_us = 1'000'000});
    std::vector<entry> log{by(1, kv::increment{"a", 1}, 1, 1, 10), by(2, kv::increment{"b", 1}, 2, 1, 20),
                           by(3, kv::increment{"c", 1}, 3, 1, 30)};
    a.apply(log.data(), log.data() + log.size(), [](std::uint64_t) { return false; });
    CHECK(a.sessions().size() == 2);
    CHECK(!a.sessions().last_of(client_id{1}));
    CHECK(a.sessions().last_of(client_id{2}) == request_id{1});
  }
  SECTION("a full table makes room by the eighth: the idlest two of 16 go, the rest stay") {
    auto a = fresh({.max = 16, .expiry_us = 1'000'000});
    std::vector<entry> log;
    for (std::uint32_t c = 1; c <= 17; ++c) log.push_back(by(c, kv::increment{"n", 1}, c, 1, static_cast<std::int64_t>(10 * c)));
    a.apply(log.data(), log.data() + log.size(), [](std::uint64_t) { return false; });
    CHECK(a.machine().read(kv::get{"n"}) == "17");
    CHECK(a.sessions().size() == 15);
    CHECK(!a.sessions().last_of(client_id{1}));
    CHECK(!a.sessions().last_of(client_id{2}));
    for (std::uint32_t c = 3; c <= 17; ++c) CHECK(a.sessions().last_of(client_id{c}) == request_id{1});
  }
  SECTION("max 0: sessions off") {
    auto a = fresh({.max = 0});
    const std::vector<entry> log{by(1, kv::increment{"n", 1}, 1, 1), by(2, kv::increment{"n", 1}, 1, 1)};
    a.apply(log.data(), log.data() + log.size(), [](std::uint64_t) { return false; });
    CHECK(a.machine().read(kv::get{"n"}) == "2");
  }
}

TEST_CASE("applier: sessions travel with the state (state_at, compaction, install)", "[leader_based][applier][sessions]") {
  auto a = fresh();
  const std::vector<entry> log{by(1, kv::increment{"n", 1}, 4, 1, 10), by(2, kv::increment{"n", 1}, 4, 2, 20),
                               by(3, kv::increment{"n", 1}, 4, 2, 30)};
  a.apply(log.data(), log.data() + log.size(), [](std::uint64_t) { return false; });
  auto [state1, sessions1] = a.state_at(0, 1, 3, log.data());  // replayed from the compaction state
  REQUIRE(sessions1.records.size() == 1);
  CHECK(sessions1.records[0].last == request_id{1});
  CHECK(sessions1.time == 10);
  // Another replica installs the snapshot at index 2, then applies the retry at 3: not applied.
  auto [state2, sessions2] = a.state_at(0, 2, 3, log.data());
  auto b = fresh();
  b.install(state2, sessions2);
  CHECK(b.sessions().last_of(client_id{4}) == request_id{2});
  b.apply(log.data() + 2, log.data() + 3, [](std::uint64_t) { return false; });
  CHECK(b.machine().read(kv::get{"n"}) == "2");
  CHECK(b.machine().snapshot() == a.machine().snapshot());
  CHECK(b.sessions().snapshot() == a.sessions().snapshot());
}
