// The replication lab's experiment interface: each experiment declares its options, runs on
// the simulator from a seed, and returns rows (JSON objects) with the columns to print.
#pragma once

#include <replica/check/history.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lab {

/// What one run of an experiment produced.
struct outcome {
  nlohmann::json params = nlohmann::json::object();  ///< the parameters it ran with
  std::vector<nlohmann::json> rows;                   ///< one object per row
  std::vector<std::string> columns;                   ///< the keys to print, in order
  std::string note;                                   ///< one line of interpretation
};

class experiment {
 public:
  virtual ~experiment() = default;
  [[nodiscard]] virtual std::string name() const = 0;
  [[nodiscard]] virtual std::string summary() const = 0;
  /// Declares the experiment's own options on its `run` subcommand.
  virtual void add_options(CLI::App& app) = 0;
  /// Checks option values; an empty string when they are valid.
  [[nodiscard]] virtual std::string validate() const { return {}; }
  /// Runs seeds seed, seed+1, ..., seed+seeds-1 and aggregates them.
  [[nodiscard]] virtual outcome run(std::uint64_t seed, std::uint64_t seeds) const = 0;
};

/// The completion event of client `p`'s operation in `h`, if it has completed.
inline const replica::check::event* completion(const replica::check::history& h, std::uint64_t p) {
  for (auto it = h.rbegin(); it != h.rend(); ++it)
    if (it->process == p && it->type != replica::check::event_type::invoke) return &*it;
  return nullptr;
}

/// Every experiment, in the order `list` shows them.
std::vector<std::unique_ptr<experiment>> all_experiments();

}  // namespace lab
