// The replication lab's experiment interface: each experiment declares its options, runs on
// the simulator from a seed, and returns rows (JSON objects) with the columns to print.
#pragma once

#include "plot.hpp"
#include "progress.hpp"

#include <replica/check/history.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
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
  /// The experiment's natural figure of what `run` returned (`--plot`).
  [[nodiscard]] virtual figure plot(const outcome& o) const = 0;
};

/// The completion event of client `p`'s operation in `h`, if it has completed.
inline const replica::check::event* completion(const replica::check::history& h, std::uint64_t p) {
  for (auto it = h.rbegin(); it != h.rend(); ++it)
    if (it->process == p && it->type != replica::check::event_type::invoke) return &*it;
  return nullptr;
}

/// The progress line of the experiment that is running (main.cpp owns it). An experiment calls
/// `meter().start(name(), total, unit)` once it knows how much work it has, then advances it,
/// most often through `seeds_from`.
progress& meter();

/// Seeds first, first+1, ..., first+count-1; each step past one advances `meter()`.
class seeds_from {
 public:
  seeds_from(std::uint64_t first, std::uint64_t count) : first_{first}, count_{count} {}
  class iterator {
   public:
    explicit iterator(std::uint64_t s) : s_{s} {}
    std::uint64_t operator*() const noexcept { return s_; }
    iterator& operator++() {
      ++s_;
      meter().advance();
      return *this;
    }
    bool operator!=(const iterator& o) const noexcept { return s_ != o.s_; }

   private:
    std::uint64_t s_;
  };
  [[nodiscard]] iterator begin() const { return iterator{first_}; }
  [[nodiscard]] iterator end() const { return iterator{first_ + count_}; }

 private:
  std::uint64_t first_, count_;
};

/// A bar per row of `o` and series: category from `label(row)`, height `row[key]`.
template <class Label>
figure bars_by_row(const outcome& o, Label label, const std::vector<std::pair<std::string, std::string>>& series) {
  figure f;
  f.bars = true;
  for (const auto& row : o.rows) f.categories.push_back(label(row));
  for (const auto& [key, title] : series) {
    figure::series s{title, {}, false};
    for (std::size_t i = 0; i < o.rows.size(); ++i) s.points.emplace_back(static_cast<double>(i), o.rows[i].at(key).template get<double>());
    f.data.push_back(std::move(s));
  }
  return f;
}

/// The `p` quantile of `xs` (0 when empty), to three decimals: the lab's latency columns.
inline double percentile(std::vector<double> xs, double p) {
  if (xs.empty()) return 0;
  std::sort(xs.begin(), xs.end());
  const std::size_t k = std::min(xs.size() - 1, static_cast<std::size_t>(p * static_cast<double>(xs.size())));
  return std::round(xs[k] * 1000) / 1000;
}

/// "k=v, k=v" of the parameters `keys` of `o` (a figure's title).
inline std::string params_text(const outcome& o, const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) {
    if (!o.params.contains(k)) continue;
    const auto& v = o.params.at(k);
    out += (out.empty() ? "" : ", ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

/// Every experiment, in the order `list` shows them.
std::vector<std::unique_ptr<experiment>> all_experiments();

}  // namespace lab
