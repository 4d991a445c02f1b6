// Leaderless placement and read resolution: the consistent-hash ring with virtual nodes and
// preference lists, and keeping the maximal versions of R replies.
#include "../support/seeds.hpp"

#include <replica/resolve/maximal.hpp>
#include <replica/topology/leaderless/ring.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>
#include <replica/versioning/version_vector.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <vector>

using namespace replica;

namespace {
std::vector<ring_member> members(std::uint32_t n, std::uint16_t dcs = 1) {
  std::vector<ring_member> m;
  for (std::uint32_t i = 0; i < n; ++i) m.push_back({replica_id{i}, datacenter{static_cast<std::uint16_t>(i % dcs)}});
  return m;
}
}  // namespace

TEST_CASE("ring: a preference list is N distinct members, then distinct fallbacks", "[leaderless][ring]") {
  const auto ring = hash_ring::make(members(6, 2), 32).value();
  for (key_type k = 0; k < 2000; ++k) {
    std::array<ring_member, 6> out{};
    REQUIRE(ring.walk(k, out) == 6);
    std::set<replica_id> ids;
    for (const auto& m : out) ids.insert(m.id);
    CHECK(ids.size() == 6);  // every member once: the first 3 replicate, the next are fallbacks
    std::array<ring_member, 3> pl{};
    REQUIRE(ring.preference_list(k, 3, pl) == 3);
    CHECK(std::equal(pl.begin(), pl.end(), out.begin()));  // the preference list is the walk's prefix
    for (const auto& m : out) CHECK(m.dc == datacenter{static_cast<std::uint16_t>(m.id.value() % 2)});
  }
  std::array<ring_member, 10> more{};
  CHECK(ring.walk(1, more) == 6);  // no more than the ring has
  // Long walks (past the preference list's few) take another path: still distinct, same prefix.
  const auto big = hash_ring::make(members(64), 16).value();
  std::array<ring_member, 40> long_walk{};
  std::array<ring_member, 5> short_walk{};
  for (key_type k = 0; k < 200; ++k) {
    REQUIRE(big.walk(k, long_walk) == 40);
    REQUIRE(big.walk(k, short_walk) == 5);
    std::set<replica_id> ids;
    for (const auto& m : long_walk) ids.insert(m.id);
    CHECK(ids.size() == 40);
    CHECK(std::equal(short_walk.begin(), short_walk.end(), long_walk.begin()));
  }
}

TEST_CASE("ring: a key's first replica owns the first token at or after its point", "[leaderless][ring][laws]") {
  // The tokens as the ring documents them, searched with std::lower_bound: the ring's own
  // (branch-free) search must land on the same token, rings of one token included.
  rc::prop("the walk starts where std::lower_bound says", [] {
    const auto n = *rc::gen::inRange<std::uint32_t>(1, 20);
    const auto vnodes = *rc::gen::inRange<std::size_t>(1, 40);
    const auto ring = hash_ring::make(members(n), vnodes).value();
    std::vector<std::pair<std::uint64_t, std::uint32_t>> tokens;
    for (std::uint32_t m = 0; m < n; ++m)
      for (std::uint64_t v = 0; v < vnodes; ++v) tokens.emplace_back(mix64(mix64(m + 1) ^ (v * 0x9e3779b97f4a7c15ULL)), m);
    std::sort(tokens.begin(), tokens.end());
    for (int i = 0; i < 50; ++i) {
      const auto k = *rc::gen::arbitrary<key_type>();
      const std::uint64_t p = hash_ring::point_of(k);
      auto it = std::lower_bound(tokens.begin(), tokens.end(), std::pair<std::uint64_t, std::uint32_t>{p, 0});
      if (it == tokens.end()) it = tokens.begin();  // past the last token: wrap around
      std::array<ring_member, 1> first{};
      RC_ASSERT(ring.walk(k, first) == 1u);
      RC_ASSERT(first[0].id == replica_id{it->second});
    }
  });
}

TEST_CASE("ring: virtual nodes spread keys evenly", "[leaderless][ring]") {
  for (std::size_t vnodes : {1u, 16u, 128u}) {
    const auto ring = hash_ring::make(members(8), vnodes).value();
    std::map<replica_id, std::size_t> owned;
    const std::size_t keys = 80'000;
    for (key_type k = 0; k < keys; ++k) {
      std::array<ring_member, 1> first{};
      ring.walk(k, first);
      ++owned[first[0].id];
    }
    std::size_t most = 0, least = keys;
    for (const auto& [id, n] : owned) {
      most = std::max(most, n);
      least = std::min(least, n);
    }
    INFO("vnodes " << vnodes << ": most " << most << ", least " << least);
    if (vnodes >= 128) CHECK(static_cast<double>(most) / static_cast<double>(least) < 1.5);  // 10,000 each, within a few %
    if (vnodes == 1) CHECK(static_cast<double>(most) / static_cast<double>(least) > 2.0);   // one token each: lopsided
  }
}

TEST_CASE("ring: adding a node moves only the keys it takes over", "[leaderless][ring]") {
  const auto before = hash_ring::make(members(8), 64).value();
  const auto after = hash_ring::make(members(9), 64).value();
  std::size_t moved = 0, to_new = 0;
  const std::size_t keys = 50'000;
  for (key_type k = 0; k < keys; ++k) {
    std::array<ring_member, 1> a{}, b{};
    before.walk(k, a);
    after.walk(k, b);
    if (!(a[0] == b[0])) {
      ++moved;
      to_new += b[0].id == replica_id{8};
    }
  }
  CHECK(moved == to_new);  // every key that moved, moved to the new node
  const double share = static_cast<double>(moved) / keys;
  CHECK(share > 0.08);  // about 1/9
  CHECK(share < 0.15);
}

TEST_CASE("ring: bad configurations are refused with an error", "[leaderless][ring][bad_input]") {
  CHECK(hash_ring::make({}, 8).err().code == errc::out_of_range);
  CHECK(hash_ring::make(members(3), 0).err().code == errc::out_of_range);
  CHECK(hash_ring::make(members(3), 5000).err().code == errc::out_of_range);
  auto dup = members(3);
  dup.push_back({replica_id{1}, datacenter{0}});
  CHECK(hash_ring::make(dup, 8).err().code == errc::malformed);
  const auto ring = hash_ring::make(members(3), 8).value();
  CHECK(ring.find(replica_id{7}) == nullptr);
  REQUIRE(ring.find(replica_id{2}) != nullptr);
}

TEST_CASE("maximal versions: siblings survive, superseded and duplicate versions go", "[leaderless][resolve]") {
  using vv = version_vector<3>;
  struct reply {
    vv version;
    int value;
  };
  // a = [1,0,0], b = [1,1,0] (supersedes a), c = [1,0,1] (concurrent with b), d = b again
  std::array<reply, 4> rs{{{vv{{1, 0, 0}}, 1}, {vv{{1, 1, 0}}, 2}, {vv{{1, 0, 1}}, 3}, {vv{{1, 1, 0}}, 4}}};
  const std::size_t k = keep_maximal(rs.begin(), rs.end(), &reply::version);
  REQUIRE(k == 2);
  CHECK(rs[0].value == 2);
  CHECK(rs[1].value == 3);
  // A totally ordered version type resolves to the single newest.
  std::array<hybrid_logical_clock, 3> hs{};
  (void)hs[1].advance(replica_id{1}, local_time{std::chrono::milliseconds{5}});
  (void)hs[2].advance(replica_id{2}, local_time{std::chrono::milliseconds{9}});
  REQUIRE(keep_maximal(hs.begin(), hs.end()) == 1);
  CHECK(hs[0].compare(hybrid_logical_clock{}) == causal_order::after);
}

TEST_CASE("maximal versions: exactly the versions no other reply supersedes", "[leaderless][resolve][laws]") {
  // Laws over random histories of dotted version vectors built by real updates at 3 replicas.
  rc::prop("keep_maximal and maximal_positions agree with the definition", [] {
    const auto ops = *rc::gen::container<std::vector<std::pair<int, int>>>(
        rc::gen::pair(rc::gen::inRange(0, 3), rc::gen::inRange(0, 6)));
    std::vector<dotted_version_vector> made{dotted_version_vector{}};
    for (const auto& [who, from] : ops) {
      dotted_version_vector v = made[static_cast<std::size_t>(from) % made.size()];
      RC_ASSERT(v.advance(replica_id{static_cast<std::uint32_t>(who)}).ok());
      made.push_back(v);
    }
    const std::size_t r = *rc::gen::inRange<std::size_t>(1, 6);
    std::vector<dotted_version_vector> replies;
    for (std::size_t i = 0; i < r; ++i) replies.push_back(made[*rc::gen::inRange<std::size_t>(0, made.size())]);
    const auto original = replies;
    // The read-only form names the same ones, in order, and moves nothing.
    std::vector<std::size_t> at(replies.size());
    const std::size_t m = maximal_positions(replies.begin(), replies.end(), at.begin());
    RC_ASSERT(replies == original);
    const std::size_t k = keep_maximal(replies.begin(), replies.end());
    RC_ASSERT(m == k);
    for (std::size_t i = 0; i < m; ++i) RC_ASSERT(original[at[i]] == replies[i]);
    for (std::size_t i = 1; i < m; ++i) RC_ASSERT(at[i - 1] < at[i]);
    // Definition: v is maximal if no reply is strictly after it; keep one of each equal group.
    std::vector<dotted_version_vector> expected;
    for (const auto& v : original) {
      bool superseded = false;
      for (const auto& o : original) superseded |= o.compare(v) == causal_order::after;
      bool already = false;
      for (const auto& e : expected) already |= e == v;
      if (!superseded && !already) expected.push_back(v);
    }
    RC_ASSERT(k == expected.size());
    for (std::size_t i = 0; i < k; ++i) RC_ASSERT(replies[i] == expected[i]);
    // Pairwise concurrent, and every reply is at or below one of them.
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = i + 1; j < k; ++j) RC_ASSERT(replies[i].compare(replies[j]) == causal_order::concurrent);
    for (const auto& v : original) {
      bool covered = false;
      for (std::size_t i = 0; i < k; ++i) {
        const auto o = v.compare(replies[i]);
        covered |= o == causal_order::before || o == causal_order::equal;
      }
      RC_ASSERT(covered);
    }
  });
}
