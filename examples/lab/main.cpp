// replica-lab: runs named experiments on the deterministic simulator.
//
//   replica-lab                          every experiment at its defaults, as tables
//   replica-lab list                     the experiments
//   replica-lab run NAME [--seed S] [--seeds K] [--json] [--plot FILE.svg] [experiment options]
//   replica-lab --plot-all DIR           every experiment at its defaults, and its figure in DIR
//
// Same seed, same output. Unknown names and bad options: a message and exit code 2; a figure
// that could not be drawn (gnuplot missing or failing): exit code 3, after the results.
// docs/lab.md documents every experiment and its JSON keys.
#include "experiment.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace lab {
progress& meter() {
  static progress line;
  return line;
}

std::unique_ptr<experiment> make_versions_experiment();
std::unique_ptr<experiment> make_failover_experiment();
std::unique_ptr<experiment> make_read_your_writes_experiment();
std::unique_ptr<experiment> make_staleness_experiment();
std::unique_ptr<experiment> make_conflicts_experiment();
std::unique_ptr<experiment> make_cart_experiment();
std::unique_ptr<experiment> make_bottleneck_experiment();
std::unique_ptr<experiment> make_quorum_experiment();
std::unique_ptr<experiment> make_siblings_experiment();
std::unique_ptr<experiment> make_regions_experiment();

std::vector<std::unique_ptr<experiment>> all_experiments() {
  std::vector<std::unique_ptr<experiment>> v;
  v.push_back(make_versions_experiment());
  v.push_back(make_failover_experiment());
  v.push_back(make_read_your_writes_experiment());
  v.push_back(make_quorum_experiment());
  v.push_back(make_staleness_experiment());
  v.push_back(make_siblings_experiment());
  v.push_back(make_conflicts_experiment());
  v.push_back(make_cart_experiment());
  v.push_back(make_bottleneck_experiment());
  v.push_back(make_regions_experiment());
  return v;
}
}  // namespace lab

namespace {

std::string cell(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    std::ostringstream s;
    s.precision(3);
    s << std::fixed << v.get<double>();
    return s.str();
  }
  return v.dump();
}

void print_table(const std::string& name, std::uint64_t seed, const lab::outcome& o) {
  std::printf("== %s (seed %llu) %s\n", name.c_str(), static_cast<unsigned long long>(seed), o.params.dump().c_str());
  std::vector<std::size_t> width;
  for (const auto& c : o.columns) width.push_back(c.size());
  for (const auto& r : o.rows)
    for (std::size_t i = 0; i < o.columns.size(); ++i) width[i] = std::max(width[i], cell(r.at(o.columns[i])).size());
  auto line = [&](auto get) {
    std::string s;
    for (std::size_t i = 0; i < o.columns.size(); ++i) {
      std::string c = get(i);
      s += c + std::string(width[i] - c.size() + 2, ' ');
    }
    std::printf("%s\n", s.c_str());
  };
  line([&](std::size_t i) { return o.columns[i]; });
  for (const auto& r : o.rows) line([&](std::size_t i) { return cell(r.at(o.columns[i])); });
  if (!o.note.empty()) std::printf("-- %s\n", o.note.c_str());
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  auto experiments = lab::all_experiments();
  CLI::App app{"replica-lab: replication experiments on the deterministic simulator"};
  app.require_subcommand(0, 1);
  auto* list = app.add_subcommand("list", "list the experiments");
  auto* run = app.add_subcommand("run", "run one experiment");
  run->require_subcommand(1);
  std::uint64_t seed = 1, seeds = 1;
  bool json = false, show_progress = false;
  std::string plot_file, plot_dir;
  app.add_option("--plot-all", plot_dir, "write every experiment's figure into this folder, as NAME.svg (needs gnuplot)");
  for (auto& e : experiments) {
    auto* sub = run->add_subcommand(e->name(), e->summary());
    sub->add_option("--seed", seed, "first seed")->capture_default_str();
    sub->add_option("--seeds", seeds, "number of seeds to aggregate")->capture_default_str()->check(CLI::Range(1, 100000));
    sub->add_flag("--json", json, "print JSON instead of a table");
    sub->add_flag("--progress", show_progress, "show progress on stderr even when it is not a terminal");
    sub->add_option("--plot", plot_file, "also draw the experiment's figure into this SVG file (needs gnuplot)");
    e->add_options(*sub);
  }
  if (argc >= 3 && std::string{argv[1]} == "run" && argv[2][0] != '-') {
    bool known = false;
    for (const auto& e : experiments) known |= e->name() == argv[2];
    if (!known) {
      std::fprintf(stderr, "replica-lab: unknown experiment '%s' (replica-lab list shows them)\n", argv[2]);
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& err) {
    const int rc = app.exit(err);
    return rc == 0 ? 0 : 2;
  }

  if (show_progress) lab::meter().force_shown();
  if (list->parsed()) {
    for (const auto& e : experiments) std::printf("%-18s %s\n", e->name().c_str(), e->summary().c_str());
    return 0;
  }
  if (!plot_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(plot_dir, ec);
    if (ec || !std::filesystem::is_directory(plot_dir)) {
      std::fprintf(stderr, "replica-lab: --plot-all %s: not a folder that can be made (%s)\n", plot_dir.c_str(), ec.message().c_str());
      return 2;
    }
  }
  int rc = 0;
  for (const auto& e : experiments) {
    if (run->parsed() && !run->got_subcommand(e->name())) continue;
    if (const std::string bad = e->validate(); !bad.empty()) {
      std::fprintf(stderr, "replica-lab run %s: %s\n", e->name().c_str(), bad.c_str());
      return 2;
    }
    const lab::outcome o = e->run(seed, seeds);
    lab::meter().finish();
    if (json) {
      nlohmann::json out = {{"experiment", e->name()}, {"seed", seed}, {"params", o.params}, {"rows", o.rows}};
      std::cout << out.dump(2) << "\n";
    } else {
      print_table(e->name(), seed, o);
    }
    std::string svg = plot_file;
    if (!plot_dir.empty()) svg = (std::filesystem::path{plot_dir} / (e->name() + ".svg")).string();
    if (svg.empty()) continue;
    if (const std::string bad = lab::render(e->plot(o), svg); !bad.empty()) {
      std::fprintf(stderr, "replica-lab: %s: %s\n", e->name().c_str(), bad.c_str());
      rc = 3;
    } else if (!json) {
      std::printf("-- figure: %s\n\n", svg.c_str());
    }
  }
  return rc;
}
