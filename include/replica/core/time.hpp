#pragma once
/// \file
/// Time as the protocols see it. A node never reads a clock: the caller passes the node's
/// *local* clock reading to `tick`, which may be skewed, drift or jump. That is how the
/// simulator makes clock danger reproducible.

#include <chrono>
#include <cstdint>

namespace replica {

/// The clock of one node, as read by whoever drives it. It has no `now()` on purpose: protocol
/// code cannot consult the system clock, only the reading it was given.
struct local_clock {
  using rep = std::int64_t;
  using period = std::micro;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<local_clock, duration>;
  static constexpr bool is_steady = false;  // skew, drift and jumps are allowed
};

/// Durations in microseconds of virtual or real time.
using duration = local_clock::duration;
/// A reading of one node's local clock.
using local_time = local_clock::time_point;

/// Microseconds since the epoch of a local clock reading.
[[nodiscard]] constexpr std::int64_t micros(local_time t) noexcept {
  return t.time_since_epoch().count();
}

}  // namespace replica
