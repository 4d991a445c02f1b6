#pragma once
/// \file
/// Message latency distributions: constant, uniform, exponential, log-normal, Pareto, and
/// weighted mixtures of these (e.g. "99% 1 ms, 1% 200 ms" for a link with occasional stalls).

#include <replica/core/time.hpp>
#include <replica/sim/random.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace replica::sim {

/// Always `value`.
struct constant_latency {
  duration value{};
};
/// Uniform in [lo, hi].
struct uniform_latency {
  duration lo{}, hi{};
};
/// `floor` plus an exponential with mean `mean`.
struct exponential_latency {
  duration mean{};
  duration floor{};
};
/// `floor` plus exp(N(mu, sigma)) microseconds: the heavy-ish right tail of real networks.
struct lognormal_latency {
  double mu = 0;     ///< of ln(microseconds)
  double sigma = 0;  ///< of ln(microseconds)
  duration floor{};
};
/// Pareto with scale `scale` and shape `alpha` (alpha <= 2: infinite variance; stalls).
struct pareto_latency {
  duration scale{};
  double alpha = 2;
};

/// A single-component latency distribution.
using basic_latency = std::variant<constant_latency, uniform_latency, exponential_latency, lognormal_latency, pareto_latency>;

/// A distribution of message latency: one component, or a weighted mixture of components.
class latency_model {
 public:
  struct component {
    double weight;
    basic_latency dist;
  };

  latency_model() : latency_model(constant_latency{std::chrono::milliseconds{1}}) {}
  /// One component (implicit: a `constant_latency{...}` is a latency model).
  template <class D>
    requires std::is_constructible_v<basic_latency, D>
  latency_model(D d) : parts_{{1.0, basic_latency{d}}} {}  // NOLINT: implicit by design
  /// A mixture; weights need not sum to 1.
  static latency_model mixture(std::vector<component> parts) {
    latency_model m;
    m.parts_ = std::move(parts);
    return m;
  }

  /// One draw, never negative.
  [[nodiscard]] duration sample(rng& g) const {
    const basic_latency* pick = &parts_.front().dist;
    if (parts_.size() > 1) {
      double total = 0;
      for (const auto& p : parts_) total += p.weight;
      double x = g.uniform01() * total;
      for (const auto& p : parts_) {
        pick = &p.dist;
        if ((x -= p.weight) < 0) break;
      }
    }
    const double us = std::visit([&](const auto& d) { return draw(d, g); }, *pick);
    return duration{static_cast<duration::rep>(std::max(0.0, std::min(us, 3.6e9)))};  // capped at one hour
  }

  [[nodiscard]] const std::vector<component>& components() const noexcept { return parts_; }

 private:
  static double us(duration d) { return static_cast<double>(d.count()); }
  static double draw(const constant_latency& d, rng&) { return us(d.value); }
  static double draw(const uniform_latency& d, rng& g) { return us(d.lo) + g.uniform01() * (us(d.hi) - us(d.lo)); }
  static double draw(const exponential_latency& d, rng& g) { return us(d.floor) + g.exponential(us(d.mean)); }
  static double draw(const lognormal_latency& d, rng& g) { return us(d.floor) + std::exp(d.mu + d.sigma * g.normal()); }
  static double draw(const pareto_latency& d, rng& g) {
    return us(d.scale) / std::pow(1.0 - g.uniform01(), 1.0 / d.alpha);
  }

  std::vector<component> parts_;
};

}  // namespace replica::sim
