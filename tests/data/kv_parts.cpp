// kv_parts (include/replica/data/kv_parts.hpp): the map a kv_store keeps its entries in, cut
// into parts found through a directory; a part splits alone when it grows.
#include "../support/seeds.hpp"

#include <replica/data/kv_parts.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using replica::kv_detail::kv_parts;

namespace {
std::map<std::string, std::string> contents(const kv_parts& p) {
  std::map<std::string, std::string> out;
  p.for_each([&](const std::string& k, const std::string& v) { out.emplace(k, v); });
  return out;
}
std::size_t largest_part(const kv_parts& p) {
  std::size_t most = 0;
  for (const auto& part : p.parts()) most = std::max(most, part.get().size());
  return most;
}
}  // namespace

TEST_CASE("kv_parts: the same map as std::map under random writes and removals", "[data][kv_parts]") {
  for (std::uint64_t seed : test::seeds(20)) {
    INFO("seed " << seed << " (replay: REPLICA_SEED=" << seed << ")");
    std::mt19937_64 g{seed};
    kv_parts p;
    std::map<std::string, std::string> model;
    for (int i = 0; i < 3000; ++i) {
      const std::string k = "k" + std::to_string(g() % 1500);
      if (g() % 4 == 0) {
        const auto it = model.find(k);
        const auto gone = p.erase(k);
        REQUIRE(gone.has_value() == (it != model.end()));
        if (it != model.end()) {
          CHECK(*gone == it->second);
          model.erase(it);
        }
      } else {
        const std::string v = std::to_string(g());
        p.set(k, v);
        model[k] = v;
      }
      REQUIRE(p.size() == model.size());
    }
    CHECK(contents(p) == model);
    for (const auto& [k, v] : model) {
      const std::string* got = p.find(k);
      REQUIRE(got != nullptr);
      CHECK(*got == v);
    }
    CHECK(p.find("absent") == nullptr);
  }
}

TEST_CASE("kv_parts: a part splits alone, so a write moves at most one part's keys", "[data][kv_parts]") {
  // Growing to 20,000 keys: after every insert at most one new part, no part past split_at,
  // and at most 8 directory slots a part (the parts' depths stay close).
  kv_parts p;
  std::size_t parts_before = 0;
  for (int i = 0; i < 20000; ++i) {
    p.set("key:" + std::to_string(i), "v");
    REQUIRE(p.parts().size() <= parts_before + 1);
    parts_before = p.parts().size();
  }
  CHECK(largest_part(p) <= kv_parts::split_at);
  CHECK(p.parts().size() >= 20000 / kv_parts::split_at);
  CHECK(p.directory_size() <= 8 * p.parts().size());
  CHECK(p.size() == 20000);
}

TEST_CASE("kv_parts: a split keeps a snapshot's parts as they were (copy-on-write)", "[data][kv_parts]") {
  kv_parts p;
  for (int i = 0; i < 500; ++i) p.set("a" + std::to_string(i), "old");
  const kv_parts snap = p;  // shares every part
  const auto then = contents(snap);
  for (int i = 0; i < 5000; ++i) p.set("b" + std::to_string(i), "new");  // many splits of shared parts
  for (int i = 0; i < 500; i += 2) p.set("a" + std::to_string(i), "changed");
  CHECK(contents(snap) == then);
  CHECK(snap.size() == 500);
  CHECK(p.size() == 5500);
  CHECK(*p.find("a0") == "changed");
  CHECK(*snap.find("a0") == "old");
  CHECK(snap.find("b0") == nullptr);
}

TEST_CASE("kv_parts: reserve sizes an empty store's directory, and inserting then splits nothing", "[data][kv_parts]") {
  kv_parts p;
  p.reserve(10000);
  const std::size_t made = p.parts().size();
  CHECK(made * (kv_parts::split_at / 2) >= 10000);
  for (int i = 0; i < 10000; ++i) p.insert_new("k" + std::to_string(i), "v");
  p.insert_new("k0", "ignored");  // present: kept
  CHECK(*p.find("k0") == "v");
  CHECK(p.size() == 10000);
  CHECK(p.parts().size() <= made + made / 4);  // a few parts the hash filled past split_at
  p.reserve(1u << 20);  // not empty: nothing
  CHECK(p.directory_size() < (1u << 20) / kv_parts::split_at);
}

TEST_CASE("kv_parts: keys that share a long hash prefix do not blow up the directory", "[data][kv_parts][bad_input]") {
  // A hostile client can choose keys whose hashes agree in their top bits: splitting their part
  // would double the directory each time without spreading them. The directory stays within a
  // bounded number of slots a part; the part grows instead, and every key is still found.
  const auto top = [](const std::string& k) {
    return (static_cast<std::uint64_t>(std::hash<std::string_view>{}(k)) * 0x9E3779B97F4A7C15ULL) >> 52;  // 12 bits
  };
  std::vector<std::string> keys;
  const std::uint64_t want = top("seed");
  for (std::uint64_t i = 0; keys.size() < 300; ++i) {
    std::string k = "x" + std::to_string(i);
    if (top(k) == want) keys.push_back(std::move(k));
  }
  kv_parts p;
  for (const auto& k : keys) p.set(k, "v");
  CHECK(p.size() == keys.size());
  CHECK(p.directory_size() <= 16 * p.parts().size());
  CHECK(p.directory_size() <= 4096);  // 12 shared bits: at most 2^12 slots before the cap
  for (const auto& k : keys) CHECK(p.find(k) != nullptr);
}
