// Leaderless building blocks for coordination and repair: consistency levels resolved against
// a key's replicas and datacenters, and the Merkle tree anti-entropy compares.
#include <replica/topology/leaderless/consistency.hpp>
#include <replica/topology/leaderless/merkle.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

using namespace replica;

namespace {
/// Five replicas: three in datacenter 0, two in datacenter 1.
std::vector<ring_member> two_dcs() {
  return {{replica_id{0}, datacenter{0}}, {replica_id{1}, datacenter{1}}, {replica_id{2}, datacenter{0}},
          {replica_id{3}, datacenter{1}}, {replica_id{4}, datacenter{0}}};
}
}  // namespace

TEST_CASE("consistency levels: what each one needs from five replicas in two datacenters", "[leaderless][consistency]") {
  const auto rs = two_dcs();
  struct row {
    consistency_level level;
    std::size_t total;
    std::uint8_t dc0, dc1;
  };
  for (const row r : {row{consistency_level::configured, 2, 0, 0}, row{consistency_level::one, 1, 0, 0},
                      row{consistency_level::two, 2, 0, 0}, row{consistency_level::three, 3, 0, 0},
                      row{consistency_level::quorum, 3, 0, 0}, row{consistency_level::all, 5, 0, 0},
                      row{consistency_level::local_quorum, 2, 2, 0}, row{consistency_level::each_quorum, 4, 2, 2}}) {
    INFO(to_string(r.level));
    const auto q = requirement(r.level, rs, 2, datacenter{0});
    REQUIRE(q.ok());
    CHECK(q->total == r.total);
    CHECK(q->per_dc[0] == r.dc0);
    CHECK(q->per_dc[1] == r.dc1);
    CHECK(q->by_dc == (r.dc0 + r.dc1 > 0));  // only the datacenter levels count by datacenter
  }
  // LOCAL_QUORUM is local to the coordinator: from datacenter 1 it needs 2 of its 2.
  CHECK(requirement(consistency_level::local_quorum, rs, 2, datacenter{1})->per_dc[1] == 2);
}

TEST_CASE("consistency levels: met only by enough replicas in the right datacenters", "[leaderless][consistency]") {
  const auto rs = two_dcs();
  const auto each = requirement(consistency_level::each_quorum, rs, 2, datacenter{0}).value();
  CHECK_FALSE(each.met(std::vector<ring_member>{rs[0], rs[2], rs[4], rs[1]}));  // 3 + 1: dc1 short
  CHECK(each.met(std::vector<ring_member>{rs[0], rs[2], rs[1], rs[3]}));
  const auto local = requirement(consistency_level::local_quorum, rs, 2, datacenter{0}).value();
  CHECK_FALSE(local.met(std::vector<ring_member>{rs[1], rs[3]}));  // two acks, both remote
  CHECK(local.met(std::vector<ring_member>{rs[0], rs[4]}));
  const auto q = requirement(consistency_level::quorum, rs, 2, datacenter{0}).value();
  CHECK_FALSE(q.met(std::vector<ring_member>{rs[0], rs[1]}));
  CHECK(q.met(std::vector<ring_member>{rs[0], rs[1], rs[3]}));
}

TEST_CASE("consistency levels: a level the key's replicas cannot meet is an error", "[leaderless][consistency][bad_input]") {
  const std::vector<ring_member> three{{replica_id{0}, datacenter{0}}, {replica_id{1}, datacenter{0}}, {replica_id{2}, datacenter{0}}};
  CHECK(requirement(consistency_level::three, std::span{three}.first(2), 2, datacenter{0}).err().code == errc::unavailable);
  CHECK(requirement(consistency_level::configured, three, 4, datacenter{0}).err().code == errc::unavailable);
  CHECK(requirement(consistency_level::local_quorum, three, 2, datacenter{3}).err().code == errc::unavailable);
  CHECK(requirement(static_cast<consistency_level>(42), three, 2, datacenter{0}).err().code == errc::out_of_range);
  const std::vector<ring_member> bad_dc{{replica_id{0}, datacenter{99}}};
  CHECK(requirement(consistency_level::each_quorum, bad_dc, 1, datacenter{0}).err().code == errc::out_of_range);
  CHECK(requirement(consistency_level::local_quorum, bad_dc, 1, datacenter{0}).err().code == errc::out_of_range);
  CHECK(requirement(consistency_level::one, bad_dc, 1, datacenter{0}).value().total == 1);  // (ONE reads no tag)
  // The in-place form leaves its target as it was on an error.
  quorum_requirement held = requirement(consistency_level::each_quorum, three, 2, datacenter{0}).value();
  const quorum_requirement before = held;
  CHECK(require(held, consistency_level::configured, three, 4, datacenter{0}).err().code == errc::unavailable);
  CHECK(require(held, consistency_level::local_quorum, three, 2, datacenter{3}).err().code == errc::unavailable);
  CHECK(held.total == before.total);
  CHECK(held.by_dc == before.by_dc);
  CHECK(held.per_dc == before.per_dc);
}

TEST_CASE("merkle: the same keys and versions give the same tree, in any order", "[leaderless][anti_entropy]") {
  merkle_tree<8> a, b;
  for (key_type k = 0; k < 500; ++k) a.update(k, 0, k * 7 + 1);
  for (key_type k = 500; k-- > 0;) b.update(k, 0, k * 7 + 1);
  CHECK(a == b);
  CHECK(differing_buckets(a, b).empty());
  // Change one key and change it back: the tree returns to what it was.
  const auto before = a.root();
  a.update(42, 42 * 7 + 1, 999);
  CHECK(a.root() != before);
  a.update(42, 999, 42 * 7 + 1);
  CHECK(a.root() == before);
  CHECK(merkle_tree<8>{}.root() == 0);
}

TEST_CASE("merkle: one differing key is found by comparing about 2 x depth hashes", "[leaderless][anti_entropy]") {
  merkle_tree<10> a, b;
  for (key_type k = 0; k < 20'000; ++k) {
    a.update(k, 0, k + 1);
    b.update(k, 0, k + 1);
  }
  b.update(1234, 1235, 777);  // a newer version of one key on b
  std::size_t compared = 0;
  const auto diff = differing_buckets(a, b, &compared);
  REQUIRE(diff.size() == 1);
  CHECK(diff[0] == merkle_tree<10>::bucket_of(1234));
  CHECK(compared <= 2 * 10 + 1);  // versus 20,000 keys
}

TEST_CASE("merkle: the differing buckets are exactly those of the keys that differ", "[leaderless][anti_entropy][laws]") {
  rc::prop("differing_buckets finds every difference and nothing else", [] {
    const auto a = *rc::gen::container<std::map<key_type, std::uint64_t>>(rc::gen::inRange<key_type>(0, 300),
                                                                            rc::gen::inRange<std::uint64_t>(1, 5));
    auto b = a;
    const auto changes = *rc::gen::container<std::vector<std::pair<key_type, std::uint64_t>>>(
        rc::gen::pair(rc::gen::inRange<key_type>(0, 300), rc::gen::inRange<std::uint64_t>(0, 5)));
    for (const auto& [k, v] : changes) {
      if (v == 0)
        b.erase(k);
      else
        b[k] = v;
    }
    merkle_tree<6> ta, tb;
    for (const auto& [k, v] : a) ta.update(k, 0, v);
    for (const auto& [k, v] : b) tb.update(k, 0, v);
    std::set<std::size_t> expected;
    for (key_type k = 0; k < 300; ++k) {
      const std::uint64_t va = a.count(k) ? a.at(k) : 0, vb = b.count(k) ? b.at(k) : 0;
      if (va != vb) expected.insert(merkle_tree<6>::bucket_of(k));
    }
    const auto found = differing_buckets(ta, tb);
    RC_ASSERT(std::set<std::size_t>(found.begin(), found.end()) == expected);
  });
}
