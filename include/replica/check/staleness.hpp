#pragma once
/// \file
/// Staleness: how long after a write's acknowledgement reads still miss it. A read invoked
/// after write w was acknowledged is stale if it returns a value ranked before w (see
/// `check_sessions` for ranks). Reported per stale read, with how long it was behind.

#include <replica/check/history.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace replica::check {

struct staleness_result {
  std::size_t reads = 0;        ///< ok reads judged
  std::size_t stale_reads = 0;  ///< of which stale
  /// For each stale read: microseconds between the acknowledgement of the first write it
  /// missed and the read's invocation (how long the read was behind).
  std::vector<std::int64_t> staleness_us;
  [[nodiscard]] double stale_rate() const noexcept { return reads ? static_cast<double>(stale_reads) / static_cast<double>(reads) : 0.0; }
  [[nodiscard]] std::int64_t max_staleness_us() const noexcept {
    return staleness_us.empty() ? 0 : *std::max_element(staleness_us.begin(), staleness_us.end());
  }
};

inline staleness_result check_staleness(const history& h,
                                        const std::function<std::optional<std::int64_t>(key_type, std::optional<value_type>)>& rank) {
  staleness_result r;
  const auto ops = pair_operations(h);
  // Acknowledged writes per key, by acknowledgement time.
  std::map<key_type, std::vector<std::pair<std::int64_t, std::int64_t>>> acked;  // (ack time, rank)
  for (const auto& op : ops)
    if (op.f != op_kind::read && op.outcome == event_type::ok)
      if (auto k = rank(op.key, op.value)) acked[op.key].emplace_back(op.complete_time, *k);
  for (auto& [key, ws] : acked) std::sort(ws.begin(), ws.end());
  for (const auto& op : ops) {
    if (op.f != op_kind::read || op.outcome != event_type::ok || !op.siblings.empty()) continue;
    const auto k = rank(op.key, op.value);
    if (!k) continue;
    ++r.reads;
    // Acknowledged before this read began, and ranked after what it returned: missed.
    std::optional<std::int64_t> first_missed_ack;
    for (const auto& [t, wr] : acked[op.key]) {
      if (t >= op.invoke_time) break;
      if (wr > *k) {
        first_missed_ack = t;
        break;
      }
    }
    if (first_missed_ack) {
      ++r.stale_reads;
      r.staleness_us.push_back(op.invoke_time - *first_missed_ack);
    }
  }
  return r;
}

}  // namespace replica::check
