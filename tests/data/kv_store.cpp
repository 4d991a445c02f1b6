// kv_store: string keys and values; each command's result, and the refusals that change nothing.
#include "../support/seeds.hpp"

#include <replica/data/kv_store.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>
#include <utility>

using namespace replica;
using kv = kv_store;

namespace {
kv_store::result ok(replica::result<kv_store::result> r) {
  REQUIRE(r.ok());
  return *r;
}
}  // namespace

TEST_CASE("kv_store: put, get and remove", "[data][kv_store]") {
  STATIC_REQUIRE(state_machine<kv_store>);
  kv_store m;
  CHECK(m.read(kv::get{"a"}) == std::nullopt);
  CHECK(ok(m.apply(kv::put{"a", "1"})) == std::nullopt);
  CHECK(m.read(kv::get{"a"}) == "1");
  CHECK(ok(m.apply(kv::put{"a", "two"})) == std::nullopt);
  CHECK(ok(m.apply(kv::remove{"a"})) == "two");  // the removed value
  CHECK(ok(m.apply(kv::remove{"a"})) == std::nullopt);
  CHECK(m.read(kv::get{"a"}) == std::nullopt);
  CHECK(m.entries().empty());
}

TEST_CASE("kv_store: compare-and-set against a value or against absence", "[data][kv_store]") {
  kv_store m;
  CHECK(ok(m.apply(kv::compare_and_set{"k", std::nullopt, "v1"})) == std::nullopt);  // absent: set
  const auto refused = m.apply(kv::compare_and_set{"k", std::nullopt, "v2"});         // present now
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.code() == errc::precondition);
  CHECK(m.read(kv::get{"k"}) == "v1");
  REQUIRE_FALSE(m.apply(kv::compare_and_set{"k", "other", "v2"}).ok());
  CHECK(ok(m.apply(kv::compare_and_set{"k", "v1", "v2"})) == std::nullopt);
  CHECK(m.read(kv::get{"k"}) == "v2");
}

TEST_CASE("kv_store: increment a decimal integer, refused on text and on overflow", "[data][kv_store]") {
  kv_store m;
  CHECK(ok(m.apply(kv::increment{"n", 5})) == "5");  // absent holds 0
  CHECK(ok(m.apply(kv::increment{"n", -7})) == "-2");
  (void)m.apply(kv::put{"t", "12a"});
  const auto text = m.apply(kv::increment{"t", 1});
  REQUIRE_FALSE(text.ok());
  CHECK(text.code() == errc::malformed);
  CHECK(m.read(kv::get{"t"}) == "12a");
  (void)m.apply(kv::put{"e", ""});
  CHECK(m.apply(kv::increment{"e", 1}).code() == errc::malformed);
  (void)m.apply(kv::put{"big", "9223372036854775807"});
  const auto over = m.apply(kv::increment{"big", 1});
  REQUIRE_FALSE(over.ok());
  CHECK(over.code() == errc::out_of_range);
  CHECK(m.read(kv::get{"big"}) == "9223372036854775807");
}

TEST_CASE("kv_store: snapshot and restore, digest tells states apart", "[data][kv_store]") {
  kv_store a;
  (void)a.apply(kv::put{"ab", "c"});
  kv_store b;
  (void)b.apply(kv::put{"a", "bc"});
  CHECK(a.digest() != b.digest());
  kv_store r;
  (void)r.apply(kv::put{"junk", "1"});
  r.restore(a.snapshot());
  CHECK(r == a);
  CHECK(r.digest() == a.digest());
  CHECK(kv_store::body_bytes(kv::put{"key", "value"}) == 8);
}

TEST_CASE("kv_store: a request's operation is a command or the get query", "[data][kv_store]") {
  const kv_store::operation g = kv::get{"a"}, p = kv::put{"a", "b"};
  CHECK(machine_traits<kv_store>::is_query(g));
  CHECK_FALSE(machine_traits<kv_store>::is_query(p));
  CHECK(machine_traits<kv_store>::query_of(g).key == "a");
  CHECK(machine_traits<kv_store>::command_of(p) == kv_store::command{kv::put{"a", "b"}});
}

TEST_CASE("kv_store: its hash index finds what its sorted map holds, through every command, copy, move and restore",
          "[data][kv_store]") {
  // Random commands on a few keys, against a plain std::map doing the same: after each one
  // every key reads as the map says, and the entries are the map's, in order. A copy is
  // changed apart from its original; a moved store and a restored one still find everything.
  for (std::uint64_t seed : test::seeds(10)) {
    INFO("seed " << seed << " (replay: REPLICA_SEED=" << seed << ")");
    std::mt19937_64 g{seed};
    kv_store m;
    std::map<std::string, std::string> model;
    auto key = [&] { return "k" + std::to_string(g() % 12); };
    auto agree = [&](const kv_store& s, const std::map<std::string, std::string>& want) {
      for (int k = 0; k < 12; ++k) {
        const std::string name = "k" + std::to_string(k);
        const auto it = want.find(name);
        REQUIRE(s.read(kv::get{name}) == (it == want.end() ? std::nullopt : std::optional{it->second}));
      }
      const auto entries = s.entries();
      REQUIRE(std::equal(entries.begin(), entries.end(), want.begin(), want.end()));
    };
    for (int step = 0; step < 400; ++step) {
      const std::string k = key();
      switch (g() % 4) {
        case 0: {
          const std::string v = std::to_string(g() % 100);
          (void)m.apply(kv::put{k, v});
          model[k] = v;
          break;
        }
        case 1:
          (void)m.apply(kv::remove{k});
          model.erase(k);
          break;
        case 2: {
          const auto it = model.find(k);
          const std::optional<std::string> expected = g() % 2 ? std::nullopt : std::optional<std::string>{std::to_string(g() % 100)};
          const bool holds = expected ? (it != model.end() && it->second == *expected) : it == model.end();
          REQUIRE(m.apply(kv::compare_and_set{k, expected, "c"}).ok() == holds);
          if (holds) model[k] = "c";
          break;
        }
        default: {
          const auto r = m.apply(kv::increment{k, 1});
          const auto it = model.find(k);
          if (it == model.end()) model[k] = "1";
          else if (r.ok()) it->second = **r;
          break;
        }
      }
      agree(m, model);
      if (step % 50 == 49) {
        kv_store copy = m;  // changed apart: the original keeps what it had
        (void)copy.apply(kv::put{"k0", "copy"});
        (void)copy.apply(kv::remove{"k1"});
        agree(m, model);
        kv_store moved = std::move(copy);
        CHECK(moved.read(kv::get{"k0"}) == "copy");
        CHECK(moved.read(kv::get{"k1"}) == std::nullopt);
        kv_store assigned;
        assigned = m;
        agree(assigned, model);
        kv_store restored;
        (void)restored.apply(kv::put{"k3", "junk"});
        restored.restore(m.snapshot());
        agree(restored, model);
      }
    }
  }
}

