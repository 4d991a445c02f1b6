#pragma once
/// \file
/// Per-request consistency levels for leaderless replication (Cassandra's ONE, TWO, THREE,
/// QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM), resolved at run time against a key's replicas and
/// their datacenters into a `quorum_requirement`: how many acknowledgements in total and how
/// many from each datacenter. The compile-time `w<W>` and `r<R>` are the defaults
/// (`consistency_level::configured`).
///
///   auto req = replica::requirement(consistency_level::local_quorum, replicas, W, local_dc);
///   if (!req) ...                      // unavailable: the level cannot be met here
///   req->met(acks_from)                // once enough replicas answered
///   replica::require(q.needs, level, replicas, W, local_dc)   // the same into a request's field
///
/// Errors (nothing else changes): a level that asks for more replicas than the key has, or
/// LOCAL_QUORUM with no replica in the coordinator's datacenter (`unavailable`, Cassandra's
/// UnavailableException), an unknown level value (`out_of_range`), and for LOCAL_QUORUM and
/// EACH_QUORUM a datacenter tag of 16 or more (`out_of_range`). The other levels never read the
/// tags. (A node checks its configuration's tags once, at start: `leaderless_node::validate`.)

#include <replica/core/consistency.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>
#include <replica/topology/leaderless/ring.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace replica {

/// What a request must collect: `total` acknowledgements from the key's replicas, and at least
/// `per_dc[d]` of them from datacenter d (`by_dc`: some per_dc is not 0; only LOCAL_QUORUM and
/// EACH_QUORUM count by datacenter).
struct quorum_requirement {
  static constexpr std::size_t max_dcs = 16;
  std::size_t total = 0;
  bool by_dc = false;
  std::array<std::uint8_t, max_dcs> per_dc{};

  /// Whether the replicas in `acked` (a subset of the key's replicas) satisfy it.
  [[nodiscard]] bool met(std::span<const ring_member> acked) const noexcept {
    if (acked.size() < total) return false;
    if (!by_dc) return true;
    std::array<std::uint8_t, max_dcs> have{};
    for (const auto& m : acked)
      if (m.dc.value() < max_dcs) ++have[m.dc.value()];
    for (std::size_t d = 0; d < max_dcs; ++d)
      if (have[d] < per_dc[d]) return false;
    return true;
  }
};

/// The requirement of `level` for a key whose replicas are `replicas` (its preference list),
/// with `configured` standing for the compile-time W or R and `local` the coordinator's
/// datacenter, written into `out` (unchanged on an error). A coordinator's per-request form.
inline status require(quorum_requirement& out, consistency_level level, std::span<const ring_member> replicas,
                      std::size_t configured, datacenter local) {
  const std::size_t n = replicas.size();
  auto exactly = [&](std::size_t k) -> status {
    if (k > n) return error{errc::unavailable, "the consistency level needs more replicas than the key has"};
    out.total = k;
    out.by_dc = false;
    out.per_dc = {};
    return {};
  };
  switch (level) {
    case consistency_level::configured: return exactly(configured);
    case consistency_level::one: return exactly(1);
    case consistency_level::two: return exactly(2);
    case consistency_level::three: return exactly(3);
    case consistency_level::quorum: return exactly(n / 2 + 1);
    case consistency_level::all: return exactly(n);
    case consistency_level::local_quorum:
    case consistency_level::each_quorum: {
      std::array<std::uint8_t, quorum_requirement::max_dcs> in_dc{};
      for (const auto& m : replicas) {  // (only these levels read the tags)
        if (m.dc.value() >= quorum_requirement::max_dcs) return error{errc::out_of_range, "datacenter tags must be below 16"};
        ++in_dc[m.dc.value()];
      }
      quorum_requirement q;
      q.by_dc = true;
      if (level == consistency_level::local_quorum) {
        const std::size_t local_n = local.value() < quorum_requirement::max_dcs ? in_dc[local.value()] : 0;
        if (local_n == 0) return error{errc::unavailable, "LOCAL_QUORUM: the key has no replica in the coordinator's datacenter"};
        q.total = local_n / 2 + 1;
        q.per_dc[local.value()] = static_cast<std::uint8_t>(q.total);
      } else {
        for (std::size_t d = 0; d < quorum_requirement::max_dcs; ++d)
          if (in_dc[d] > 0) {
            q.per_dc[d] = static_cast<std::uint8_t>(in_dc[d] / 2 + 1);
            q.total += q.per_dc[d];
          }
      }
      out = q;
      return {};
    }
  }
  return error{errc::out_of_range, "unknown consistency level"};
}

/// The same, as a value.
inline result<quorum_requirement> requirement(consistency_level level, std::span<const ring_member> replicas,
                                              std::size_t configured, datacenter local) {
  quorum_requirement q;
  if (auto ok = require(q, level, replicas, configured, local); !ok) return ok.err();
  return q;
}

}  // namespace replica
