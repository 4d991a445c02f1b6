#include <replica/core/ids.hpp>

#include <catch2/catch.hpp>

#include <type_traits>
#include <unordered_set>

using namespace replica;

TEST_CASE("strong ids are distinct types that do not convert into each other", "[ids]") {
  STATIC_REQUIRE(!std::is_convertible_v<term, log_index>);
  STATIC_REQUIRE(!std::is_convertible_v<log_index, term>);
  STATIC_REQUIRE(!std::is_convertible_v<std::uint64_t, term>);
  STATIC_REQUIRE(!std::is_convertible_v<replica_id, group_id>);
  STATIC_REQUIRE(sizeof(term) == sizeof(std::uint64_t));
  STATIC_REQUIRE(std::is_trivially_copyable_v<replica_id>);
}

TEST_CASE("strong ids order, advance and hash by value", "[ids]") {
  CHECK(term{3} < term{4});
  CHECK(term{3}.next() == term{4});
  CHECK(log_index{0}.next().value() == 1);
  std::unordered_set<replica_id> ids{replica_id{1}, replica_id{2}, replica_id{1}};
  CHECK(ids.size() == 2);
}

TEST_CASE("log positions compare by term first, then index (Raft's up-to-date rule)", "[ids]") {
  const log_position older_term_longer{term{2}, log_index{10}};
  const log_position newer_term_shorter{term{3}, log_index{4}};
  CHECK(older_term_longer < newer_term_shorter);
  CHECK(log_position{term{3}, log_index{4}} < log_position{term{3}, log_index{5}});
  CHECK(log_position{term{3}, log_index{4}} == log_position{term{3}, log_index{4}});
}
