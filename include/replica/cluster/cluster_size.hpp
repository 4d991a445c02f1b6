#pragma once
/// \file
/// How many replicas a cluster has: fixed at compile time (`cluster_size<N>`: fixed-size arrays
/// for match indexes, ack sets and version vectors, no allocation) or at run time
/// (`dynamic_cluster_size`, checked when a node is created).

#include <replica/core/extent.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/policy.hpp>
#include <replica/core/result.hpp>

#include <cstddef>

namespace replica {

/// A cluster of exactly N replicas, ids 0..N-1. Empty: costs no space in a node.
template <std::size_t N>
struct cluster_size {
  static_assert(N >= 1, "replica::cluster_size: a cluster has at least one replica");
  using family = cluster_size_tag;
  static constexpr std::string_view name = "cluster_size<N>";
  static constexpr std::size_t extent = N;
  [[nodiscard]] static constexpr std::size_t size() noexcept { return N; }
  [[nodiscard]] static constexpr bool contains(replica_id r) noexcept { return r.value() < N; }
};

/// A cluster whose size is given at run time, ids 0..size-1.
class dynamic_cluster_size {
 public:
  using family = cluster_size_tag;
  static constexpr std::string_view name = "dynamic_cluster_size";
  static constexpr std::size_t extent = dynamic_extent;
  /// Upper bound on a run-time size (keeps per-replica arrays bounded).
  static constexpr std::size_t max_size = 1024;

  constexpr dynamic_cluster_size() noexcept = default;
  /// `out_of_range` unless 1 <= n <= max_size.
  static constexpr result<dynamic_cluster_size> make(std::size_t n) noexcept {
    if (n < 1 || n > max_size) return error{errc::out_of_range, "cluster size must be in 1..1024"};
    return dynamic_cluster_size{n};
  }
  [[nodiscard]] constexpr std::size_t size() const noexcept { return n_; }
  [[nodiscard]] constexpr bool contains(replica_id r) const noexcept { return r.value() < n_; }

 private:
  constexpr explicit dynamic_cluster_size(std::size_t n) noexcept : n_{n} {}
  std::size_t n_ = 1;
};

}  // namespace replica
