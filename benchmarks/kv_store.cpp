// kv_store/<variant>/<op>/<keys>: what replica-server's state machine does per command and per
// read (data/kv_store.hpp), on `keys` keys of 16 bytes (redis-benchmark's "key:000000012345",
// longer than std::string's short buffer) holding 256-byte values, taken in random order:
// - `composed`: kv_store (a sorted map, for snapshots, with a hash index for lookups);
// - `handwritten`: the essential work, a std::unordered_map<std::string, std::string> (no order
//   kept, so no snapshot without a sort);
// - `sorted_map`: a std::map alone, what kv_store was before its index (2026-12-06).
// Ops: `put` (a put to a key that exists, as a write-heavy run has after its first pass),
// `get`, and `snapshot` (what a compaction takes of the machine: kv_store shares its parts,
// copy-on-write; the others copy themselves whole, which a snapshot that owns its data must).
// Reports operations per second.
#include <replica/data/kv_store.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

enum class variant { composed, handwritten, sorted_map };
enum class op { put, get, snapshot };

std::vector<std::string> key_names(std::size_t n) {
  std::vector<std::string> keys;
  keys.reserve(n);
  char buf[32];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "key:%012zu", i);
    keys.emplace_back(buf);
  }
  return keys;
}

void run(benchmark::State& state, variant which, op what) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto keys = key_names(n);
  const std::string value(256, 'v');
  // The commands and queries as the log and the clients hand them over (built already: a
  // replica applies entries it decoded), on random keys.
  std::mt19937_64 g{1};
  std::vector<replica::kv_store::put> puts;
  std::vector<replica::kv_store::get> gets;
  constexpr std::size_t many = 1u << 15;
  for (std::size_t i = 0; i < many; ++i) {
    const std::string& k = keys[g() % n];
    if (what == op::put) puts.push_back({k, value});
    else gets.push_back({k});
  }
  replica::kv_store store;
  std::unordered_map<std::string, std::string> hashed;
  std::map<std::string, std::string, std::less<>> sorted;
  for (const auto& k : keys) {
    (void)store.apply(replica::kv_store::put{k, value});
    hashed.emplace(k, value);
    sorted.emplace(k, value);
  }
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    const std::size_t at = i++ & (many - 1);
    if (what == op::snapshot) {
      switch (which) {
        case variant::composed: found += store.snapshot().size() == n; break;
        case variant::handwritten: found += std::unordered_map<std::string, std::string>{hashed}.size() == n; break;
        case variant::sorted_map: found += std::map<std::string, std::string, std::less<>>{sorted}.size() == n; break;
      }
    } else if (what == op::put) {
      const replica::kv_store::put& p = puts[at];
      switch (which) {
        case variant::composed: benchmark::DoNotOptimize(store.apply(p)); break;
        case variant::handwritten: hashed[p.key] = p.value; break;
        case variant::sorted_map: sorted.insert_or_assign(p.key, p.value); break;
      }
    } else {
      // A read returns the value (a copy: it leaves for the client).
      const replica::kv_store::get& q = gets[at];
      std::optional<std::string> v;
      switch (which) {
        case variant::composed: v = store.read(q); break;
        case variant::handwritten:
          if (auto it = hashed.find(q.key); it != hashed.end()) v = it->second;
          break;
        case variant::sorted_map:
          if (auto it = sorted.find(q.key); it != sorted.end()) v = it->second;
          break;
      }
      found += v.has_value();
      benchmark::DoNotOptimize(v);
    }
  }
  // Every key exists: each get found its value, and each put left the value it wrote.
  if (what == op::get && found != static_cast<std::size_t>(state.iterations())) state.SkipWithError("a get did not find a key that exists");
  if (what == op::snapshot && found != static_cast<std::size_t>(state.iterations())) state.SkipWithError("a snapshot did not hold every key");
  if (what == op::put) {
    const auto& k = keys[n / 2];
    const bool kept = which == variant::composed      ? store.read({k}) == value
                      : which == variant::handwritten ? hashed.at(k) == value
                                                      : sorted.at(k) == value;
    if (!kept) state.SkipWithError("a put did not leave its value");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

BENCHMARK_CAPTURE(run, composed_put, variant::composed, op::put)->Name("kv_store/composed/put")->Arg(1000)->Arg(100000);
BENCHMARK_CAPTURE(run, handwritten_put, variant::handwritten, op::put)->Name("kv_store/handwritten/put")->Arg(1000)->Arg(100000);
BENCHMARK_CAPTURE(run, sorted_map_put, variant::sorted_map, op::put)->Name("kv_store/sorted_map/put")->Arg(1000)->Arg(100000);
BENCHMARK_CAPTURE(run, composed_get, variant::composed, op::get)->Name("kv_store/composed/get")->Arg(1000)->Arg(100000);
BENCHMARK_CAPTURE(run, handwritten_get, variant::handwritten, op::get)->Name("kv_store/handwritten/get")->Arg(1000)->Arg(100000);
BENCHMARK_CAPTURE(run, sorted_map_get, variant::sorted_map, op::get)->Name("kv_store/sorted_map/get")->Arg(1000)->Arg(100000);
BENCHMARK_CAPTURE(run, composed_snapshot, variant::composed, op::snapshot)->Name("kv_store/composed/snapshot")->Arg(1000)->Arg(100000);
BENCHMARK_CAPTURE(run, handwritten_snapshot, variant::handwritten, op::snapshot)->Name("kv_store/handwritten/snapshot")->Arg(1000)->Arg(100000);
BENCHMARK_CAPTURE(run, sorted_map_snapshot, variant::sorted_map, op::snapshot)->Name("kv_store/sorted_map/snapshot")->Arg(1000)->Arg(100000);

BENCHMARK_MAIN();
