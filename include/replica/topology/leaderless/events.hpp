#pragma once
/// \file
/// What a leaderless node reports (`effects::events`).

#include <replica/core/client.hpp>
#include <replica/core/ids.hpp>

#include <cstdint>
#include <string_view>

namespace replica {

/// What a leaderless node reports.
enum class leaderless_event_kind : std::uint8_t {
  sloppy_write,     ///< a write was acknowledged with `count` acks from fallbacks
  hint_stored,      ///< this fallback holds a write for `peer`
  hint_delivered,   ///< this fallback handed a write off to `peer` and dropped the hint
  read_repair,      ///< this coordinator sent the resolved versions of `key` to `count` replicas
  anti_entropy,     ///< a round with `peer` found `count` differing buckets and exchanged their keys
};

/// One report (`Key`: the node's data model's key type).
template <class Key>
struct basic_leaderless_event {
  using kind = leaderless_event_kind;
  kind what{};
  Key key{};
  replica_id peer{};
  std::uint32_t count = 0;
};

/// The events of a node over the integer registers (the default data model).
using leaderless_event = basic_leaderless_event<key_type>;

constexpr std::string_view to_string(leaderless_event_kind k) noexcept {
  using k_t = leaderless_event_kind;
  switch (k) {
    case k_t::sloppy_write: return "sloppy_write";
    case k_t::hint_stored: return "hint_stored";
    case k_t::hint_delivered: return "hint_delivered";
    case k_t::read_repair: return "read_repair";
    case k_t::anti_entropy: return "anti_entropy";
  }
  return "?";
}

}  // namespace replica
