// bench-ratios: reads Google Benchmark JSON (--benchmark_format=json or --benchmark_out) and
// prints, per <hot_path>/<args>, the composed (and virtual) time relative to the baseline
// (`handwritten`, else `floor`), as a Markdown table. Exit 1 if a benchmark reported an error
// (its own check failed: `SkipWithError`), after naming each on stderr, so that `scripts/bench`
// and CI fail on it; exit 2 on unreadable input.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <iterator>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench-ratios results.json\n");
    return 2;
  }
  std::ifstream in{argv[1]};
  nlohmann::json j;
  try {
    // Google Benchmark writes NaN (not JSON) for the coefficient of variation of a counter that
    // is 0 in every repetition (allocations per request, say): read it as null.
    std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    for (std::size_t at = 0; (at = text.find(": NaN", at)) != std::string::npos;) text.replace(at, 5, ": null");
    for (std::size_t at = 0; (at = text.find(": -NaN", at)) != std::string::npos;) text.replace(at, 6, ": null");
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-ratios: %s: %s\n", argv[1], e.what());
    return 2;
  }
  // (hot_path, args) -> variant -> ns. Keep the median when repetitions were aggregated.
  std::map<std::pair<std::string, std::string>, std::map<std::string, double>> rows;
  std::map<std::pair<std::string, std::string>, std::string> units;
  int failed = 0;
  for (const auto& b : j.at("benchmarks")) {
    if (b.value("error_occurred", false)) {
      std::fprintf(stderr, "bench-ratios: %s: %s\n", b.value("name", std::string{"?"}).c_str(),
                   b.value("error_message", std::string{"an error"}).c_str());
      ++failed;
      continue;
    }
    const std::string run_type = b.value("run_type", "iteration");
    const std::string agg = b.value("aggregate_name", "");
    if (run_type == "aggregate" && agg != "median") continue;
    std::string name = b.at("run_name").get<std::string>();
    const auto s1 = name.find('/'), s2 = name.find('/', s1 + 1);
    if (s1 == std::string::npos || s2 == std::string::npos) continue;
    rows[{name.substr(0, s1), name.substr(s2 + 1)}][name.substr(s1 + 1, s2 - s1 - 1)] = b.at("real_time").get<double>();
    units[{name.substr(0, s1), name.substr(s2 + 1)}] = b.value("time_unit", "ns");
  }
  std::printf("| hot path | args | baseline | baseline time | composed time | composed / baseline | virtual / baseline |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const auto& [key, v] : rows) {
    // The baseline is the hand-written variant, or the floor when there is no hand-written one.
    auto base = v.find("handwritten");
    if (base == v.end()) base = v.find("floor");
    const auto co = v.find("composed"), vi = v.find("virtual");
    if (base == v.end() || co == v.end()) continue;
    const char* u = units[key].c_str();
    std::printf("| %s | %s | %s | %.2f %s | %.2f %s | %.2f |", key.first.c_str(), key.second.c_str(), base->first.c_str(),
                base->second, u, co->second, u, co->second / base->second);
    if (vi != v.end())
      std::printf(" %.2f |\n", vi->second / base->second);
    else
      std::printf(" |\n");
  }
  return failed > 0 ? 1 : 0;
}
