#pragma once
/// \file
/// The routing checks every node makes before it looks at a payload: the sender is another
/// member of its cluster, the message is addressed to it, and it belongs to its group.

#include <replica/core/envelope.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>

#include <cstddef>

namespace replica {

/// `unknown_replica` for a sender outside the `nodes` members (or the receiver itself) or a
/// message addressed to another replica; `wrong_group` for another group; else ok.
template <class Payload>
[[nodiscard]] status check_addressing(const envelope<Payload>& m, replica_id self, std::size_t nodes, group_id group) noexcept {
  if (m.from.value() >= nodes || m.from == self) return error{errc::unknown_replica, "sender is not a peer in this cluster"};
  if (m.to != self) return error{errc::unknown_replica, "message addressed to another replica"};
  if (m.group != group) return error{errc::wrong_group, "message for another replication group"};
  return {};
}

}  // namespace replica
