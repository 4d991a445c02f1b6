// bench-ratios: reads Google Benchmark JSON (--benchmark_format=json or --benchmark_out) and
// prints, per <hot_path>/<args>, the composed (and virtual) time relative to the baseline
// (`handwritten`, the lean loop doing the protocol's essential work, else `floor`), and to
// `same_work` (a hand-written copy of the node's whole design) where there is one, as a
// Markdown table. Exit 1 if a benchmark reported an error
// (its own check failed: `SkipWithError`), after naming each on stderr, so that `scripts/bench`
// and CI fail on it; exit 2 on unreadable input.
//
//   bench-ratios --compare old1.json new1.json [old2.json new2.json ...]
// compares two builds instead (scripts/bench-compare): per benchmark, the new/old ratio of the
// medians in each round, and "regressed" when it exceeds 1.10 in a majority of the rounds.
// Exit 1 if any row regressed.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <vector>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <iterator>
#include <string>

namespace {

/// Reads Google Benchmark JSON; nullopt (after saying why) if it cannot.
std::optional<nlohmann::json> read_json(const char* path) {
  std::ifstream in{path};
  try {
    // Google Benchmark writes NaN (not JSON) for the coefficient of variation of a counter that
    // is 0 in every repetition (allocations per request, say): read it as null.
    std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    for (std::size_t at = 0; (at = text.find(": NaN", at)) != std::string::npos;) text.replace(at, 5, ": null");
    for (std::size_t at = 0; (at = text.find(": -NaN", at)) != std::string::npos;) text.replace(at, 6, ": null");
    return nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-ratios: %s: %s\n", path, e.what());
    return std::nullopt;
  }
}

/// Per benchmark run name, its median time (or its one time, without repetitions).
std::map<std::string, double> medians(const nlohmann::json& j) {
  std::map<std::string, double> out;
  for (const auto& b : j.at("benchmarks")) {
    if (b.value("error_occurred", false)) continue;
    const std::string run_type = b.value("run_type", "iteration");
    if (run_type == "aggregate" && b.value("aggregate_name", "") != "median") continue;
    out[b.at("run_name").get<std::string>()] = b.at("real_time").get<double>();
  }
  return out;
}

int compare(int argc, char** argv) {
  if (argc < 4 || (argc - 2) % 2 != 0) {
    std::fprintf(stderr, "usage: bench-ratios --compare old1.json new1.json [old2.json new2.json ...]\n");
    return 2;
  }
  std::vector<std::pair<std::map<std::string, double>, std::map<std::string, double>>> rounds;
  for (int i = 2; i + 1 < argc; i += 2) {
    auto o = read_json(argv[i]), n = read_json(argv[i + 1]);
    if (!o || !n) return 2;
    rounds.emplace_back(medians(*o), medians(*n));
  }
  std::printf("| benchmark |");
  for (std::size_t r = 0; r < rounds.size(); ++r) std::printf(" old %zu | new %zu | new/old %zu |", r + 1, r + 1, r + 1);
  std::printf(" verdict |\n|---|");
  for (std::size_t r = 0; r < rounds.size(); ++r) std::printf("---|---|---|");
  std::printf("---|\n");
  int regressed = 0;
  for (const auto& [name, first_old] : rounds.front().first) {
    std::size_t over = 0, seen = 0;
    std::printf("| %s |", name.c_str());
    for (const auto& [o, n] : rounds) {
      const auto a = o.find(name), b = n.find(name);
      if (a == o.end() || b == n.end()) {
        std::printf(" - | - | - |");
        continue;
      }
      ++seen;
      const double ratio = b->second / a->second;
      over += ratio > 1.10;
      std::printf(" %.1f | %.1f | %.3f |", a->second, b->second, ratio);
    }
    const bool bad = seen > 0 && over * 2 > seen;
    regressed += bad;
    std::printf(" %s |\n", seen == 0 ? "missing" : bad ? "regressed" : "ok");
  }
  return regressed > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string{argv[1]} == "--compare") return compare(argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench-ratios results.json | bench-ratios --compare old1.json new1.json ...\n");
    return 2;
  }
  const auto parsed = read_json(argv[1]);
  if (!parsed) return 2;
  const nlohmann::json& j = *parsed;
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
  std::printf("| hot path | args | baseline | baseline time | composed time | composed / baseline | virtual / baseline | composed / same_work |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const auto& [key, v] : rows) {
    // The baseline is the hand-written variant, or the floor when there is no hand-written one.
    auto base = v.find("handwritten");
    if (base == v.end()) base = v.find("floor");
    const auto co = v.find("composed"), vi = v.find("virtual"), sw = v.find("same_work");
    if (base == v.end() || co == v.end()) continue;
    const char* u = units[key].c_str();
    std::printf("| %s | %s | %s | %.2f %s | %.2f %s | %.2f |", key.first.c_str(), key.second.c_str(), base->first.c_str(),
                base->second, u, co->second, u, co->second / base->second);
    if (vi != v.end())
      std::printf(" %.2f |", vi->second / base->second);
    else
      std::printf(" |");
    if (sw != v.end())
      std::printf(" %.2f |\n", co->second / sw->second);
    else
      std::printf(" |\n");
  }
  return failed > 0 ? 1 : 0;
}
