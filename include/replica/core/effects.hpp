#pragma once
/// \file
/// The batch of effects a node hands to its caller, after `step` or `tick` (etcd/raft's
/// `Ready`). The node does no I/O: the caller performs these effects, in the order below, and
/// confirms durability back to the node where it matters.

#include <replica/core/envelope.hpp>

#include <vector>

namespace replica {

/// Effects produced by a node, to be carried out by its caller in field order.
///
/// Ordering contract (the caller must respect it; the simulator does):
/// 1. `persist` is written to stable storage *before* anything in `messages` is sent and before
///    any `replies` is delivered: a vote, an acknowledgement or a client reply may rely on it.
/// 2. `messages` are sent after `persist` is durable, in any order (the protocols tolerate
///    reordering, loss and duplication).
/// 3. `replies` are delivered to clients after `persist` is durable. A reply is the client's
///    outcome (`ok`, `fail`, or unknown); it is never retracted.
/// 4. `events` are informational (role changes, lag, conflicts, degraded commit modes); they
///    never require action for safety and may be dropped.
///
/// Two relaxations, which a node opts into (core/node.hpp), each for what relies on nothing in
/// this batch's `persist`; a caller that does not use them loses nothing but time:
/// - of rule 1 (`sendable_before_persist`): such a message may leave while `persist` is being
///   written (Raft's §10.2.1: a leader sends its new entries to its followers in parallel with
///   writing them to its own disk);
/// - of rule 3 (`deliverable_before_persist`): such a reply may be delivered while `persist` is
///   being written (a leader's acknowledgement of writes a quorum made durable in earlier
///   batches does not wait for the sync of the writes that arrived since).
///
/// Buffers are reused: `clear()` keeps capacity, so a steady state allocates nothing.
template <class Message, class Reply, class Persist, class Event>
struct ready {
  /// State that must be durable before `messages` and `replies` leave the node (entries to
  /// append, hard state such as term and vote). Empty when nothing needs persisting.
  std::vector<Persist> persist;
  /// Messages for peers, each in its envelope. Sent only after `persist` is durable.
  std::vector<envelope<Message>> messages;
  /// Replies to client requests. Delivered only after `persist` is durable.
  std::vector<Reply> replies;
  /// Observable events for operators and tests. No ordering requirement.
  std::vector<Event> events;

  [[nodiscard]] bool empty() const noexcept {
    return persist.empty() && messages.empty() && replies.empty() && events.empty();
  }

  /// Empty every field, keeping capacity.
  void clear() noexcept {
    persist.clear();
    messages.clear();
    replies.clear();
    events.clear();
  }
};

}  // namespace replica
