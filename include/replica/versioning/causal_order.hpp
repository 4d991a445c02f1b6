#pragma once
/// \file
/// The version-tracking concept: how two versions relate, how they merge, how a replica
/// records a new event. Every version type (physical timestamp, Lamport, HLC, version vectors,
/// dotted version vectors, DVV sets) models `version_tracker`; see docs/policies/versioning.md.

#include <replica/core/ids.hpp>
#include <replica/core/policy.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>

#include <concepts>
#include <string_view>

namespace replica {

/// How version `a` relates to version `b`.
enum class causal_order {
  equal,       ///< the same causal history
  before,      ///< a happened before b: b supersedes a
  after,       ///< b happened before a: a supersedes b
  concurrent,  ///< neither saw the other: a conflict
};

constexpr std::string_view to_string(causal_order o) noexcept {
  switch (o) {
    case causal_order::equal: return "equal";
    case causal_order::before: return "before";
    case causal_order::after: return "after";
    case causal_order::concurrent: return "concurrent";
  }
  return "?";
}

/// The order seen from the other side: before <-> after.
constexpr causal_order converse(causal_order o) noexcept {
  switch (o) {
    case causal_order::before: return causal_order::after;
    case causal_order::after: return causal_order::before;
    default: return o;
  }
}

/// A version type.
///
/// Minimal complete definition (members of `V`):
/// - `causal_order compare(const V&) const`
/// - `void merge(const V&)`: becomes the least upper bound of both
/// - `status advance(replica_id, local_time)`: records a new event at that replica that has
///   seen this version; `local_time` is the replica's own (possibly skewed) clock reading
/// - `static constexpr bool totally_ordered`: `compare` never answers `concurrent`
/// - `static constexpr bool causal_advance`: `advance` always moves strictly after its input
///   (false only for types that trust a physical clock)
/// - `using family = replica::versioning_tag;` so it composes into a replicator
///
/// Laws (tests/laws/versioning.cpp checks them on every model): compare is a partial order
/// (`equal` iff `==`; before/after converse; transitive); `merge` is the least upper bound;
/// `advance` moves strictly after when `causal_advance`; a totally ordered type never answers
/// `concurrent`.
template <class V>
concept version_tracker =
    std::copyable<V> && std::equality_comparable<V> &&
    requires(const V& a, V& m, replica_id r, local_time t) {
      { a.compare(a) } -> std::same_as<causal_order>;
      { m.merge(a) } -> std::same_as<void>;
      { m.advance(r, t) } -> std::same_as<status>;
      { V::totally_ordered } -> std::convertible_to<bool>;
      { V::causal_advance } -> std::convertible_to<bool>;
    };

/// The least upper bound of two versions, as a new value.
template <version_tracker V>
[[nodiscard]] V merged(V a, const V& b) {
  a.merge(b);
  return a;
}

/// Whether `V` can tell concurrent versions apart from ordered ones (what keep_siblings needs).
template <version_tracker V>
inline constexpr bool detects_concurrency = !V::totally_ordered;

namespace detail {

/// Folds per-component comparisons into a causal order.
struct order_accumulator {
  bool less = false;
  bool greater = false;

  template <class T>
  constexpr void see(const T& a, const T& b) noexcept {
    less |= a < b;
    greater |= b < a;
  }
  [[nodiscard]] constexpr causal_order result() const noexcept {
    if (less && greater) return causal_order::concurrent;
    if (less) return causal_order::before;
    if (greater) return causal_order::after;
    return causal_order::equal;
  }
};

/// Total-order comparison of two keys (for stamps tie-broken by replica id).
template <class K>
constexpr causal_order compare_total(const K& a, const K& b) noexcept {
  if (a < b) return causal_order::before;
  if (b < a) return causal_order::after;
  return causal_order::equal;
}

}  // namespace detail
}  // namespace replica
