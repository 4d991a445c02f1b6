#include <replica/core/fixed_vector.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <type_traits>
#include <vector>

using namespace replica;

namespace {
struct item {
  int a = 0;
  long b = 0;
  friend bool operator==(const item&, const item&) = default;
};
}  // namespace

static_assert(std::is_trivially_copyable_v<fixed_vector<item, 2>>, "copied as a plain struct");
static_assert(std::is_trivially_destructible_v<fixed_vector<item, 2>>);
// Whole words, no tail padding: the compiler copies every byte of the object (it copies only up to
// the last member of one whose tail padding another object may reuse), as whole 16- and 8-byte
// moves, none overlapping another; a field read back right after a copy is then served by one
// store (fixed_vector.hpp, on its size). `tail_probe::c` sits in the vector's tail padding if
// it has any.
namespace {
struct tail_probe {
  [[no_unique_address]] fixed_vector<item, 1> v;
  char c;
};
}  // namespace
static_assert(sizeof(fixed_vector<item, 1>) == sizeof(item) + 8);
static_assert(sizeof(tail_probe) > sizeof(fixed_vector<item, 1>), "the vector has tail padding: its size is not a whole word");

TEST_CASE("fixed_vector holds up to its capacity and refuses more with an exception", "[fixed_vector]") {
  fixed_vector<item, 2> v;
  CHECK(v.empty());
  v.push_back({1, 10});
  v.emplace_back(2, 20L);
  CHECK(v.size() == 2);
  CHECK(v.front() == item{1, 10});
  CHECK(v.back() == item{2, 20});
  CHECK_THROWS_AS(v.push_back({3, 30}), std::length_error);
  CHECK(v.size() == 2);  // unchanged by the refused push
  CHECK(std::vector<item>(v.begin(), v.end()) == std::vector<item>{{1, 10}, {2, 20}});
}

TEST_CASE("fixed_vector appends ranges at its end only, within capacity", "[fixed_vector]") {
  fixed_vector<item, 3> v{{1, 1}};
  const std::vector<item> more{{2, 2}, {3, 3}};
  v.insert(v.end(), more.begin(), more.end());
  CHECK(v == fixed_vector<item, 3>{{1, 1}, {2, 2}, {3, 3}});
  CHECK_THROWS_AS(v.insert(v.end(), more.begin(), more.begin() + 1), std::length_error);
  const fixed_vector<item, 3> from_range(more.begin(), more.end());
  CHECK(from_range == fixed_vector<item, 3>{{2, 2}, {3, 3}});
  CHECK_THROWS_AS((fixed_vector<item, 1>(more.begin(), more.end())), std::length_error);
  fixed_vector<item, 3> w{{1, 1}};
  CHECK_THROWS_AS(w.insert(w.begin(), more.begin(), more.end()), std::invalid_argument);
  CHECK(w.size() == 1);
}

TEST_CASE("fixed_vector compares its elements, not what a shrink left behind", "[fixed_vector]") {
  fixed_vector<item, 2> a{{1, 1}, {2, 2}};
  fixed_vector<item, 2> b{{1, 1}, {9, 9}};
  CHECK(a != b);
  a.resize(1);
  b.resize(1);
  CHECK(a == b);
  b.resize(2);  // grows with value-initialized elements
  CHECK(b[1] == item{});
  CHECK_THROWS_AS(b.resize(3), std::length_error);
  b.assign(2, item{7, 7});
  CHECK(b == fixed_vector<item, 2>{{7, 7}, {7, 7}});
  CHECK_THROWS_AS(b.assign(3, item{}), std::length_error);
  CHECK(b.size() == 2);
  const auto c = a;  // a copy is the same vector
  CHECK(c == a);
  a.clear();
  CHECK(a.empty());
  CHECK(c.size() == 1);
}

TEST_CASE("fixed_vector: resize_for_overwrite keeps what was written through data()", "[fixed_vector]") {
  fixed_vector<item, 3> v;
  v.data()[0] = item{4, 4};  // as a ring walk fills a request's targets
  v.data()[1] = item{5, 5};
  v.resize_for_overwrite(2);
  CHECK(v == fixed_vector<item, 3>{{4, 4}, {5, 5}});
  v.resize(3);  // (resize, by contrast, value-initializes what it adds)
  CHECK(v[2] == item{});
  CHECK_THROWS_AS(v.resize_for_overwrite(4), std::length_error);
  CHECK(v.size() == 3);
}
