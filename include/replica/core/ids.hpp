#pragma once
/// \file
/// Strong types for the identities the protocols pass around: replica ids, terms (epochs),
/// log indexes and replication-group ids. Each is a distinct type, so a term can never be
/// passed where a log index is expected.

#include <replica/core/fields.hpp>

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>

namespace replica {

/// A value of `Rep` tagged with `Tag`. Explicit in, explicit out; ordered and hashable.
template <class Tag, class Rep>
class strong_id {
 public:
  using rep = Rep;

  constexpr strong_id() noexcept = default;
  constexpr explicit strong_id(Rep v) noexcept : v_{v} {}

  [[nodiscard]] constexpr Rep value() const noexcept { return v_; }

  /// The next value. Terms and indexes only move forward.
  [[nodiscard]] constexpr strong_id next() const noexcept { return strong_id{static_cast<Rep>(v_ + 1)}; }

  friend constexpr auto operator<=>(const strong_id&, const strong_id&) noexcept = default;
  friend constexpr bool operator==(const strong_id&, const strong_id&) noexcept = default;

 private:
  Rep v_{};
};

struct replica_id_tag {};
struct term_tag {};
struct log_index_tag {};
struct group_id_tag {};
struct datacenter_tag {};

/// Identity of one replica (node) in a cluster: 0 .. cluster size - 1.
using replica_id = strong_id<replica_id_tag, std::uint32_t>;
/// A term (Raft) or epoch (Kafka leader epoch, PostgreSQL timeline): fences deposed leaders.
using term = strong_id<term_tag, std::uint64_t>;
/// A position in a replicated log; 0 means "before the first entry".
using log_index = strong_id<log_index_tag, std::uint64_t>;
/// A replication group (a shard's group in a sharded hybrid); 0 for an unsharded cluster.
using group_id = strong_id<group_id_tag, std::uint32_t>;
/// A datacenter (or availability zone, rack): what LOCAL_QUORUM and EACH_QUORUM count by.
using datacenter = strong_id<datacenter_tag, std::uint16_t>;

/// A log position: the index of an entry and the term in which it was created.
/// Two logs that hold an entry with the same index and term are identical up to it (Raft's
/// log matching property), which is what a follower checks before appending.
struct log_position {
  replica::term term{};
  replica::log_index index{};
  REPLICA_FIELDS(term, index);

  friend constexpr bool operator==(const log_position&, const log_position&) noexcept = default;
  /// "At least as up to date" (Raft §5.4.1): compare terms first, then indexes.
  friend constexpr auto operator<=>(const log_position& a, const log_position& b) noexcept {
    if (auto c = a.term <=> b.term; c != 0) return c;
    return a.index <=> b.index;
  }
};

}  // namespace replica

template <class Tag, class Rep>
struct std::hash<replica::strong_id<Tag, Rep>> {
  std::size_t operator()(const replica::strong_id<Tag, Rep>& id) const noexcept {
    return std::hash<Rep>{}(id.value());
  }
};
