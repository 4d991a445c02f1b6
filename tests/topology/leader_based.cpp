#include "leader_based_support.hpp"

#include <catch2/catch.hpp>

using namespace test;

TEST_CASE("leader-based: one leader is elected and writes replicate to every replica", "[leader_based]") {
  using node = lb<majority, cluster_size<3>>;
  auto c = make_cluster<node>(3, 1);
  const replica_id l = await_leader(c);
  for (std::uint32_t i = 0; i < 3; ++i)
    if (replica_id{i} != l) CHECK_FALSE(c.node(replica_id{i})->is_leader());
  c.invoke(l, {op_kind::write, 0, 42});
  c.run_for(200ms);
  REQUIRE(c.history().size() == 2);
  CHECK(c.history()[1].type == check::event_type::ok);
  for (std::uint32_t i = 0; i < 3; ++i) CHECK(c.node(replica_id{i})->value(0) == 42);
  CHECK(c.converged());
}
