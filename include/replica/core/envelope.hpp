#pragma once
/// \file
/// The message envelope: who sent a message, to whom, for which replication group, in which
/// term. Every protocol message travels in one, so a node can reject a message from an unknown
/// replica, for another group or from a stale term before looking at the payload.

#include <replica/core/fields.hpp>
#include <replica/core/ids.hpp>

#include <type_traits>

namespace replica {

/// A protocol message with its routing header. Plain data: a transport copies or encodes it.
template <class Payload>
struct envelope {
  replica_id from{};   ///< sender; must be a member of the receiver's configuration
  replica_id to{};     ///< receiver; a transport delivers only to this replica
  group_id group{};    ///< replication group; 0 when the cluster is not sharded
  replica::term term{};  ///< sender's term (epoch) when it sent the message; 0 if the topology has none
  Payload payload{};   ///< the protocol's own message
  REPLICA_FIELDS(from, to, group, term, payload);

  friend constexpr bool operator==(const envelope&, const envelope&) = default;
};

/// A value made where it is needed: converts to what `make()` returns, so an object (a message
/// in an envelope being emplaced into an outbox) is initialized straight from the prvalue,
/// with no temporary to move from.
///
///   out.emplace_back(self, to, group, term, built_by{[&] { return message{std::in_place_type<put>, ...}; }});
template <class F>
struct built_by {
  F make;
  operator std::invoke_result_t<F&>() { return make(); }  // NOLINT(google-explicit-constructor): the point
};
template <class F>
built_by(F) -> built_by<F>;

}  // namespace replica
