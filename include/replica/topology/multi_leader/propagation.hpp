#pragma once
/// \file
/// How changes travel between the leaders of a multi-leader replicator (the propagation
/// topologies of the replication literature):
/// - `all_to_all`: every leader sends its own changes to every other. Fastest, and one failed
///   leader blocks nothing but its own changes; with several paths, changes can overtake each
///   other (a reply before the post: FAULTS C5, unless causal delivery is on).
/// - `star`: spokes send their own changes to the hub (replica 0), which forwards every change
///   to every other spoke. The hub is a single point of failure for propagation.
/// - `ring`: each leader forwards every change (its own and those it received) to the next,
///   until it would reach its origin. One failed leader stops propagation past it until it
///   returns.

#include <replica/core/ids.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

namespace replica {

enum class propagation_topology : std::uint8_t { all_to_all, star, ring };

constexpr std::string_view to_string(propagation_topology t) noexcept {
  switch (t) {
    case propagation_topology::all_to_all: return "all_to_all";
    case propagation_topology::star: return "star";
    case propagation_topology::ring: return "ring";
  }
  return "?";
}

/// Who sends what to whom, for one leader `self` of `nodes`.
struct propagation_plan {
  propagation_topology topology = propagation_topology::all_to_all;
  replica_id self{};
  std::size_t nodes = 1;
  replica_id hub{0};

  /// Whether `self` sends changes that originated at `origin` to `to`.
  [[nodiscard]] bool ships(replica_id origin, replica_id to) const noexcept {
    if (to == self || to == origin || to.value() >= nodes) return false;
    switch (topology) {
      case propagation_topology::all_to_all: return origin == self;
      case propagation_topology::star: return self == hub || (to == hub && origin == self);
      case propagation_topology::ring: return to == next();
    }
    return false;
  }
  /// Whether `self` forwards changes of other origins (so it keeps them in its log).
  [[nodiscard]] bool relays() const noexcept {
    return topology == propagation_topology::ring || (topology == propagation_topology::star && self == hub);
  }
  /// The leaders `self` sends to.
  [[nodiscard]] std::vector<replica_id> targets() const {
    std::vector<replica_id> out;
    for (std::uint32_t i = 0; i < nodes; ++i) {
      const replica_id to{i};
      if (to == self) continue;
      const bool any = topology == propagation_topology::all_to_all || (topology == propagation_topology::star && (self == hub || to == hub)) ||
                       (topology == propagation_topology::ring && to == next());
      if (any) out.push_back(to);
    }
    return out;
  }
  [[nodiscard]] replica_id next() const noexcept { return replica_id{static_cast<std::uint32_t>((self.value() + 1) % nodes)}; }
};

}  // namespace replica
