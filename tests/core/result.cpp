#include <replica/core/result.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace replica;

TEST_CASE("status is ok by default and carries an error otherwise", "[result]") {
  status ok;
  CHECK(ok.ok());
  status bad = error{errc::stale_term, "older term"};
  CHECK_FALSE(bad.ok());
  CHECK(bad.code() == errc::stale_term);
  CHECK(bad.err().detail == "older term");
  CHECK(to_string(errc::unknown_replica) == "unknown_replica");
  CHECK(to_string(errc::wrong_group) == "wrong_group");
}

TEST_CASE("result holds a value or an error", "[result]") {
  result<std::string> v = std::string{"x"};
  REQUIRE(v.ok());
  CHECK(*v == "x");
  CHECK(v->size() == 1);
  result<std::string> e = error{errc::malformed};
  REQUIRE_FALSE(e.ok());
  CHECK(e.code() == errc::malformed);
}
