#pragma once
/// \file
/// What a simulated run is configured with: the cluster (`cluster_options`), its client sessions
/// (`session_options`), and the check a cluster makes of them and of the node's configuration
/// before it starts a replica (`check_cluster_config`); and the record of a node's events.

#include <replica/core/client.hpp>
#include <replica/core/result.hpp>
#include <replica/sim/clock.hpp>
#include <replica/sim/latency.hpp>
#include <replica/sim/network.hpp>
#include <replica/sim/node.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <vector>

namespace replica::sim {

/// How clients pick operations and nodes.
struct session_options {
  std::size_t clients = 3;           ///< sessions, one operation outstanding each
  std::size_t keys = 1;              ///< keys 0 .. keys-1, chosen uniformly
  double read_weight = 1, write_weight = 1, cas_weight = 0;
  double add_weight = 0;  ///< `add` of a unique value (a set element; a counter increment of 1 with `add_amount_one`)
  bool add_amount_one = false;
  latency_model think{uniform_latency{std::chrono::milliseconds{1}, std::chrono::milliseconds{20}}};
  duration timeout = std::chrono::seconds{1};  ///< after this an operation is recorded `info`
  bool sticky = true;                ///< after a timeout keep the same node; else pick another at random
                                     ///< (after a redirect that names no one, always another)
  std::vector<replica_id> targets{};  ///< nodes the clients talk to (client i starts on targets[i % size]); empty: all
  bool send_tokens = false;          ///< pass the last write's token with each request
  bool send_context = false;         ///< pass the context of the client's last read of the key with each write (read-modify-write)
  consistency_level level = consistency_level::configured;  ///< per request (leaderless topologies)
  int max_redirects = 3;
  /// A client that knows placement (a routing layer, a smart driver): the node each new
  /// operation goes to first. Empty: the client's current target.
  std::function<replica_id(const kv_op&)> route{};
  sim_time start = 0;                ///< first operations are issued from here
  sim_time stop = INT64_MAX;         ///< no operation is invoked at or after this time
};

/// Everything a run is configured with.
struct cluster_options {
  std::size_t nodes = 3;
  std::uint64_t seed = 1;
  duration tick_interval = std::chrono::milliseconds{10};
  link_config link{};
  latency_model client_latency{constant_latency{std::chrono::microseconds{500}}};
  /// Per-node service time: each message and client request a node handles occupies it this
  /// long, one at a time; what arrives meanwhile waits its turn (0: infinitely fast nodes).
  /// With it a busy node saturates: a leader that handles every write and every
  /// acknowledgement is the first (the `bottleneck` experiment).
  duration service_time{0};
};

/// An event a node emitted, with when and where.
template <class Event>
struct logged_event {
  sim_time time;
  replica_id node;
  Event event;
};

/// What a cluster's constructor checks: the node's own validation (`Node::validate`), then the
/// node counts (`Node::nodes_in` against `o.nodes`).
template <simulated_node Node>
status check_cluster_config(const cluster_options& o, const typename Node::config& c) {
  if (o.nodes == 0) return error{errc::out_of_range, "cluster_options::nodes is 0"};
  if constexpr (requires { { Node::validate(c) } -> std::convertible_to<status>; })
    if (status s = Node::validate(c); !s) return s;
  if constexpr (requires { { Node::nodes_in(c) } -> std::convertible_to<std::size_t>; })
    if (Node::nodes_in(c) != o.nodes)
      return error{errc::out_of_range, "cluster_options::nodes and the node's config::nodes (or cluster_size<N>) disagree: make them equal"};
  return {};
}

}  // namespace replica::sim
