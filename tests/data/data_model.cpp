// The data-model concept (data/data_model.hpp) on the shipped models: how operations map onto
// keys, kinds and values, that the mapping is a function of the operation, and what the
// register refuses to keep.
#include "../support/arbitrary.hpp"

#include <replica/data/data_model.hpp>
#include <replica/data/kv_register.hpp>
#include <replica/data/kv_store.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <array>
#include <random>

using namespace replica;

TEMPLATE_TEST_CASE("data models: kind, key, value and key id are functions of the operation, equal keys, equal ids",
                   "[data][data_model]", kv_register, kv_store) {
  STATIC_REQUIRE(data_model<TestType>);
  rc::prop("deterministic", [](std::uint64_t seed) {
    std::mt19937_64 g{seed};
    const auto op = test::arbitrary<typename TestType::operation>(g);
    const auto copy = op;
    RC_ASSERT(TestType::kind_of(op) == TestType::kind_of(copy));
    RC_ASSERT(TestType::key_of(op) == TestType::key_of(copy));
    RC_ASSERT(TestType::value_of(op) == TestType::value_of(copy));
    const typename TestType::key_type key = TestType::key_of(op);
    RC_ASSERT(TestType::key_id(key) == TestType::key_id(TestType::key_of(copy)));
  });
}

TEST_CASE("kv_store as a data model: get reads, put writes its value, remove removes, cas and increment are named",
          "[data][data_model]") {
  using kv = kv_store;
  CHECK(kv::kind_of(kv::get{"a"}) == data_access::read);
  CHECK(kv::kind_of(kv::put{"a", "x"}) == data_access::write);
  CHECK(kv::value_of(kv::put{"a", "x"}) == "x");
  CHECK(kv::kind_of(kv::remove{"a"}) == data_access::remove);
  CHECK(kv::kind_of(kv::compare_and_set{"a", std::nullopt, "y"}) == data_access::cas);
  CHECK(kv::kind_of(kv::increment{"a", 2}) == data_access::add);
  CHECK(kv::key_of(kv::increment{"counter", 2}) == "counter");
  CHECK(kv::key_id("ab") != kv::key_id("ba"));
  CHECK(kv::key_id("") != kv::key_id(std::string(1, '\0')));
}

TEST_CASE("kv_register as a data model: its key is its own id, and a write carrying a body it cannot keep is refused",
          "[data][data_model]") {
  CHECK(kv_register::key_id(7) == 7);
  CHECK(kv_register::kind_of(kv_op{op_kind::cas, 1, 2, 3}) == data_access::cas);
  kv_op op{op_kind::write, 1, 5};
  CHECK(admit<kv_register>(op).ok());
  const std::array<std::byte, 1> body{std::byte{9}};
  op.data = payload::copy_of(body);
  const status refused = admit<kv_register>(op);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.code() == errc::unsupported);
  op.kind = op_kind::read;  // a read carries nothing to keep
  CHECK(admit<kv_register>(op).ok());
  CHECK(admit<kv_store>(kv_store::put{"k", "v"}).ok());  // (no admit: everything kept)
}
