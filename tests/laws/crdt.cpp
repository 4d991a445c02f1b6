// Laws of every library CRDT, checked with RapidCheck on states reached by real operations at
// distinct replicas (updates through the delta mutators, and deliveries of deltas and of whole
// states between replicas, in any order and more than once):
// - merge is idempotent, commutative and associative;
// - applying a delta equals the full update (x ⊔ δ = x'), and a replica that gets the delta
//   and later the full state ends where it would with the state alone.
// A new CRDT gets every law by being added to `models` with an `update` below. A failure prints
// RapidCheck's seed; replay with RC_PARAMS="reproduce=..." as printed.
#include <replica/crdt.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <tuple>
#include <vector>

using namespace replica;

namespace {

constexpr std::size_t replicas = 3;

using models = std::tuple<g_counter, pn_counter, g_set<int>, two_phase_set<int>, or_set<int>,
                          or_set<int, set_bias::remove_wins>, lww_register<int>, mv_register<int>, max_register<int>>;

/// One update of `s` at replica `r` (element/amount `x`, `choice` picks among the mutators);
/// returns the delta.
template <class C>
C update(C& s, replica_id r, int x, std::uint8_t choice, local_time now) {
  if constexpr (std::is_same_v<C, g_counter>) {
    return s.increment(r, static_cast<std::uint64_t>(x % 5 + 1));
  } else if constexpr (std::is_same_v<C, pn_counter>) {
    return choice % 2 ? s.increment(r, static_cast<std::uint64_t>(x % 5 + 1)) : s.decrement(r, static_cast<std::uint64_t>(x % 3 + 1));
  } else if constexpr (std::is_same_v<C, g_set<int>>) {
    return s.add(x % 8);
  } else if constexpr (std::is_same_v<C, two_phase_set<int>>) {
    if (choice % 3 == 0) {
      auto d = s.remove(x % 8);
      return d ? *d : C{};
    }
    return s.add(x % 8);
  } else if constexpr (std::is_same_v<C, lww_register<int>>) {
    return s.write(r, now, x);
  } else if constexpr (std::is_same_v<C, mv_register<int>>) {
    return s.write(r, x);
  } else if constexpr (std::is_same_v<C, max_register<int>>) {
    return s.write(x);
  } else {  // the OR-Sets
    return choice % 3 == 0 ? s.remove(r, x % 6) : s.add(r, x % 6);
  }
}

/// One step: kind (update, deliver a pending delta, deliver a whole state), at replica i, from j.
using op = std::tuple<std::uint8_t, std::uint8_t, std::uint8_t, std::uint8_t, std::uint8_t>;

template <class C>
struct run {
  std::vector<C> states;                  ///< every state a replica passed through
  std::vector<std::tuple<C, C, C>> updates;  ///< (before, delta, after)
};

template <class C>
run<C> reachable(const std::vector<op>& ops) {
  std::array<C, replicas> s{};
  std::vector<std::pair<std::size_t, C>> deltas;  // (origin, delta), delivered in any order, any number of times
  run<C> out;
  std::int64_t clock = 1000;
  for (const auto& [kind, ii, jj, x, choice] : ops) {
    const std::size_t i = ii % replicas, j = jj % replicas;
    clock += x % 3;  // sometimes the same reading twice
    switch (kind % 3) {
      case 0: {
        C before = s[i];
        C d = update(s[i], replica_id{static_cast<std::uint32_t>(i)}, x, choice, local_time{duration{clock}});
        out.updates.emplace_back(std::move(before), d, s[i]);
        deltas.emplace_back(i, std::move(d));
        break;
      }
      case 1:
        if (!deltas.empty()) s[i].merge(deltas[(j + x) % deltas.size()].second);
        break;
      default: s[i].merge(s[j]); break;
    }
    out.states.push_back(s[i]);
    if (out.states.size() >= 14) break;
  }
  return out;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("crdt laws: merge is idempotent, commutative and associative", "[laws][crdt]", models) {
  STATIC_REQUIRE(crdt<TestType>);
  rc::prop("join semilattice", [](const std::vector<op>& ops) {
    const auto st = reachable<TestType>(ops).states;
    for (const auto& a : st) {
      RC_ASSERT(join(a, a) == a);
      for (const auto& b : st) {
        const TestType ab = join(a, b);
        RC_ASSERT(ab == join(b, a));
        RC_ASSERT(join(ab, b) == ab);  // absorbs what it already holds
        for (const auto& c : st) RC_ASSERT(join(ab, c) == join(a, join(b, c)));
      }
    }
  });
}

TEMPLATE_LIST_TEST_CASE("crdt laws: applying a delta equals the full update", "[laws][crdt]", models) {
  rc::prop("delta = full merge", [](const std::vector<op>& ops) {
    const auto r = reachable<TestType>(ops);
    for (const auto& [before, delta, after] : r.updates) {
      RC_ASSERT(join(before, delta) == after);
      for (const auto& y : r.states) {
        // Another replica that gets the delta, then the updater's whole state, ends as if it
        // had merged the state alone; and a delta delivered twice changes nothing more.
        RC_ASSERT(join(join(y, delta), after) == join(y, after));
        RC_ASSERT(join(join(join(y, before), delta), delta) == join(y, after));
      }
    }
  });
}

TEST_CASE("dot_context: a join holds exactly the union of the dots, in the canonical form", "[laws][crdt]") {
  // Dots with gaps (deltas received out of order) exercise the cloud and its compaction.
  using dots = std::vector<std::pair<std::uint8_t, std::uint8_t>>;
  auto context_of = [](const dots& ds) {
    dot_context c;
    for (const auto& [r, k] : ds) c.insert(dot{replica_id{r % 4u}, 1u + k % 12u});
    return c;
  };
  auto set_of = [](const dot_context& c) {
    std::vector<dot> out;
    c.for_each([&](const dot& d) { out.push_back(d); });
    std::sort(out.begin(), out.end());
    return out;
  };
  rc::prop("join = union of dots", [&](const dots& x, const dots& y) {
    const dot_context a = context_of(x), b = context_of(y);
    dot_context ab = a;
    ab.merge(b);
    RC_ASSERT(ab.well_formed());
    std::vector<dot> expected;
    const auto sa = set_of(a), sb = set_of(b);
    std::set_union(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(expected));
    RC_ASSERT(set_of(ab) == expected);
    dot_context fresh;  // canonical: the same as inserting every dot into an empty context
    for (const dot& d : expected) fresh.insert(d);
    RC_ASSERT(ab == fresh);
    RC_TAG(ab.cloud().empty() ? "no cloud" : "cloud");
  });
}
