// kv_register: the integer registers the simulator's workloads and the checkers speak.
#include <replica/data/kv_register.hpp>

#include <catch2/catch.hpp>

using namespace replica;

namespace {
kv_op op(op_kind k, key_type key, value_type v = 0, value_type expected = 0) {
  return kv_op{.kind = k, .key = key, .value = v, .expected = expected, .data = {}};
}
}  // namespace

TEST_CASE("kv_register: write, cas, add and remove, reads see nil or one value", "[data][kv_register]") {
  STATIC_REQUIRE(state_machine<kv_register>);
  kv_register m;
  CHECK(m.read(op(op_kind::read, 1)).empty());  // nil
  REQUIRE(m.apply(op(op_kind::write, 1, 10)).ok());
  CHECK(m.read(op(op_kind::read, 1)) == kv_register::result{10});
  REQUIRE(m.apply(op(op_kind::add, 1, 5)).ok());
  CHECK(m.value(1) == 15);
  REQUIRE(m.apply(op(op_kind::cas, 1, 20, 15)).ok());
  CHECK(m.value(1) == 20);
  REQUIRE(m.apply(op(op_kind::remove, 1)).ok());
  CHECK(m.value(1) == std::nullopt);
}

TEST_CASE("kv_register: a cas whose precondition fails is refused and changes nothing", "[data][kv_register]") {
  kv_register m;
  const auto on_nil = m.apply(op(op_kind::cas, 2, 1, 0));
  REQUIRE_FALSE(on_nil.ok());
  CHECK(on_nil.code() == errc::precondition);
  REQUIRE(m.apply(op(op_kind::write, 2, 7)).ok());
  const auto before = m.snapshot();
  REQUIRE_FALSE(m.apply(op(op_kind::cas, 2, 9, 8)).ok());
  CHECK(m.snapshot() == before);
}

TEST_CASE("kv_register: an operation kind outside the enum is refused", "[data][kv_register]") {
  kv_register m;
  const auto r = m.apply(op(static_cast<op_kind>(42), 1, 1));
  REQUIRE_FALSE(r.ok());
  CHECK(r.code() == errc::unsupported);
  CHECK(m.registers().empty());
}

TEST_CASE("kv_register: snapshot, restore and digest", "[data][kv_register]") {
  kv_register a;
  (void)a.apply(op(op_kind::write, 3, 1));
  (void)a.apply(op(op_kind::write, 1, 2));
  CHECK(a.snapshot() == kv_register::snapshot_type{{1, 2}, {3, 1}});  // sorted by key
  kv_register b;
  (void)b.apply(op(op_kind::write, 9, 9));
  CHECK(a.digest() != b.digest());
  b.restore(a.snapshot());
  CHECK(b == a);
  CHECK(b.digest() == a.digest());
}
