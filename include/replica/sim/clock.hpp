#pragma once
/// \file
/// A node's local clock as a function of true (simulated) time: an offset (skew), a rate error
/// (drift) and jumps. A node's `tick` sees only this reading; that is how clock danger is
/// simulated and replayed.

#include <replica/core/time.hpp>

#include <cstdint>

namespace replica::sim {

/// True simulated time, in microseconds since the start of a run.
using sim_time = std::int64_t;

/// local(t) = t + offset + drift_ppm * (t - drift_since) / 1e6.
class node_clock {
 public:
  /// The node's reading at true time `t`.
  [[nodiscard]] local_time read(sim_time t) const noexcept {
    const double drifted = drift_ppm_ * static_cast<double>(t - drift_since_) / 1e6;
    return local_time{duration{t + offset_ + static_cast<std::int64_t>(drifted)}};
  }
  /// Sets a constant skew: the clock reads `offset` ahead (negative: behind).
  void set_offset(duration offset) noexcept { offset_ = offset.count(); }
  /// The clock jumps by `d` (NTP step, VM migration).
  void jump(duration d) noexcept { offset_ += d.count(); }
  /// From true time `now` on, the clock runs `ppm` parts per million fast (negative: slow).
  void set_drift(double ppm, sim_time now) noexcept {
    offset_ += static_cast<std::int64_t>(drift_ppm_ * static_cast<double>(now - drift_since_) / 1e6);
    drift_ppm_ = ppm;
    drift_since_ = now;
  }
  /// Back to true time.
  void reset() noexcept { *this = node_clock{}; }

  [[nodiscard]] duration offset() const noexcept { return duration{offset_}; }
  [[nodiscard]] double drift_ppm() const noexcept { return drift_ppm_; }

 private:
  std::int64_t offset_ = 0;
  double drift_ppm_ = 0;
  sim_time drift_since_ = 0;
};

}  // namespace replica::sim
