// kv_store: string keys and values; each command's result, and the refusals that change nothing.
#include <replica/data/kv_store.hpp>

#include <catch2/catch.hpp>

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

TEST_CASE("kv_store: increment a decimal integer; refused on text and on overflow", "[data][kv_store]") {
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

TEST_CASE("kv_store: snapshot and restore; digest tells states apart", "[data][kv_store]") {
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
