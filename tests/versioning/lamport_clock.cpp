#include <replica/versioning/lamport_clock.hpp>

#include <catch2/catch.hpp>

using namespace replica;

TEST_CASE("lamport_clock: receive then advance moves past everything seen", "[lamport_clock]") {
  lamport_clock a, b;
  for (int i = 0; i < 5; ++i) REQUIRE(a.advance(replica_id{0}, {}).ok());
  REQUIRE(b.advance(replica_id{1}, {}).ok());
  CHECK(b.compare(a) == causal_order::before);
  b.merge(a);  // b receives a message stamped a
  REQUIRE(b.advance(replica_id{1}, {}).ok());
  CHECK(b.compare(a) == causal_order::after);
  CHECK(b.counter() == 6);
}

TEST_CASE("lamport_clock orders concurrent events arbitrarily: it cannot detect concurrency", "[lamport_clock]") {
  lamport_clock a, b;
  REQUIRE(a.advance(replica_id{0}, {}).ok());
  REQUIRE(b.advance(replica_id{1}, {}).ok());
  // a and b are concurrent, but the clock answers an order (replica id breaks the tie).
  CHECK(a.compare(b) == causal_order::before);
  STATIC_REQUIRE(lamport_clock::totally_ordered);
}

TEST_CASE("lamport_clock reports an exhausted counter and stays unchanged", "[lamport_clock]") {
  lamport_clock a{UINT64_MAX, replica_id{0}};
  const status s = a.advance(replica_id{1}, {});
  CHECK(s.code() == errc::out_of_range);
  CHECK(a == lamport_clock{UINT64_MAX, replica_id{0}});
}
