#pragma once
/// \file
/// Session guarantees (Terry et al., 1994), per client: read-your-writes (a read reflects the
/// session's own earlier acknowledged writes) and monotonic reads (a session never reads an
/// older state than it already read). "Older" is decided by the order in which the system
/// applied the writes (a leader's log positions, say), given as `rank`: value -> position.

#include <replica/check/history.hpp>

#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace replica::check {

struct session_violation {
  enum class guarantee : std::uint8_t { read_your_writes, monotonic_reads } which;
  operation read;                     ///< the read that went back in time
  std::optional<value_type> expected_at_least;  ///< the value it should have reflected
};

struct sessions_result {
  std::vector<session_violation> violations;
  std::size_t reads_checked = 0;
  [[nodiscard]] bool ok() const noexcept { return violations.empty(); }
  [[nodiscard]] std::size_t count(session_violation::guarantee g) const {
    std::size_t k = 0;
    for (const auto& v : violations) k += v.which == g;
    return k;
  }
};

/// `rank(v)`: position of the write of `v` in the applied order (nil, never written, ranks -1);
/// `nullopt` if unknown (such reads are not judged).
inline sessions_result check_sessions(const history& h,
                                      const std::function<std::optional<std::int64_t>(key_type, std::optional<value_type>)>& rank) {
  sessions_result r;
  struct state {
    std::map<key_type, std::pair<std::int64_t, std::optional<value_type>>> wrote;  // own last ack'd write
    std::map<key_type, std::pair<std::int64_t, std::optional<value_type>>> read;   // highest read so far
  };
  std::map<std::uint64_t, state> by_process;
  for (const auto& op : pair_operations(h)) {
    if (op.outcome != event_type::ok) continue;
    state& s = by_process[op.process];
    if (op.f != op_kind::read) {
      if (auto k = rank(op.key, op.value)) {
        auto& w = s.wrote[op.key];
        if (*k >= w.first || !w.second) w = {*k, op.value};
      }
      continue;
    }
    if (!op.siblings.empty()) continue;  // concurrent siblings: no single position
    const auto k = rank(op.key, op.value);
    if (!k) continue;
    ++r.reads_checked;
    if (auto it = s.wrote.find(op.key); it != s.wrote.end() && *k < it->second.first)
      r.violations.push_back({session_violation::guarantee::read_your_writes, op, it->second.second});
    if (auto it = s.read.find(op.key); it != s.read.end() && *k < it->second.first)
      r.violations.push_back({session_violation::guarantee::monotonic_reads, op, it->second.second});
    auto& best = s.read[op.key];
    if (*k > best.first || !best.second) best = {std::max(*k, best.first), op.value};
  }
  return r;
}

}  // namespace replica::check
