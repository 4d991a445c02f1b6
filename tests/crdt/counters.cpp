// G-Counter and PN-Counter: values, deltas, joins.
#include <replica/crdt/g_counter.hpp>
#include <replica/crdt/pn_counter.hpp>

#include <catch2/catch.hpp>

using namespace replica;

namespace {
const replica_id a{0}, b{1}, c{2};
}

TEST_CASE("g_counter: increments at distinct replicas add up, each counted once however often delivered", "[crdt]") {
  g_counter x, y;
  const g_counter d1 = x.increment(a, 3);
  const g_counter d2 = y.increment(b, 4);
  CHECK(d1.entries().size() == 1);  // a delta is the one changed entry
  x.merge(d2);
  x.merge(d2);  // a duplicate delivery
  y.merge(d1);
  CHECK(x.value() == 7);
  CHECK(y.value() == 7);
  CHECK(x == y);
  (void)x.increment(a);
  y.merge(x);
  y.merge(d1);  // an old delta after a newer state: no effect
  CHECK(y.value() == 8);
  CHECK(y.count(a) == 4);
  CHECK(y.count(c) == 0);
}

TEST_CASE("pn_counter: the value is increments minus decrements across replicas", "[crdt]") {
  pn_counter x, y, z;
  auto d1 = x.increment(a, 10);
  auto d2 = y.decrement(b, 3);
  auto d3 = z.add(c, -2);
  for (auto* s : {&x, &y, &z})
    for (const auto* d : {&d1, &d2, &d3}) s->merge(*d);
  CHECK(x.value() == 5);
  CHECK(x == y);
  CHECK(y == z);
  CHECK(x.decrements().value() == 5);
  CHECK(z.add(c, INT64_MIN + 1).decrements().value() > 0);  // the most negative amount that fits
}
