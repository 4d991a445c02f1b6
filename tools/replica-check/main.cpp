// replica-check: is a register history linearizable?
//
//   replica-check [FILE]        (standard input when FILE is absent or "-")
//
// Reads a Jepsen/Knossos history, one EDN operation map per line, e.g.
//   {:process 0, :type :invoke, :f :write, :value 3}
// with :type :invoke/:ok/:fail/:info and :f :read/:write/:cas (cas value [old new]), for one
// register that starts as nil (an optional :key checks several registers, each on its own).
// Prints `linearizable` (exit 0), or `not linearizable` and the operation it could not place
// (exit 1). Malformed input: the line number and what is wrong, exit 2. If the search budget
// runs out: `unknown`, exit 3. See docs/replica-check.md.
#include <replica/check/edn.hpp>
#include <replica/check/linearizability.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

using namespace replica::check;

int main(int argc, char** argv) {
  CLI::App app{"replica-check: is a register history (Jepsen EDN, one operation per line) linearizable?"};
  std::string file = "-";
  std::uint64_t max_steps = linearizability_options{}.max_steps_per_key;
  app.add_option("file", file, "history file; - or absent for standard input");
  app.add_option("--max-steps", max_steps, "search steps allowed per key before answering unknown");
  std::size_t max_ops = edn_limits{}.max_operations;
  app.add_option("--max-ops", max_ops, "operations (events) read at most; a longer history is refused (exit 2)")
      ->capture_default_str();
  double time_limit_s = 0;
  app.add_option("--time-limit", time_limit_s, "seconds allowed for the search before answering unknown (0: none)")
      ->check(CLI::Range(0.0, 1e6));
  double cache_mb = 0;
  app.add_option("--cache-mb", cache_mb,
                 "MiB for the search's cache of visited states, per key (default: 12 times the "
                 "history's size, at least 4 and at most 1024)")
      ->check(CLI::Range(0.0, 1e6));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  std::ifstream f;
  if (file != "-") {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) {
      std::fprintf(stderr, "replica-check: %s is a folder, not a history file\n", file.c_str());
      return 2;
    }
    f.open(file, std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "replica-check: cannot open %s\n", file.c_str());
      return 2;
    }
  }
  std::istream& in = file == "-" ? std::cin : f;

  // Read in blocks, up to a bound: a history is a file of any size from anywhere (even
  // /dev/zero), and it is held whole in memory.
  constexpr std::size_t max_input = std::size_t{1} << 30;
  std::string text;
  std::vector<char> block(std::size_t{1} << 16);
  while (in.read(block.data(), static_cast<std::streamsize>(block.size())) || in.gcount() > 0) {
    text.append(block.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_input) {
      std::fprintf(stderr, "replica-check: %s: larger than 1 GiB; split the history by key\n", file.c_str());
      return 2;
    }
  }
  if (in.bad()) {
    std::fprintf(stderr, "replica-check: cannot read %s\n", file.c_str());
    return 2;
  }
  edn_limits limits;
  limits.max_operations = max_ops;
  edn_history read = read_edn_history(text, limits);
  const std::size_t text_size = text.size();
  std::string{}.swap(text);  // read: its memory goes to the search
  if (read.error_line != 0) {
    std::fprintf(stderr, "replica-check: line %zu: %s\n", read.error_line, read.error.c_str());
    return 2;
  }
  const history& h = read.events;
  const std::vector<std::size_t>& line_of = read.lines;
  std::size_t bad = h.size();
  const auto ops = pair_operations(h, &bad);
  if (ops.empty() && bad < h.size()) {
    std::fprintf(stderr, "replica-check: line %zu: %s\n", line_of[bad],
                 h[bad].type == event_type::invoke ? "a second invocation while the process has one outstanding"
                                                   : "a completion without an invocation");
    return 2;
  }

  linearizability_options opt;
  opt.max_steps_per_key = max_steps;
  opt.time_limit = std::chrono::milliseconds{static_cast<std::int64_t>(time_limit_s * 1000)};
  // The cache grows as the search needs it, up to this: with the history itself (a few times
  // the file's size once read), memory stays within about 20 times the input.
  opt.cache_bytes = cache_mb > 0 ? static_cast<std::size_t>(cache_mb * (1 << 20))
                                 : std::clamp(12 * text_size, std::size_t{4} << 20, std::size_t{1} << 30);
  const auto r = check_linearizable(ops, opt);
  switch (r.outcome) {
    case linearizability_result::verdict::linearizable:
      std::printf("linearizable (%zu operations)\n", ops.size());
      return 0;
    case linearizability_result::verdict::unknown:
      std::printf("unknown: the search budget (--max-steps %llu, --time-limit %g s) ran out\n",
                  static_cast<unsigned long long>(max_steps), time_limit_s);
      return 3;
    case linearizability_result::verdict::not_linearizable: {
      const operation& op = *r.culprit;
      const bool done = op.complete_index < h.size();
      const event& shown = done ? h[op.complete_index] : h[op.invoke_index];
      std::printf("not linearizable: cannot place %s (invoked at line %zu%s)\n", to_edn(shown).c_str(),
                  line_of[op.invoke_index],
                  done ? (", completed at line " + std::to_string(line_of[op.complete_index])).c_str() : "");
      return 1;
    }
  }
  return 3;
}
