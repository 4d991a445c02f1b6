// G-Set, 2P-Set and OR-Set (both biases): FAULTS C4 at the type level.
#include <replica/crdt/g_set.hpp>
#include <replica/crdt/or_set.hpp>
#include <replica/crdt/two_phase_set.hpp>

#include <catch2/catch.hpp>

using namespace replica;

namespace {
const replica_id a{0}, b{1};
using v = std::vector<int>;
}

TEST_CASE("g_set: union of adds, an add of a present element is an empty delta", "[crdt]") {
  g_set<int> x, y;
  (void)x.add(1);
  CHECK(x.add(1).size() == 0);
  (void)y.add(2);
  x.merge(y);
  CHECK(x.elements() == v{1, 2});
}

TEST_CASE("two_phase_set: a removed element never comes back, and only a present one can be removed", "[crdt]") {
  two_phase_set<int> x;
  (void)x.add(7);
  auto r = x.remove(7);
  REQUIRE(r.ok());
  CHECK_FALSE(x.contains(7));
  (void)x.add(7);  // re-add: no effect (the documented limit of a 2P-Set)
  CHECK_FALSE(x.contains(7));
  const auto before = x;
  auto absent = x.remove(9);
  REQUIRE_FALSE(absent.ok());
  CHECK(absent.err().code == errc::precondition);
  CHECK(x == before);  // refused: nothing changed
}

TEST_CASE("or_set: a concurrent add and remove of one element, the add wins (C4)", "[crdt]") {
  or_set<int> x, y;
  auto d0 = x.add(a, 5);
  y.merge(d0);
  auto dr = x.remove(a, 5);   // removes what a observed
  auto da = y.add(b, 5);      // concurrently, b adds it again
  x.merge(da);
  y.merge(dr);
  CHECK(x.contains(5));
  CHECK(y.contains(5));
  CHECK(x == y);
  // A remove that observed every add does remove it.
  auto dr2 = x.remove(a, 5);
  y.merge(dr2);
  CHECK_FALSE(y.contains(5));
  CHECK(y.elements().empty());
}

TEST_CASE("or_set<remove_wins>: a concurrent add and remove of one element, the remove wins", "[crdt]") {
  or_set<int, set_bias::remove_wins> x, y;
  y.merge(x.add(a, 5));
  auto dr = x.remove(a, 5);
  auto da = y.add(b, 5);
  x.merge(da);
  y.merge(dr);
  CHECK_FALSE(x.contains(5));
  CHECK(x == y);
  // An add that observed the remove brings it back.
  y.merge(x.add(a, 5));
  CHECK(y.contains(5));
  CHECK(y.elements() == v{5});
}

TEST_CASE("or_set: removed dots stay in the causal context, not as per-element tombstones", "[crdt]") {
  or_set<int> x;
  for (int i = 0; i < 100; ++i) {
    (void)x.add(a, i);
    (void)x.remove(a, i);
  }
  CHECK(x.elements().empty());
  CHECK(x.kernel().entries().empty());
  CHECK(x.kernel().context().cloud().empty());  // one counter covers all 100 dots
  CHECK(x.kernel().context().compact_part().counter(a) == 100);
}
