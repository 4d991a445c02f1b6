#pragma once
// Seeds for randomized scenario tests. CI runs a small default; more locally:
//   REPLICA_SEEDS=5000 ctest -L sim      (seeds 1..5000)
//   REPLICA_SEED=1234 ctest -R '...'     (just the seed a failure printed)
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace test {

inline std::vector<std::uint64_t> seeds(std::uint64_t ci_default) {
  if (const char* one = std::getenv("REPLICA_SEED")) return {std::strtoull(one, nullptr, 10)};
  std::uint64_t n = ci_default;
  if (const char* many = std::getenv("REPLICA_SEEDS")) n = std::strtoull(many, nullptr, 10);
  std::vector<std::uint64_t> out;
  for (std::uint64_t s = 1; s <= n; ++s) out.push_back(s);
  return out;
}

}  // namespace test
