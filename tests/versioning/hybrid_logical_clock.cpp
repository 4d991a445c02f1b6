#include <replica/versioning/hybrid_logical_clock.hpp>
#include <replica/versioning/physical_clock.hpp>

#include <catch2/catch.hpp>

using namespace replica;

namespace {
local_time at(std::int64_t us) { return local_time{duration{us}}; }
}  // namespace

TEST_CASE("hybrid_logical_clock follows the wall clock when it moves", "[hlc]") {
  hybrid_logical_clock c;
  REQUIRE(c.advance(replica_id{0}, at(100)).ok());
  CHECK(c.wall() == 100);
  CHECK(c.logical() == 0);
  REQUIRE(c.advance(replica_id{0}, at(100)).ok());
  CHECK(c.logical() == 1);
  REQUIRE(c.advance(replica_id{0}, at(200)).ok());
  CHECK(c.wall() == 200);
  CHECK(c.logical() == 0);
}

TEST_CASE("hybrid_logical_clock removes the causal case of clock-skew loss", "[hlc]") {
  // The physical_clock anomaly, replayed: replica 0 runs 10 s fast and writes v1; replica 1
  // sees v1 and writes v2. With an HLC, v2 sorts after v1 although replica 1's clock is behind.
  hybrid_logical_clock v1;
  REQUIRE(v1.advance(replica_id{0}, at(10'000'000 + 5)).ok());
  hybrid_logical_clock v2 = v1;
  REQUIRE(v2.advance(replica_id{1}, at(6)).ok());
  CHECK(v1.compare(v2) == causal_order::before);
  CHECK(v2.wall() == 10'000'005);  // stays close to the largest clock seen
  CHECK(v2.logical() == 1);

  physical_clock p1;
  REQUIRE(p1.advance(replica_id{0}, at(10'000'000 + 5)).ok());
  physical_clock p2 = p1;
  REQUIRE(p2.advance(replica_id{1}, at(6)).ok());
  CHECK(p1.compare(p2) == causal_order::after);  // same story with a physical clock: reversed
}

TEST_CASE("hybrid_logical_clock: merge then advance is the HLC receive rule", "[hlc]") {
  hybrid_logical_clock local{50, 3, replica_id{1}};
  const hybrid_logical_clock msg{50, 7, replica_id{0}};
  local.merge(msg);
  REQUIRE(local.advance(replica_id{1}, at(40)).ok());
  CHECK(local.wall() == 50);
  CHECK(local.logical() == 8);  // max(3, 7) + 1
}
