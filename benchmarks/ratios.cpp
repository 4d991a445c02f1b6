// bench-ratios: reads Google Benchmark JSON (--benchmark_format=json or --benchmark_out) and
// prints, per <hot_path>/<args>, the time of each variant relative to `handwritten`, as a
// Markdown table. Exit 2 on unreadable input.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench-ratios results.json\n");
    return 2;
  }
  std::ifstream in{argv[1]};
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-ratios: %s: %s\n", argv[1], e.what());
    return 2;
  }
  // (hot_path, args) -> variant -> ns. Keep the median when repetitions were aggregated.
  std::map<std::pair<std::string, std::string>, std::map<std::string, double>> rows;
  for (const auto& b : j.at("benchmarks")) {
    const std::string run_type = b.value("run_type", "iteration");
    const std::string agg = b.value("aggregate_name", "");
    if (run_type == "aggregate" && agg != "median") continue;
    std::string name = b.at("run_name").get<std::string>();
    const auto s1 = name.find('/'), s2 = name.find('/', s1 + 1);
    if (s1 == std::string::npos || s2 == std::string::npos) continue;
    rows[{name.substr(0, s1), name.substr(s2 + 1)}][name.substr(s1 + 1, s2 - s1 - 1)] = b.at("real_time").get<double>();
  }
  std::printf("| hot path | replicas | handwritten ns | composed ns | composed / handwritten | virtual / handwritten |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const auto& [key, v] : rows) {
    const auto hw = v.find("handwritten"), co = v.find("composed"), vi = v.find("virtual");
    if (hw == v.end() || co == v.end()) continue;
    std::printf("| %s | %s | %.2f | %.2f | %.2f |", key.first.c_str(), key.second.c_str(), hw->second, co->second,
                co->second / hw->second);
    if (vi != v.end())
      std::printf(" %.2f |\n", vi->second / hw->second);
    else
      std::printf(" |\n");
  }
  return 0;
}
