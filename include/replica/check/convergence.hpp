#pragma once
/// \file
/// Convergence: after heal, every live replica holds the same state (equal digests).

#include <replica/core/ids.hpp>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace replica::check {

struct convergence_result {
  bool converged = true;
  /// Replicas whose digest differs from the first live replica's.
  std::vector<replica_id> divergent;
};

/// `digests`: (replica, digest of its replicated state) for every live replica.
inline convergence_result check_convergence(const std::vector<std::pair<replica_id, std::uint64_t>>& digests) {
  convergence_result r;
  if (digests.empty()) return r;
  for (const auto& [id, d] : digests)
    if (d != digests.front().second) {
      r.converged = false;
      r.divergent.push_back(id);
    }
  return r;
}

}  // namespace replica::check
