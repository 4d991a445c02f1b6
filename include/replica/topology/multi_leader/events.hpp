#pragma once
/// \file
/// What a multi-leader node reports in its effects' events: last-write-wins discarding an
/// acknowledged write, siblings, changes held for causal delivery, duplicates and gaps.

#include <replica/core/client.hpp>
#include <replica/core/ids.hpp>

#include <cstdint>
#include <string_view>

namespace replica {

/// What a multi-leader node reports.
enum class multi_leader_event_kind : std::uint8_t {
  discarded_write,  ///< LWW dropped this leader's acknowledged write `seq` of `key` (value `value`)
  siblings,         ///< `key` holds `count` concurrent siblings after a change from `peer`
  held,             ///< causal delivery holds change `seq` of `peer` until what it depends on arrives
  duplicate,        ///< a change already applied arrived again (and was ignored)
  gap,              ///< change `seq` of `peer` applied before an earlier one of the same origin
};

/// One report (`Key`, `Value`: the node's data model's).
template <class Key, class Value>
struct basic_multi_leader_event {
  using kind = multi_leader_event_kind;
  kind what{};
  Key key{};
  replica_id peer{};
  std::uint64_t seq = 0;
  Value value{};
  std::uint32_t count = 0;
};
/// The events of a node over the integer registers (the default data model).
using multi_leader_event = basic_multi_leader_event<key_type, value_type>;

constexpr std::string_view to_string(multi_leader_event_kind k) noexcept {
  using k_t = multi_leader_event_kind;
  switch (k) {
    case k_t::discarded_write: return "discarded_write";
    case k_t::siblings: return "siblings";
    case k_t::held: return "held";
    case k_t::duplicate: return "duplicate";
    case k_t::gap: return "gap";
  }
  return "?";
}

}  // namespace replica
