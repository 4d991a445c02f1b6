#pragma once
/// \file
/// Which node of a simulated cluster leads now: the live, unpaused node that says it is leader
/// with the highest term (a deposed leader that has not yet heard of the new term may still
/// say so). For node types with `is_leader()` and `current_term()` (leader-based topologies).

#include <replica/core/ids.hpp>

#include <cstdint>
#include <optional>

namespace replica::sim {

template <class Cluster>
std::optional<replica_id> current_leader(Cluster& c) {
  std::optional<replica_id> best;
  term best_term{};
  for (std::uint32_t i = 0; i < c.size(); ++i) {
    const replica_id r{i};
    const auto* n = c.node(r);
    if (n && !c.paused(r) && n->is_leader() && (!best || n->current_term() >= best_term)) {
      best = r;
      best_term = n->current_term();
    }
  }
  return best;
}

}  // namespace replica::sim
