#pragma once
/// \file
/// Lost acknowledged writes: a write the system acknowledged (`ok`) whose value is not in what
/// survived (the final state read back after heal, or the surviving log). Writes that ended
/// `info` may or may not survive, and are reported apart; `fail` writes must not survive.

#include <replica/check/history.hpp>

#include <algorithm>
#include <set>
#include <vector>

namespace replica::check {

struct lost_writes_result {
  std::vector<operation> lost;              ///< acknowledged, absent: the data loss
  std::size_t acknowledged = 0;             ///< ok writes (and ok cas)
  std::size_t info_survived = 0;            ///< unknown outcome, present
  std::size_t info_lost = 0;                ///< unknown outcome, absent (allowed)
  std::vector<operation> failed_but_present;  ///< `fail` yet present: the system lied

  [[nodiscard]] bool ok() const noexcept { return lost.empty() && failed_but_present.empty(); }
};

/// Compares the writes of `h` with `survivors`: every (key, value) that is in the final state.
/// Values are assumed unique per write (the simulator's workloads make them so).
inline lost_writes_result check_lost_writes(const history& h, const std::set<std::pair<key_type, value_type>>& survivors) {
  lost_writes_result r;
  for (const auto& op : pair_operations(h)) {
    if (op.f == op_kind::read || !op.value) continue;
    const bool present = survivors.count({op.key, *op.value}) > 0;
    switch (op.outcome) {
      case event_type::ok:
        ++r.acknowledged;
        if (!present) r.lost.push_back(op);
        break;
      case event_type::info: (present ? r.info_survived : r.info_lost)++; break;
      case event_type::fail:
        if (present) r.failed_but_present.push_back(op);
        break;
      case event_type::invoke: break;
    }
  }
  return r;
}

}  // namespace replica::check
