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
  [[nodiscard]] bool noop() const { return is_noop; }
};
std::vector<entry> log_of() {
  return {{1, kv::put{"a", "1"}}, {2, kv::put{}, true}, {3, kv::increment{"n", 5}}, {4, kv::increment{"a", 1}}, {5, kv::remove{"a"}}};
}
}  // namespace

TEST_CASE("applier: applies in order, skips no-ops, keeps only wanted results", "[leader_based][applier]") {
  applier<kv_store> a{kv_store{}.snapshot()};
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
  applier<kv_store> a{kv_store{}.snapshot()};
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
  applier<kv_store> a{kv_store{}.snapshot()};
  const auto log = log_of();
  a.apply(log.data(), log.data() + 3, [](std::uint64_t) { return false; });  // through index 3
  CHECK(a.state_at(0, 1, 3, log.data()) == kv_store::snapshot_type{{"a", "1"}});  // replayed
  CHECK(a.state_at(0, 3, 3, log.data()) == a.machine().snapshot());                // the machine's own
  a.compacted_to(a.state_at(0, 1, 3, log.data()));
  a.rewind();
  CHECK(a.machine().snapshot() == kv_store::snapshot_type{{"a", "1"}});
  a.install(kv_store::snapshot_type{{"z", "9"}});
  CHECK(a.machine().read(kv::get{"z"}) == "9");
  CHECK(a.compacted() == kv_store::snapshot_type{{"z", "9"}});
}
