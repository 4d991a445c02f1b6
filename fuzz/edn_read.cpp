// libFuzzer target: replica-check's path over an arbitrary history file: the EDN reader
// (check/edn.hpp) under small limits so that every bound is reached, then pairing and the
// linearizability search under a small step budget. Any input gives a verdict or an error
// naming a line: never a crash, an over-read, unbounded memory or undefined behaviour. Two
// oracles abort:
// - an error names a line of the input (1 .. lines + 1);
// - a history that reads is read the same way again from its own EDN (to_edn round trip);
// - the search with a cache of 64 entries never gives another definite verdict than with the
//   default cache.
//   build/clang/fuzz/fuzz_edn_read -max_total_time=60 CORPUS_COPY   (scripts/fuzz)
#include <replica/check/edn.hpp>
#include <replica/check/linearizability.hpp>

#include "seeds.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr replica::check::edn_limits small{.max_depth = 4, .max_record = 512, .max_vector = 8, .max_operations = 64};

[[noreturn]] void oracle(const char* what) {
  std::fprintf(stderr, "edn_read oracle: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace replica::check;
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  const edn_history h = read_edn_history(text, small);
  if (h.error_line != 0) {
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    if (h.error_line > lines || h.error.empty()) oracle("an error that names no line of the input");
    return 0;
  }
  std::string again;
  for (const auto& e : h.events) again += to_edn(e) + "\n";
  const edn_history back = read_edn_history(again, small);
  if (back.error_line != 0 || back.events != h.events) oracle("to_edn of what was read does not read back the same");
  std::size_t bad = h.events.size();
  const auto ops = pair_operations(h.events, &bad);
  linearizability_options opt;
  opt.max_steps_per_key = 20'000;
  const auto full = check_linearizable(ops, opt);
  // A cache of 64 entries forgets most configurations: more steps, never another verdict.
  opt.cache_bytes = 1024;
  const auto tiny = check_linearizable(ops, opt);
  using v = linearizability_result::verdict;
  if (full.outcome != v::unknown && tiny.outcome != v::unknown && full.outcome != tiny.outcome)
    oracle("a smaller search cache changed the verdict");
  return 0;
}

std::vector<std::vector<std::byte>> replica_fuzz_seeds() {
  const std::vector<std::string> texts = {
      "{:process 0, :type :invoke, :f :write, :value 3}\n{:process 0, :type :ok, :f :write, :value 3}\n"
      "{:process 1, :type :invoke, :f :read, :value nil}\n{:process 1, :type :ok, :f :read, :value 3}\n",
      "[{:process 0 :type :invoke :f :cas :value [1 2] :key 4}\n{:process 0 :type :info :f :cas :value [1 2] :key 4}]\n",
      "{:process :nemesis, :type :info, :f :start, :value \"partitioned [:n1]\"}\n; comment\n\n"
      "{:process 2, :type :invoke,\n :f :add, :value 9223372036854775807}\n{:process 2, :type :ok, :f :add, :value 1}\n",
      "{:process 0, :type :invoke, :f :read, :value [[[[[1]]]]]}\n",
      "{:process 0, :type :ok, :f :delete, :time 123456789}\n{:process 0 :type :fail :f :write :value 12N}\n",
  };
  return seeds_from_texts(texts);
}
