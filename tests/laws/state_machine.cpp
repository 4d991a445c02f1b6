// Laws of every state machine a leader-based node can replicate (core/state_machine.hpp),
// checked with RapidCheck over command sequences drawn for each model:
// - determinism: the same commands in the same order give equal results and equal snapshots;
// - snapshot round trip: restoring a snapshot into any machine gives an equal one, and the same
//   commands afterwards keep them equal;
// - a refused command and a read change nothing.
// A new model gets every law by being added to `models` with a `command_from` and `query_from`.
// A failure prints RapidCheck's seed; replay with RC_PARAMS="reproduce=..." as printed.
#include "../../examples/bank/bank.hpp"

#include <replica/data/kv_register.hpp>
#include <replica/data/kv_store.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

using namespace replica;

namespace {

using models = std::tuple<kv_register, kv_store, bank>;

/// A command of model `M` from three small numbers (so that keys and values collide often).
template <class M>
typename M::command command_from(std::uint8_t a, std::uint8_t b, std::uint8_t c) {
  if constexpr (std::is_same_v<M, kv_register>) {
    constexpr op_kind kinds[] = {op_kind::write, op_kind::cas, op_kind::remove, op_kind::add};
    return kv_op{.kind = kinds[a % 4], .key = static_cast<key_type>(b % 3), .value = c % 5, .expected = (c / 5) % 5, .data = {}};
  } else if constexpr (std::is_same_v<M, kv_store>) {
    const std::string key(1, static_cast<char>('a' + b % 3));
    switch (a % 5) {
      case 0: return kv_store::put{key, std::to_string(c % 7)};
      case 1: return kv_store::put{key, "x"};  // not a number: increments of it are refused
      case 2: return kv_store::remove{key};
      case 3: return kv_store::compare_and_set{key, c % 2 ? std::optional<std::string>{} : std::optional{std::to_string(c % 7)}, "5"};
      default: return kv_store::increment{key, static_cast<std::int64_t>(c % 9) - 4};
    }
  } else {
    return bank::transfer{static_cast<std::uint32_t>(a % 9), static_cast<std::uint32_t>(b % 8), static_cast<std::int64_t>(c % 130)};
  }
}
template <class M>
typename M::query query_from(std::uint8_t a) {
  if constexpr (std::is_same_v<M, kv_register>)
    return kv_op{.kind = op_kind::read, .key = static_cast<key_type>(a % 3), .value = 0, .expected = 0, .data = {}};
  else if constexpr (std::is_same_v<M, kv_store>)
    return kv_store::get{std::string(1, static_cast<char>('a' + a % 3))};
  else
    return bank::query{a % 3 == 0 ? std::nullopt : std::optional<std::uint32_t>{a % 8}};
}

using step = std::tuple<std::uint8_t, std::uint8_t, std::uint8_t>;

template <class M>
bool same_outcome(const replica::result<typename M::result>& x, const replica::result<typename M::result>& y) {
  if (x.ok() != y.ok()) return false;
  return x.ok() ? *x == *y : x.code() == y.code();
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("state machine laws: determinism", "[laws][state_machine]", models) {
  STATIC_REQUIRE(state_machine<TestType>);
  rc::prop("same commands, same order: same results and state", [](const std::vector<step>& steps) {
    TestType a, b;
    for (const auto& [x, y, z] : steps) {
      const auto c = command_from<TestType>(x, y, z);
      const replica::result<typename TestType::result> ra = a.apply(c), rb = b.apply(c);
      RC_ASSERT(same_outcome<TestType>(ra, rb));
    }
    RC_ASSERT(a.snapshot() == b.snapshot());
  });
}

TEMPLATE_LIST_TEST_CASE("state machine laws: a restored snapshot is the same machine", "[laws][state_machine]", models) {
  rc::prop("restore(snapshot) then the same commands", [](const std::vector<step>& prefix, const std::vector<step>& other,
                                                           const std::vector<step>& suffix) {
    TestType m, r;
    for (const auto& [x, y, z] : prefix) (void)m.apply(command_from<TestType>(x, y, z));
    for (const auto& [x, y, z] : other) (void)r.apply(command_from<TestType>(x, y, z));  // whatever r held before
    r.restore(m.snapshot());
    RC_ASSERT(r.snapshot() == m.snapshot());
    for (std::uint8_t q = 0; q < 9; ++q) {
      const replica::result<typename TestType::result> qm = m.read(query_from<TestType>(q)), qr = r.read(query_from<TestType>(q));
      RC_ASSERT(same_outcome<TestType>(qm, qr));
    }
    for (const auto& [x, y, z] : suffix) {
      const auto c = command_from<TestType>(x, y, z);
      const replica::result<typename TestType::result> rm = m.apply(c), rr = r.apply(c);
      RC_ASSERT(same_outcome<TestType>(rm, rr));
    }
    RC_ASSERT(r.snapshot() == m.snapshot());
  });
}

TEMPLATE_LIST_TEST_CASE("state machine laws: refused commands and reads change nothing", "[laws][state_machine]", models) {
  rc::prop("no effect", [](const std::vector<step>& steps, std::uint8_t q) {
    TestType m;
    std::size_t refused = 0;
    for (const auto& [x, y, z] : steps) {
      const auto before = m.snapshot();
      (void)m.read(query_from<TestType>(q));
      RC_ASSERT(m.snapshot() == before);
      const replica::result<typename TestType::result> r = m.apply(command_from<TestType>(x, y, z));
      if (!r.ok()) {
        ++refused;
        RC_ASSERT(m.snapshot() == before);
      }
    }
    RC_TAG(refused > 0 ? "some refused" : "none refused");
  });
}
