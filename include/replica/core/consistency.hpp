#pragma once
/// \file
/// Consistency levels a client may ask for per request (Cassandra's names). Leaderless
/// replication resolves them against a key's replicas (topology/leaderless/consistency.hpp);
/// `configured` means the replicator's compile-time W or R.

#include <cstdint>
#include <string_view>

namespace replica {

enum class consistency_level : std::uint8_t {
  configured,    ///< the replicator's compile-time W (writes) or R (reads)
  one,
  two,
  three,
  quorum,        ///< a majority of the key's N replicas
  all,           ///< every replica of the key
  local_quorum,  ///< a majority of the key's replicas in the coordinator's datacenter
  each_quorum,   ///< a majority of the key's replicas in every datacenter that has some
};

constexpr std::string_view to_string(consistency_level l) noexcept {
  switch (l) {
    case consistency_level::configured: return "configured";
    case consistency_level::one: return "ONE";
    case consistency_level::two: return "TWO";
    case consistency_level::three: return "THREE";
    case consistency_level::quorum: return "QUORUM";
    case consistency_level::all: return "ALL";
    case consistency_level::local_quorum: return "LOCAL_QUORUM";
    case consistency_level::each_quorum: return "EACH_QUORUM";
  }
  return "?";
}

}  // namespace replica
