// LWW-Register, MV-Register and max register: FAULTS C6 at the type level, and the clock cases.
#include <replica/crdt/lww_register.hpp>
#include <replica/crdt/max_register.hpp>
#include <replica/crdt/mv_register.hpp>
#include <replica/versioning/physical_clock.hpp>

#include <catch2/catch.hpp>

using namespace replica;
using namespace std::chrono_literals;

namespace {
const replica_id a{0}, b{1};
local_time at(std::int64_t us) { return local_time{duration{us}}; }
}

TEST_CASE("lww_register: concurrent writes, one survives, the same at every replica (C6, LWW)", "[crdt]") {
  lww_register<int> x, y;
  auto dx = x.write(a, at(100), 1);
  auto dy = y.write(b, at(100), 2);  // the same clock reading: the tie is broken by replica id
  x.merge(dy);
  y.merge(dx);
  CHECK(x == y);
  CHECK(x.value() == 2);
}

TEST_CASE("lww_register: with a physical clock, a later write on a slow node is discarded, an HLC keeps it", "[crdt]") {
  lww_register<int, physical_clock> px, py;
  py.merge(px.write(a, at(10'000'000), 1));  // a's clock is 10 s fast
  (void)py.write(b, at(1'000), 2);           // b writes after seeing 1, with a smaller stamp
  CHECK(py.value() == 1);                    // the later write lost at once
  lww_register<int> hx, hy;
  hy.merge(hx.write(a, at(10'000'000), 1));
  (void)hy.write(b, at(1'000), 2);
  CHECK(hy.value() == 2);  // the HLC advanced past what b had seen
}

TEST_CASE("mv_register: concurrent writes of the same value at two sites stay two siblings (C6)", "[crdt]") {
  mv_register<int> x, y;
  auto dx = x.write(a, 7);
  auto dy = y.write(b, 7);
  x.merge(dy);
  y.merge(dx);
  CHECK(x.values() == std::vector<int>{7, 7});
  CHECK(x == y);
  // A write that observed both resolves them.
  y.merge(x.write(a, 8));
  CHECK(y.values() == std::vector<int>{8});
}

TEST_CASE("mv_register: a write with a client's context replaces only what the client read", "[crdt]") {
  mv_register<int> x;
  (void)x.write(a, 1);
  const dot_context seen = x.observed();
  mv_register<int> y;
  y.merge(x);
  x.merge(y.write(b, 2));  // a concurrent write the client did not read... (b observed 1: replaces it)
  mv_register<int> z;
  (void)z.write(replica_id{2}, 3);  // ... and one nobody at a had observed
  x.merge(z);
  CHECK(x.values() == std::vector<int>{2, 3});
  (void)x.write(a, 4, seen);  // the client read only 1, which is gone: 2 and 3 stay as siblings
  CHECK(x.values() == std::vector<int>{2, 3, 4});
  (void)x.write(a, 5, x.observed());
  CHECK(x.values() == std::vector<int>{5});
}

TEST_CASE("max_register: keeps the largest value written anywhere", "[crdt]") {
  max_register<int> x, y;
  (void)x.write(4);
  y.merge(y.write(9));
  x.merge(y);
  (void)x.write(2);
  CHECK(x.value() == 9);
}
