// Laws of the version_tracker concept, checked with RapidCheck on every model, on states reached
// by real operations (local events, message receipts, client writes) at distinct replicas.
// A new model gets every law by being added to `models`. A failure prints RapidCheck's seed;
// replay it with RC_PARAMS="reproduce=..." as printed.
#include <replica/versioning.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <array>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

using namespace replica;

namespace {

constexpr std::size_t replicas = 4;

using models = std::tuple<physical_clock, lamport_clock, hybrid_logical_clock, version_vector<replicas>,
                          version_vector<>, dotted_version_vector, dvv_set>;

/// One operation: kind (event, receipt, client write), at replica i, from replica j, clock step.
using op = std::tuple<std::uint8_t, std::uint8_t, std::uint8_t, std::uint8_t>;

template <class V>
void client_write(std::array<V, replicas>& s, std::size_t i, std::size_t j, local_time now) {
  const replica_id r{static_cast<std::uint32_t>(i)};
  if constexpr (std::is_same_v<V, dvv_set>) {
    s[i].update(s[j].join(), "v" + std::to_string(i), r);  // client read at j, writes at i
  } else if constexpr (std::is_same_v<V, dotted_version_vector>) {
    const version_vector<> ctx = s[j].context();
    const std::uint64_t n = std::max(s[i].max_counter(r), ctx.counter(r)) + 1;
    auto v = dotted_version_vector::event(ctx, dot{r, n});
    RC_ASSERT(v.ok());
    s[i].merge(*v);
  } else {
    V seen = s[j];
    seen.merge(s[i]);
    RC_ASSERT(seen.advance(r, now).ok());
    s[i] = seen;
  }
}

/// The states the replicas pass through under `ops`, with per-replica clock offsets (skew).
template <class V>
std::vector<V> reachable(const std::vector<op>& ops, const std::array<std::uint8_t, replicas>& skew) {
  std::array<V, replicas> s{};
  std::array<std::int64_t, replicas> clock{};
  for (std::size_t i = 0; i < replicas; ++i) clock[i] = 1000 + 100 * std::int64_t{skew[i]};
  std::vector<V> out;
  for (const auto& [kind, ii, jj, step] : ops) {
    const std::size_t i = ii % replicas, j = jj % replicas;
    clock[i] += step;
    const local_time now{duration{clock[i]}};
    switch (kind % 3) {
      case 0: RC_ASSERT(s[i].advance(replica_id{static_cast<std::uint32_t>(i)}, now).ok()); break;
      case 1: s[i].merge(s[j]); break;
      default: client_write(s, i, j, now); break;
    }
    out.push_back(s[i]);
    if (out.size() >= 16) break;
  }
  return out;
}

bool leq(causal_order o) { return o == causal_order::before || o == causal_order::equal; }

}  // namespace

TEMPLATE_LIST_TEST_CASE("version laws: compare is a partial order", "[laws]", models) {
  rc::prop("partial order", [](const std::vector<op>& ops, const std::array<std::uint8_t, replicas>& skew) {
    const auto st = reachable<TestType>(ops, skew);
    for (const auto& a : st) {
      RC_ASSERT(a.compare(a) == causal_order::equal);
      for (const auto& b : st) {
        const causal_order ab = a.compare(b);
        RC_ASSERT(b.compare(a) == converse(ab));
        RC_ASSERT((ab == causal_order::equal) == (a == b));
        for (const auto& c : st)
          if (leq(ab) && leq(b.compare(c))) RC_ASSERT(leq(a.compare(c)));
      }
    }
  });
}

TEMPLATE_LIST_TEST_CASE("version laws: merge is the least upper bound", "[laws]", models) {
  rc::prop("least upper bound", [](const std::vector<op>& ops, const std::array<std::uint8_t, replicas>& skew) {
    const auto st = reachable<TestType>(ops, skew);
    for (const auto& a : st) {
      RC_ASSERT(merged(a, a) == a);
      for (const auto& b : st) {
        const TestType m = merged(a, b);
        RC_ASSERT(m == merged(b, a));
        RC_ASSERT(leq(a.compare(m)));
        RC_ASSERT(leq(b.compare(m)));
        for (const auto& c : st)
          if (leq(a.compare(c)) && leq(b.compare(c))) RC_ASSERT(leq(m.compare(c)));
      }
    }
  });
}

TEMPLATE_LIST_TEST_CASE("version laws: advance moves strictly after", "[laws]", models) {
  rc::prop("advance after", [](const std::vector<op>& ops, const std::array<std::uint8_t, replicas>& skew,
                               std::uint8_t at, std::uint16_t ahead) {
    const auto st = reachable<TestType>(ops, skew);
    const replica_id r{at % static_cast<std::uint32_t>(replicas)};
    for (const auto& a : st) {
      TestType b = a;
      std::int64_t now = ahead;
      // A physical clock moves after only if the local clock has passed the stamp; that
      // precondition is the whole danger of physical clocks (see the physical_clock tests).
      if constexpr (!TestType::causal_advance) now += a.micros() + 1;
      RC_ASSERT(b.advance(r, local_time{duration{now}}).ok());
      RC_ASSERT(a.compare(b) == causal_order::before);
    }
  });
}

TEMPLATE_LIST_TEST_CASE("version laws: a totally ordered type never answers concurrent", "[laws]", models) {
  rc::prop("total order", [](const std::vector<op>& ops, const std::array<std::uint8_t, replicas>& skew) {
    const auto st = reachable<TestType>(ops, skew);
    bool concurrent_seen = false;
    for (const auto& a : st)
      for (const auto& b : st) concurrent_seen |= a.compare(b) == causal_order::concurrent;
    if (TestType::totally_ordered) RC_ASSERT(!concurrent_seen);
  });
}

TEMPLATE_LIST_TEST_CASE("version laws: types that detect concurrency do detect it", "[laws]", models) {
  // Two replicas that each record an event without hearing from the other are concurrent.
  TestType a{}, b{};
  REQUIRE(a.advance(replica_id{0}, local_time{duration{10}}).ok());
  REQUIRE(b.advance(replica_id{1}, local_time{duration{10}}).ok());
  if constexpr (TestType::totally_ordered)
    CHECK(a.compare(b) != causal_order::concurrent);
  else
    CHECK(a.compare(b) == causal_order::concurrent);
}

TEST_CASE("version laws: the models all satisfy the concept", "[laws]") {
  STATIC_REQUIRE(version_tracker<physical_clock>);
  STATIC_REQUIRE(version_tracker<lamport_clock>);
  STATIC_REQUIRE(version_tracker<hybrid_logical_clock>);
  STATIC_REQUIRE(version_tracker<version_vector<3>>);
  STATIC_REQUIRE(version_tracker<version_vector<>>);
  STATIC_REQUIRE(version_tracker<dotted_version_vector>);
  STATIC_REQUIRE(version_tracker<dvv_set>);
  STATIC_REQUIRE(version_tracker<basic_dvv_set<int>>);
}

TEST_CASE("version laws: a dotted version vector's compare is inclusion of causal histories", "[laws][dvv]") {
  // The definition, dot by dot: a <= b iff every dot of a's history is in b's. compare() takes
  // shortcuts (one merged walk of the compact parts, clouds checked only while needed); this
  // checks it against the definition. The states are what a leaderless replica stores and
  // compares: single events whose context lacks some of their replica's earlier dots (a gap: a
  // dot cloud), and merges of them.
  auto history = [](const dotted_version_vector& v) {
    std::vector<dot> out(v.cloud().begin(), v.cloud().end());
    for (const auto& e : v.base().entries())
      for (std::uint64_t n = 1; n <= e.counter; ++n) out.push_back(dot{e.id, n});
    return out;
  };
  auto within = [&](const dotted_version_vector& a, const dotted_version_vector& b) {
    for (const dot& d : history(a))
      if (!b.contains(d)) return false;
    return true;
  };
  // (kind, replica, which earlier version, which other)
  using step = std::tuple<std::uint8_t, std::uint8_t, std::uint8_t, std::uint8_t>;
  rc::prop("compare == inclusion", [&](const std::vector<step>& steps) {
    std::vector<dotted_version_vector> pool;
    std::array<std::uint64_t, replicas> next{};  // each replica's last dot
    bool cloud_seen = false;
    for (const auto& [kind, rr, x, y] : steps) {
      if (pool.size() >= 12) break;
      const std::size_t r = rr % replicas;
      if (kind % 2 == 0 || pool.empty()) {  // an event at r after what one earlier version saw (maybe nothing)
        const version_vector<> ctx = pool.empty() || x % 3 == 0 ? version_vector<>{} : pool[x % pool.size()].context();
        const replica_id id{static_cast<std::uint32_t>(r)};
        next[r] = std::max(next[r], ctx.counter(id)) + 1;
        auto v = dotted_version_vector::event(ctx, dot{id, next[r]});
        RC_ASSERT(v.ok());
        pool.push_back(*v);
      } else {  // a replica merging two versions it holds
        dotted_version_vector m = pool[x % pool.size()];
        m.merge(pool[y % pool.size()]);
        pool.push_back(m);
      }
      cloud_seen |= !pool.back().cloud().empty();
    }
    RC_CLASSIFY(cloud_seen, "with a dot cloud");
    for (const auto& a : pool)
      for (const auto& b : pool) {
        const bool le = within(a, b), ge = within(b, a);
        const causal_order expected = le && ge ? causal_order::equal
                                      : le     ? causal_order::before
                                      : ge     ? causal_order::after
                                               : causal_order::concurrent;
        RC_ASSERT(a.compare(b) == expected);
      }
  });
}
