#pragma once
/// \file
/// A dot: the identity of one event, (replica, n) for the n-th event of that replica.

#include <replica/core/fields.hpp>
#include <replica/core/ids.hpp>

#include <compare>
#include <cstdint>

namespace replica {

/// The n-th event (n >= 1) recorded by one replica.
struct dot {
  replica_id id{};
  std::uint64_t counter = 0;
  REPLICA_FIELDS(id, counter);

  friend constexpr auto operator<=>(const dot&, const dot&) noexcept = default;
  friend constexpr bool operator==(const dot&, const dot&) noexcept = default;
};

}  // namespace replica
