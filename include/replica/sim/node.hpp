#pragma once
/// \file
/// What the simulator needs of a node: the I/O-free state machine of DESIGN.md §2. Every
/// topology's node type models `simulated_node`; so can a user's own.

#include <replica/core/client.hpp>
#include <replica/core/effects.hpp>
#include <replica/core/envelope.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>

#include <concepts>
#include <utility>

namespace replica::sim {

/// The effects batch of node type `N`.
template <class N>
using effects_of = ready<typename N::message, client_reply, typename N::persist_entry, typename N::event>;

/// A node the simulator can run.
///
/// Minimal complete definition:
/// - types `message` (peer payload), `persist_entry` (one item of `ready::persist`),
///   `durable_state` (the disk: what survives a crash), `config` (shared configuration), `event`
/// - `N(replica_id self, const config&, const durable_state&)`: start, or restart from the disk
/// - `status step(const envelope<message>&, local_time now)`: a message from a peer
/// - `void tick(local_time now)`: time passes; `now` is this node's local (skewable) clock
/// - `void submit(const client_request<kv_op>&, local_time now)`: a client request
/// - `effects_of<N>& effects()`: the outbox; the caller carries it out in field order and clears it
/// - `static void persist(durable_state&, const persist_entry&)`: what writing one entry does
///   to the disk
///
/// Optional: `std::uint64_t digest() const` (a hash of the replicated state, for convergence).
template <class N>
concept simulated_node =
    requires {
      typename N::message;
      typename N::persist_entry;
      typename N::durable_state;
      typename N::config;
      typename N::event;
    } &&
    std::constructible_from<N, replica_id, const typename N::config&, const typename N::durable_state&> &&
    requires(N& n, const envelope<typename N::message>& m, local_time t, const client_request<kv_op>& req,
             typename N::durable_state& disk, const typename N::persist_entry& pe) {
      { n.step(m, t) } -> std::same_as<status>;
      { n.tick(t) } -> std::same_as<void>;
      { n.submit(req, t) } -> std::same_as<void>;
      { n.effects() } -> std::same_as<effects_of<N>&>;
      { N::persist(disk, pe) } -> std::same_as<void>;
    };

/// Whether `N` reports a digest of its replicated state.
template <class N>
concept has_digest = requires(const N& n) {
  { n.digest() } -> std::convertible_to<std::uint64_t>;
};

}  // namespace replica::sim
