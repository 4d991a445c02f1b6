#include <replica/versioning/physical_clock.hpp>

#include <catch2/catch.hpp>

using namespace replica;
using namespace std::chrono_literals;

namespace {
local_time at(std::int64_t us) { return local_time{duration{us}}; }
}  // namespace

TEST_CASE("physical_clock stamps the writer's local clock and ties break by replica id", "[physical_clock]") {
  physical_clock a;
  REQUIRE(a.advance(replica_id{0}, at(1000)).ok());
  physical_clock b;
  REQUIRE(b.advance(replica_id{1}, at(1000)).ok());
  CHECK(a.compare(b) == causal_order::before);  // same microsecond: replica 0 < replica 1
  CHECK(b.compare(a) == causal_order::after);
  CHECK(merged(a, b) == b);
}

TEST_CASE("physical_clock: a replica whose clock runs behind writes a version that sorts before what it saw",
          "[physical_clock][anomaly]") {
  // Replica 0's clock is 10 s ahead; it writes v1. Replica 1 reads v1, then writes v2 with its
  // correct clock. v2 follows v1 causally, yet its stamp is smaller: LWW would keep v1.
  physical_clock v1;
  REQUIRE(v1.advance(replica_id{0}, at(10'000'000 + 5)).ok());
  physical_clock v2 = v1;  // replica 1 has seen v1
  REQUIRE(v2.advance(replica_id{1}, at(6)).ok());
  CHECK(v2.compare(v1) == causal_order::before);  // the anomaly is present
  STATIC_REQUIRE_FALSE(physical_clock::causal_advance);
}

TEST_CASE("physical_clock is totally ordered", "[physical_clock]") {
  STATIC_REQUIRE(physical_clock::totally_ordered);
  const physical_clock a{5, replica_id{2}}, b{5, replica_id{2}};
  CHECK(a.compare(b) == causal_order::equal);
}
