#pragma once
/// \file
/// Siblings under one version vector per key: what `keep_siblings` with plain
/// `version_vector<...>` stores in a leaderless node (Riak before 2.0 with per-vnode clocks,
/// Dynamo's original object versions).
///
/// The key holds a set of sibling values and one version vector for the whole set. A write at
/// replica s with the context `ctx` of the read it follows:
/// - if `ctx` covers the key's vector (the client saw everything), the value replaces every sibling;
/// - otherwise the value joins the siblings, and *every* old sibling stays, the ones the client
///   saw included: one vector cannot tell which of them `ctx` covered.
/// Either way the new vector is `max(vector, ctx)` with s's entry incremented. Nothing is ever
/// lost (a server-id vector per sibling would silently drop a concurrent write at the same
/// replica); the price is sibling explosion: with many writers and no reads in between, each
/// writer's context is always behind, and siblings pile up without bound. Dotted version
/// vectors (one dot per sibling) remove exactly what each client saw and keep the siblings
/// bounded by the number of concurrent writers (tests/topology/leaderless_siblings.cpp).
///
/// Replicas join states: a vector that dominates (or equals) the other wins with its siblings
/// (equal vectors: the union); concurrent vectors take the union of siblings and the max of vectors.

#include <replica/core/fields.hpp>
#include <replica/core/client.hpp>
#include <replica/core/payload.hpp>
#include <replica/core/result.hpp>
#include <replica/versioning/causal_context.hpp>
#include <replica/data/kv_data.hpp>
#include <replica/versioning/version_vector.hpp>

#include <algorithm>
#include <optional>
#include <vector>

namespace replica {

/// Sibling values (nil: a delete) under one version vector.
struct vv_siblings {
  version_vector<> clock;
  std::vector<std::optional<value_type>> values;  ///< sorted, distinct
  REPLICA_FIELDS(clock, values);
  [[nodiscard]] bool well_formed() const {
    return std::adjacent_find(values.begin(), values.end(), [](const auto& a, const auto& b) { return !(a < b); }) == values.end();
  }

  void merge(const vv_siblings& o) {
    switch (clock.compare(o.clock)) {
      case causal_order::after: return;
      case causal_order::before: *this = o; return;
      case causal_order::equal:
      case causal_order::concurrent: break;
    }
    clock.merge(o.clock);
    std::vector<std::optional<value_type>> all;
    std::set_union(values.begin(), values.end(), o.values.begin(), o.values.end(), std::back_inserter(all));
    values = std::move(all);
  }
  friend bool operator==(const vv_siblings&, const vv_siblings&) = default;
};

template <>
struct kv_data<vv_siblings> {
  static result<vv_siblings> update(vv_siblings& s, const kv_op& op, const update_info& at) {
    if (op.kind != op_kind::write && op.kind != op_kind::remove) return detail::unsupported(op);
    version_vector<> seen;
    if (at.context && !at.context->empty()) {
      auto c = causal_context::decode_vv(*at.context, at.key);
      if (!c) return c.err();
      seen = std::move(*c);
    }
    const auto order = seen.compare(s.clock);
    const bool saw_all = order == causal_order::equal || order == causal_order::after;
    vv_siblings next;
    next.clock = s.clock;
    next.clock.merge(seen);
    if (auto ok = next.clock.advance(at.self); !ok) return ok.err();
    if (!saw_all) next.values = s.values;  // every old sibling stays (sibling explosion)
    const std::optional<value_type> v = op.kind == op_kind::write ? std::optional{op.value} : std::nullopt;
    if (std::find(next.values.begin(), next.values.end(), v) == next.values.end()) {
      next.values.push_back(v);
      std::sort(next.values.begin(), next.values.end());
    }
    s = next;
    return next;  // the whole state: a replica that had what the coordinator had takes it
  }
  static std::vector<value_type> read(const vv_siblings& s) {
    std::vector<value_type> out;
    for (const auto& v : s.values)
      if (v) out.push_back(*v);
    return out;
  }
  static payload context(key_type k, const vv_siblings& s) { return causal_context::encode(k, s.clock); }
  static std::uint64_t fingerprint(const vv_siblings& s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto mix = [&h](std::uint64_t x) { h = (h ^ x) * 0x100000001b3ULL; };
    for (const auto& e : s.clock.entries()) {
      mix(e.id.value());
      mix(e.counter);
    }
    for (const auto& v : s.values) mix(v ? static_cast<std::uint64_t>(*v) * 2 + 1 : 0);
    return h;
  }
};

}  // namespace replica
