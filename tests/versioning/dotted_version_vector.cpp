#include <replica/versioning/dotted_version_vector.hpp>

#include <catch2/catch.hpp>

using namespace replica;

namespace {
const replica_id A{0}, B{1};
dotted_version_vector ev(const version_vector<>& ctx, dot d) {
  auto v = dotted_version_vector::event(ctx, d);
  REQUIRE(v.ok());
  return *v;
}
}  // namespace

TEST_CASE("dotted_version_vector: two blind writes at one server are concurrent siblings", "[dvv]") {
  // Server A coordinates two writes from clients that read nothing. Per-server version vectors
  // would stamp them {A:1} and {A:2} and the second would overwrite the first (a lost update);
  // dots keep them apart.
  const auto v1 = ev({}, dot{A, 1});
  const auto v2 = ev({}, dot{A, 2});
  CHECK(v1.compare(v2) == causal_order::concurrent);
  version_vector<> a_only{{A, 1}};
  CHECK(version_vector<>{{A, 1}}.compare(version_vector<>{{A, 2}}) == causal_order::before);
  (void)a_only;

  // A client that read both writes back with their joined context: the new version dominates both.
  const auto v3 = ev(merged(v1, v2).context(), dot{A, 3});
  CHECK(v1.compare(v3) == causal_order::before);
  CHECK(v2.compare(v3) == causal_order::before);
  REQUIRE(v3.own_dot().has_value());
  CHECK(*v3.own_dot() == dot{A, 3});
}

TEST_CASE("dotted_version_vector keeps gaps exactly", "[dvv]") {
  const auto v2 = ev({}, dot{A, 2});  // history {A2}: A1 is not in it
  CHECK(v2.contains(dot{A, 2}));
  CHECK_FALSE(v2.contains(dot{A, 1}));
  CHECK(v2.cloud().size() == 1);
  const auto v1 = ev({}, dot{A, 1});
  const auto both = merged(v1, v2);
  CHECK(both.cloud().empty());  // {A1, A2} is compact
  CHECK(both.base() == version_vector<>{{A, 2}});
  CHECK_FALSE(both.own_dot().has_value());  // a merge of two events is not one event
}

TEST_CASE("dotted_version_vector: advance is a new event after the whole history", "[dvv]") {
  auto v = ev(version_vector<>{{B, 3}}, dot{A, 1});
  auto w = v;
  REQUIRE(w.advance(B).ok());
  CHECK(*w.own_dot() == dot{B, 4});
  CHECK(v.compare(w) == causal_order::before);
}

TEST_CASE("dotted_version_vector rejects malformed events", "[dvv]") {
  CHECK(dotted_version_vector::event({}, dot{A, 0}).code() == errc::malformed);
  CHECK(dotted_version_vector::event(version_vector<>{{A, 3}}, dot{A, 2}).code() == errc::malformed);
}

TEST_CASE("dotted_version_vector: an event after a history with a gap keeps the gap", "[dvv]") {
  // The client saw A1, A2 and A4; A3 is a concurrent write it never read.
  const std::vector<dot> above{{A, 4}};
  auto v = dotted_version_vector::event(version_vector<>{{A, 2}}, above, dot{B, 1});
  REQUIRE(v.ok());
  CHECK(v->contains(dot{A, 4}));
  CHECK(!v->contains(dot{A, 3}));
  CHECK(v->cloud() == above);
  const dotted_version_vector a3 = ev(version_vector<>{{A, 2}}, dot{A, 3});
  CHECK(v->compare(a3) == causal_order::concurrent);  // the unseen write stays a sibling
  // Its version vector alone covers the gap, and would supersede it:
  CHECK(ev(v->context(), dot{B, 2}).compare(a3) == causal_order::after);
  const std::vector<dot> zero{{A, 0}};
  CHECK(dotted_version_vector::event(version_vector<>{{A, 2}}, above, dot{A, 4}).code() == errc::malformed);
  CHECK(dotted_version_vector::event({}, zero, dot{B, 1}).code() == errc::malformed);
}
