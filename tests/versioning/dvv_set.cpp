#include <replica/versioning/dvv_set.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace replica;
using strings = std::vector<std::string>;

namespace {
const replica_id A{0}, B{1};
}

TEST_CASE("dvv_set: a write with a stale context becomes a sibling, one with a fresh context replaces", "[dvv_set]") {
  dvv_set s;
  s.update({}, "v1", A);
  CHECK(s.values() == strings{"v1"});
  const auto ctx1 = s.join();
  s.update(ctx1, "v2", A);  // read v1, wrote v2: replaces it
  CHECK(s.values() == strings{"v2"});
  s.update(ctx1, "v3", A);  // also read v1 only: concurrent with v2
  CHECK(s.values() == strings{"v3", "v2"});
  s.update(s.join(), "v4", A);  // read both: resolves them
  CHECK(s.values() == strings{"v4"});
  CHECK(s.join() == version_vector<>{{A, 4}});
}

TEST_CASE("dvv_set: many blind writers, no reads: siblings are exactly the live writes", "[dvv_set]") {
  dvv_set s;
  for (int i = 0; i < 10; ++i) s.update({}, "w" + std::to_string(i), i % 2 ? A : B);
  CHECK(s.sibling_count() == 10);  // none lost, none duplicated
  CHECK(s.entries().size() == 2);  // one column per coordinating replica
  s.update(s.join(), "resolved", A);
  CHECK(s.sibling_count() == 1);
}

TEST_CASE("dvv_set: sync of two replicas keeps what neither overwrote", "[dvv_set]") {
  dvv_set r1, r2;
  r1.update({}, "x", A);
  r2.merge(r1);
  r2.update(r2.join(), "y", B);  // overwrites x at replica B
  r1.update({}, "z", A);        // concurrent with y
  dvv_set m1 = r1, m2 = r2;
  m1.merge(r2);
  m2.merge(r1);
  CHECK(m1 == m2);
  CHECK(m1.values() == strings{"z", "y"});
  CHECK(r1.compare(r2) == causal_order::concurrent);
  CHECK(r1.compare(m1) == causal_order::before);
}

TEST_CASE("dvv_set: advance is a delete that had seen every sibling", "[dvv_set]") {
  dvv_set s;
  s.update({}, "a", A);
  s.update({}, "b", B);
  const dvv_set before = s;
  REQUIRE(s.advance(A).ok());
  CHECK(s.sibling_count() == 0);
  CHECK(before.compare(s) == causal_order::before);
}
