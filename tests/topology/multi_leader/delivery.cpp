// multi_leader/delivery.hpp, alone: causal delivery holds a change until its origin's previous
// change and its dependencies are applied, and releases chains of held changes in order.
#include <replica/topology/multi_leader/delivery.hpp>

#include <catch2/catch.hpp>

#include <utility>
#include <vector>

using namespace replica;
using namespace replica::multi_leader_detail;

namespace {
struct change {
  replica_id origin{};
  std::uint64_t seq = 0;
  version_vector<> deps{};
};
replica_id r(std::uint32_t i) { return replica_id{i}; }
}  // namespace

TEST_CASE("causal_buffer: deliverable means the origin's previous change and every dependency applied", "[multi_leader][delivery]") {
  using buf = causal_buffer<change>;
  const version_vector<> have{{r(0), 2}, {r(1), 1}};
  CHECK(buf::deliverable({r(0), 3, {}}, have));
  CHECK_FALSE(buf::deliverable({r(0), 4, {}}, have));  // 3 missing
  CHECK_FALSE(buf::deliverable({r(0), 2, {}}, have));  // already applied
  CHECK(buf::deliverable({r(2), 1, version_vector<>{{r(1), 1}}}, have));
  CHECK_FALSE(buf::deliverable({r(2), 1, version_vector<>{{r(1), 2}}}, have));  // a reply before the post
}

TEST_CASE("causal_buffer: applying one change releases those waiting on it, in dependency order", "[multi_leader][delivery]") {
  causal_buffer<change> buf;
  version_vector<> have;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> applied;
  auto apply = [&](const change& c) {
    applied.emplace_back(c.origin.value(), c.seq);
    have.raise(c.origin, c.seq);
  };
  // 1's second arrives before 1's first, and 0's first, made after 1's second, before both.
  buf.hold({r(0), 1, version_vector<>{{r(1), 2}}});
  buf.hold({r(1), 2, {}});
  CHECK(buf.size() == 2);
  CHECK(buf.holds(dot{r(1), 2}));
  CHECK_FALSE(buf.holds(dot{r(1), 1}));
  apply({r(1), 1, {}});
  buf.release([&]() -> const version_vector<>& { return have; }, apply);
  CHECK(buf.size() == 0);
  // (0, 1) comes first in the buffer but waits for (1, 2), which (1, 1) released.
  CHECK(applied == std::vector<std::pair<std::uint32_t, std::uint64_t>>{{1, 1}, {1, 2}, {0, 1}});
  buf.hold({r(0), 5, {}});  // its gap never fills: it stays held
  buf.release([&]() -> const version_vector<>& { return have; }, apply);
  CHECK(buf.size() == 1);
}
