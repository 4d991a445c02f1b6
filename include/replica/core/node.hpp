#pragma once
/// \file
/// The node contract: what every topology's node is, the I/O-free state machine of DESIGN.md §2.
/// The simulator, the benchmarks and (later) the network runner drive any type that models
/// `replica::protocol_node`; a user's own node can model it too. (Not `replica::node`: that name
/// would collide with the `using node = ...` that code under `using namespace replica` writes.)

#include <replica/core/client.hpp>
#include <replica/core/effects.hpp>
#include <replica/core/envelope.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>

#include <concepts>
#include <span>
#include <cstdint>

namespace replica {

namespace detail {
template <class N>
struct operation_of {
  using type = kv_op;
};
template <class N>
  requires requires { typename N::operation; }
struct operation_of<N> {
  using type = typename N::operation;
};
template <class N>
struct reply_of {
  using type = client_reply;
};
template <class N>
  requires requires { typename N::reply; }
struct reply_of<N> {
  using type = typename N::reply;
};
}  // namespace detail

/// What a client request to node type `N` carries: `N::operation`, or, when `N` does not say,
/// the register vocabulary (`kv_op`).
template <class N>
using operation_t = typename detail::operation_of<N>::type;
/// What node type `N` answers a request with: `N::reply`, or `client_reply` when it does not say.
template <class N>
using reply_t = typename detail::reply_of<N>::type;

/// The effects batch of node type `N` (see effects.hpp for the order its caller keeps).
template <class N>
using effects_of = ready<typename N::message, reply_t<N>, typename N::persist_entry, typename N::event>;

/// A node: one replica's protocol, driven by its caller.
///
/// Minimal complete definition:
/// - types `message` (peer payload), `persist_entry` (one item of `ready::persist`),
///   `durable_state` (the disk: what survives a crash), `config` (shared configuration), `event`;
///   optionally `operation` (what a client request carries; default `kv_op`) and `reply`
///   (default `client_reply`)
/// - `N(replica_id self, const config&, const durable_state&)`: start, or restart from the disk
/// - `status step(const envelope<message>&, local_time now)`: a message from a peer; a refused
///   message (an error value) changes nothing
/// - `void tick(local_time now)`: time passes; `now` is this node's local (skewable) clock
/// - `void submit(const client_request<operation_t<N>>&, local_time now)`: a client request
/// - `effects_of<N>& effects()`: the outbox; the caller carries it out in field order and clears it
/// - `static void persist(durable_state&, const persist_entry&)`: what writing one entry does
///   to the disk (an overload taking `persist_entry&&` may move what it holds into the disk: a
///   runner calls it for an entry it has no further use for, a whole state machine's snapshot)
///
/// Optional: `std::uint64_t digest() const` (a hash of the replicated state, for convergence);
/// `static durable_state lost_disk()` (the disk a replica starts from when it lost its own; see
/// `disk_after_loss`).
template <class N>
concept protocol_node =
    requires {
      typename N::message;
      typename N::persist_entry;
      typename N::durable_state;
      typename N::config;
      typename N::event;
    } &&
    std::constructible_from<N, replica_id, const typename N::config&, const typename N::durable_state&> &&
    requires(N& n, const envelope<typename N::message>& m, local_time t, const client_request<operation_t<N>>& req,
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

/// Whether message `m` of a batch whose persist entries are `batch` may be sent before those
/// entries are durable (core/effects.hpp, the relaxation of rule 1): what the node says
/// through a static `N::sendable_before_persist(m, batch)`, and `false` for a node without
/// one. A caller that uses it must still make `batch` durable before anything the node does in
/// answer to such a message leaves (a loop that syncs, then reads, does; so does io::runner,
/// whose loop steps while a batch syncs but holds those outputs for the batches after it).
template <class N>
bool sendable_before_persist(const typename N::message& m, std::span<const typename N::persist_entry> batch) {
  if constexpr (requires { { N::sendable_before_persist(m, batch) } -> std::convertible_to<bool>; })
    return N::sendable_before_persist(m, batch);
  else
    return false;
}

/// Whether reply `r` of a batch whose persist entries are `batch` may be delivered before those
/// entries are durable (core/effects.hpp, the relaxation of rule 3): what the node says through
/// a static `N::deliverable_before_persist(r, batch)`, and `false` for a node without one. A
/// leader acknowledging writes that a quorum made durable in earlier batches says yes: their
/// replies need not wait for the sync of the writes that arrived since.
template <class N>
bool deliverable_before_persist(const reply_t<N>& r, std::span<const typename N::persist_entry> batch) {
  if constexpr (requires { { N::deliverable_before_persist(r, batch) } -> std::convertible_to<bool>; })
    return N::deliverable_before_persist(r, batch);
  else
    return false;
}

/// Whether writing persist entry `p` onto disk `d` only restates what `d` already implies (a
/// compaction: a snapshot of entries `d` holds), so that a write-ahead log may leave it out and
/// fold it into its next checkpoint instead of syncing it before the batch's replies. What the
/// node says through a static `N::restates(d, p)`, and `false` for a node without one. Leaving
/// such an entry out, recovery gives the disk as it was before it (the leader-based node: the
/// longer log and the older snapshot), from which the node behaves the same.
template <class N>
bool restates(const typename N::durable_state& d, const typename N::persist_entry& p) {
  if constexpr (requires { { N::restates(d, p) } -> std::convertible_to<bool>; })
    return N::restates(d, p);
  else
    return false;
}

/// Whether a copy of `N`'s durable state is cheap and independent of the original: what the
/// node says with a static `N::durable_copy_shares` (false without one). A write-ahead log's
/// checkpoint then takes a copy on the caller's thread and encodes it on its own (io::runner);
/// otherwise it encodes on the caller's thread, which costs no more than a deep copy would.
/// The leader-based node says it when its machine's `snapshot_type` shares on copy
/// (`shares_on_copy`, core/state_machine.hpp): its durable state is that snapshot and the log
/// since it.
template <class N>
inline constexpr bool durable_copy_shares = requires { requires N::durable_copy_shares; };

/// The disk a replica of node type `N` starts from after losing its own (FAULTS.md D10: a
/// member restarted with a new, empty data directory): `N::lost_disk()` when the node has one
/// (the leader-based node's marks the replica as rebuilding, so it neither votes nor counts
/// until a leader has caught it up), else an empty `durable_state` (a node whose protocol
/// makes no promise that a lost disk would break).
template <class N>
typename N::durable_state disk_after_loss() {
  if constexpr (requires { { N::lost_disk() } -> std::same_as<typename N::durable_state>; })
    return N::lost_disk();
  else
    return typename N::durable_state{};
}

}  // namespace replica
