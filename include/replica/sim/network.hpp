#pragma once
/// \file
/// The simulated network: per-link latency, loss, duplication and reordering, and partitions of
/// every shape FAULTS.md names (isolate a node, majority/minority split, bridge, ring), applied
/// and healed over time. A partition drops messages, as a firewall rule does.

#include <replica/core/ids.hpp>
#include <replica/sim/latency.hpp>

#include <cstddef>
#include <vector>

namespace replica::sim {

/// How one directed link behaves.
struct link_config {
  latency_model latency{};
  double loss = 0;         ///< probability a message is dropped
  double duplicate = 0;    ///< probability a message is delivered twice (independent latencies)
  double reorder = 0;      ///< probability a message is held back by an extra `reorder_delay` draw
  latency_model reorder_delay{uniform_latency{std::chrono::milliseconds{1}, std::chrono::milliseconds{20}}};
};

/// Who can reach whom, and how each link behaves.
class network {
 public:
  explicit network(std::size_t n, link_config defaults = {})
      : n_{n}, links_(n * n, defaults), reach_(n * n, true) {}

  [[nodiscard]] std::size_t size() const noexcept { return n_; }

  /// The link from `a` to `b`.
  link_config& link(replica_id a, replica_id b) { return links_[a.value() * n_ + b.value()]; }
  [[nodiscard]] const link_config& link(replica_id a, replica_id b) const { return links_[a.value() * n_ + b.value()]; }
  /// Sets every link.
  void set_all_links(const link_config& c) {
    for (auto& l : links_) l = c;
  }

  /// Whether a message from `a` can reach `b` now.
  [[nodiscard]] bool reachable(replica_id a, replica_id b) const {
    return a == b || reach_[a.value() * n_ + b.value()];
  }
  /// Cuts or restores the directed link a -> b.
  void set_reachable(replica_id a, replica_id b, bool ok) { reach_[a.value() * n_ + b.value()] = ok; }
  /// Cuts or restores both directions.
  void set_connected(replica_id a, replica_id b, bool ok) {
    set_reachable(a, b, ok);
    set_reachable(b, a, ok);
  }

  /// Everyone reaches everyone.
  void heal() { std::fill(reach_.begin(), reach_.end(), true); }
  /// Cuts `r` off from every other node.
  void isolate(replica_id r) {
    for (std::size_t i = 0; i < n_; ++i) set_connected(r, id(i), false);
  }
  /// Splits the nodes into `side` and the rest; links inside each side stay up.
  void split(const std::vector<replica_id>& side) {
    std::vector<bool> in(n_, false);
    for (auto r : side) in[r.value()] = true;
    for (std::size_t i = 0; i < n_; ++i)
      for (std::size_t j = 0; j < n_; ++j)
        if (in[i] != in[j]) set_reachable(id(i), id(j), false);
  }
  /// Splits into two halves that both see `bridge` (Jepsen's "bridge"): the lower ids and the
  /// higher ids, with the bridge node connected to both.
  void bridge(replica_id b) {
    std::vector<replica_id> low;
    for (std::size_t i = 0; i < n_; ++i)
      if (id(i) != b && i < (n_ + 1) / 2) low.push_back(id(i));
    split(low);
    for (std::size_t i = 0; i < n_; ++i) set_connected(b, id(i), true);
  }
  /// Ring: node i sees only the nodes within `neighbours` of it (mod n), so every node sees a different
  /// set; with 5 nodes and one neighbour on each side every node sees itself and two others: a
  /// majority, but a different one for each node.
  void ring(std::size_t neighbours = 1) {
    for (std::size_t i = 0; i < n_; ++i)
      for (std::size_t j = 0; j < n_; ++j) {
        const std::size_t d = i > j ? i - j : j - i;
        const std::size_t dist = d < n_ - d ? d : n_ - d;
        set_reachable(id(i), id(j), dist <= neighbours);
      }
  }
  /// Whether any link is cut.
  [[nodiscard]] bool partitioned() const {
    for (bool ok : reach_)
      if (!ok) return true;
    return false;
  }

 private:
  static replica_id id(std::size_t i) { return replica_id{static_cast<std::uint32_t>(i)}; }

  std::size_t n_;
  std::vector<link_config> links_;  // row-major [from][to]
  std::vector<bool> reach_;         // row-major [from][to]
};

}  // namespace replica::sim
