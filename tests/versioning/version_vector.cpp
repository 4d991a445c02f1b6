#include <replica/versioning/version_vector.hpp>

#include <catch2/catch.hpp>

using namespace replica;

TEST_CASE("version_vector<N> detects concurrent writes", "[version_vector]") {
  version_vector<3> a, b;
  REQUIRE(a.advance(replica_id{0}).ok());
  REQUIRE(b.advance(replica_id{1}).ok());
  CHECK(a.compare(b) == causal_order::concurrent);
  version_vector<3> c = merged(a, b);
  CHECK(a.compare(c) == causal_order::before);
  CHECK(c.compare(b) == causal_order::after);
  REQUIRE(c.advance(replica_id{2}).ok());
  CHECK(c.counters() == std::array<std::uint64_t, 3>{1, 1, 1});
}

TEST_CASE("version_vector<N> reports a replica id out of range and stays unchanged", "[version_vector]") {
  version_vector<3> a{{4, 0, 2}};
  const status s = a.advance(replica_id{3});
  CHECK(s.code() == errc::unknown_replica);
  CHECK(a == version_vector<3>{{4, 0, 2}});
  CHECK(a.counter(replica_id{7}).code() == errc::unknown_replica);
  CHECK(*a.counter(replica_id{0}) == 4);
}

TEST_CASE("version_vector<N> has no heap state", "[version_vector]") {
  STATIC_REQUIRE(sizeof(version_vector<8>) == 8 * sizeof(std::uint64_t));
  STATIC_REQUIRE(std::is_trivially_copyable_v<version_vector<8>>);
}

TEST_CASE("version_vector<> (dynamic) takes any replica id and keeps a canonical form", "[version_vector]") {
  version_vector<> a{{replica_id{7}, 2}, {replica_id{1}, 0}, {replica_id{3}, 1}};
  CHECK(a.size() == 2);  // the zero counter is not stored
  CHECK(a.counter(replica_id{7}) == 2);
  CHECK(a.counter(replica_id{1}) == 0);
  version_vector<> b{{replica_id{3}, 1}, {replica_id{7}, 2}};
  CHECK(a == b);
  REQUIRE(b.advance(replica_id{100}).ok());
  CHECK(a.compare(b) == causal_order::before);
  version_vector<> c{{replica_id{100}, 5}};
  CHECK(a.compare(c) == causal_order::concurrent);
  a.merge(c);
  CHECK(a == version_vector<>{{replica_id{3}, 1}, {replica_id{7}, 2}, {replica_id{100}, 5}});
}
