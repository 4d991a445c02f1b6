#pragma once
/// \file
/// The promise that a read sees the latest acknowledged write. Leader-based topologies keep it
/// by confirming leadership with a quorum before serving (read-index); leaderless ones only when
/// W + R > N, which `replica::replicator` checks at compile time.

#include <replica/core/policy.hpp>

namespace replica {

/// Reads see the latest acknowledged write.
struct strong_reads {
  using family = reads_tag;
  static constexpr std::string_view name = "strong_reads";
  static constexpr bool strong = true;
  static constexpr bool lease = false;
};

}  // namespace replica
