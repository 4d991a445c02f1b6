#include <replica/core/extent.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <type_traits>

using namespace replica;

// A fixed count stores nothing and is a constant; a run-time count stores it.
static_assert(std::is_empty_v<extent_count<3>>);
static_assert(std::size_t{extent_count<3>{99}} == 3, "a fixed extent ignores the run-time value");
static_assert(std::size_t{extent_count<dynamic_extent>{7}} == 7);

namespace {
struct holder {
  [[no_unique_address]] extent_count<5> n{5};
  int x = 0;
};
}  // namespace
static_assert(sizeof(holder) == sizeof(int), "a fixed count takes no room in the object that holds it");

TEST_CASE("extent_count reads as its extent, or as the run-time count", "[extent]") {
  const extent_count<dynamic_extent> n{4};
  std::size_t visited = 0;
  for (std::size_t i = 0; i < n; ++i) ++visited;
  CHECK(visited == 4);
  const extent_count<2> m{2};
  CHECK(m / 2 + 1 == 2);
}
