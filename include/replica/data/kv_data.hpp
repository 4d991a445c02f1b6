#pragma once
/// \file
/// What a key holds when it holds a data type, and how client operations act on it: the
/// per-key CRDTs and sibling registers both the multi-leader and the leaderless nodes store
/// (each node's folder picks one; the multi-leader default, per resolver, is in
/// topology/multi_leader/data.hpp; vv_siblings, the leaderless siblings under one version
/// vector, in data/vv_siblings.hpp):
/// - `lww_register<std::optional<value_type>, V>`: concurrent writes, one survives (the others
///   are discarded and counted by the node);
/// - `sibling_register` (an MV-register): concurrent writes survive as siblings; reads return
///   them all with a causal context, and a write that passes the context back replaces exactly
///   what was read;
/// - `merged_register<F>`: the same siblings, read through `F` folded over them (the
///   application's merge, like Dynamo's cart union);
/// - the CRDTs: counters, sets, a max register (`multi_leader_node<R, pn_counter>`,
///   `leaderless_node<R, or_set<value_type>>`).
///
/// `kv_data<D>` maps `kv_op`s onto `D`'s delta mutators; users specialize it for their own CRDT:
///   static result<D> update(D& state, const kv_op& op, const update_info& at);  // the delta
///   static std::vector<value_type> read(const D& state);
///   static payload context(key_type k, const D& state);          // optional: a read's context
///   static bool minted_by(const D& delta, replica_id origin);     // optional: delta validation
///   static std::uint64_t fingerprint(const D& state);             // optional: a hash of the whole state
///                                                                 // (leaderless anti-entropy; else a hash of read())

#include <replica/core/client.hpp>
#include <replica/core/payload.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>
#include <replica/crdt/crdt.hpp>
#include <replica/data/data_model.hpp>
#include <replica/crdt/g_counter.hpp>
#include <replica/crdt/g_set.hpp>
#include <replica/crdt/lww_register.hpp>
#include <replica/crdt/max_register.hpp>
#include <replica/crdt/mv_register.hpp>
#include <replica/crdt/or_set.hpp>
#include <replica/crdt/pn_counter.hpp>
#include <replica/crdt/two_phase_set.hpp>
#include <replica/versioning/causal_context.hpp>

#include <algorithm>
#include <optional>
#include <vector>

namespace replica {

/// Where and when an update happens.
struct update_info {
  replica_id self{};
  local_time now{};
  /// The key's 32-bit id, what a causal context is bound to (the key itself for integer keys;
  /// data/data_model.hpp).
  key_type key = 0;
  const payload* context = nullptr;  ///< the causal context the client passed (may be empty)
};

/// How client operations act on a data type `D` (specialize for your own CRDT).
template <class D>
struct kv_data;

/// A CRDT the multi-leader node can store: `kv_data<D>` gives `update` and `read`.
template <class D>
concept replicated_data = crdt<D> && requires(D& d, const kv_op& op, const update_info& at) {
  { kv_data<D>::update(d, op, at) } -> std::same_as<result<D>>;
  { kv_data<D>::read(std::as_const(d)) } -> std::convertible_to<std::vector<value_type>>;
};

/// A register of a data model's values of type `T` (what a multi-leader node over a model other
/// than the registers holds per key): written with a value, or nothing for a remove.
template <class D, class T>
concept register_data = crdt<D> && requires(D& d, std::optional<T> v, const update_info& at) {
  { kv_data<D>::write(d, std::move(v), at) } -> std::same_as<result<D>>;
  { kv_data<D>::read(std::as_const(d)) } -> std::convertible_to<std::vector<T>>;
};

/// The refusal of a write whose opaque body (`kv_op::data`) the data type cannot store: never
/// acknowledged and dropped (issue 23). A data type that stores bodies says so with
/// `static constexpr bool stores_payload = true` in its `kv_data`.
inline constexpr error payload_not_stored{errc::unsupported, "this data type stores integers: a write carrying an opaque body (kv_op::data) is refused, not acknowledged and dropped"};

/// `kv_data<D>::update`, after refusing a body `D` cannot store (see payload_not_stored).
template <class D>
result<D> kv_update(D& state, const kv_op& op, const update_info& at) {
  if constexpr (!requires { requires kv_data<D>::stores_payload; })
    if (!op.data.empty()) return payload_not_stored;
  return kv_data<D>::update(state, op, at);
}

/// What the data model `M`'s operation `op` does to the data type `D` a key holds: over the
/// registers (`kv_op`), `kv_data<D>::update` (a CRDT's own operations); over another model, a
/// write or remove of its value through `kv_data<D>::write`, and nothing else (`unsupported`).
template <class M, class D>
result<D> model_update(D& state, const typename M::operation& op, const update_info& at) {
  if constexpr (std::is_same_v<typename M::operation, kv_op>) {
    return kv_update<D>(state, op, at);
  } else {
    switch (M::kind_of(op)) {
      case data_access::write: return kv_data<D>::write(state, std::optional{M::value_of(op)}, at);
      case data_access::remove: return kv_data<D>::write(state, std::nullopt, at);
      default: return error{errc::unsupported, "a register of this data model is only written and removed"};
    }
  }
}

namespace detail {
/// FNV-1a style mixing for state fingerprints.
struct state_hash {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  void operator()(std::uint64_t x) noexcept { h = (h ^ x) * 0x100000001b3ULL; }
};
inline void hash_counter(state_hash& h, const g_counter& g) {
  for (const auto& [id, n] : g.entries()) {
    h(id.value());
    h(n);
  }
}
template <class Kernel>
void hash_kernel(state_hash& h, const Kernel& k) {
  for (const auto& [d, v] : k.entries()) {
    h(d.id.value());
    h(d.counter);
    if constexpr (requires { v.first; v.second; }) {  // an OR-Set token: (element, add or remove)
      h(static_cast<std::uint64_t>(v.first));
      h(v.second ? 1 : 2);
    } else {
      h(static_cast<std::uint64_t>(v));
    }
  }
  h(0x5bd1e995);  // then the causal context: what it has seen (removed elements included)
  for (const auto& e : k.context().compact_part().entries()) {
    h(e.id.value());
    h(e.counter);
  }
  for (const auto& d : k.context().cloud()) {
    h(d.id.value() + 0x10000);
    h(d.counter);
  }
}
/// Sibling values folded into one with the application's merge `F` (none or one: as they are).
template <class F, class T>
std::vector<T> fold_siblings(std::vector<T> vs) {
  if (vs.size() <= 1) return vs;
  T acc = vs.front();
  for (std::size_t i = 1; i < vs.size(); ++i) acc = F{}(acc, vs[i]);
  return {acc};
}
inline error unsupported(const kv_op& op) {
  (void)op;
  return error{errc::unsupported, "this data type has no such operation"};
}
template <class Kernel>
bool dots_minted_by(const Kernel& k, replica_id origin) {
  return std::all_of(k.entries().begin(), k.entries().end(), [&](const auto& e) { return e.first.id == origin; });
}
}  // namespace detail

/// Siblings of `T`s read through the application's merge function `F` (see merge_with).
template <class F, class T = value_type>
struct merged_register : mv_register<std::optional<T>> {
  using base = mv_register<std::optional<T>>;
  void merge(const merged_register& o) { base::merge(o); }
  friend bool operator==(const merged_register&, const merged_register&) = default;
};

/// A register of a data model's values (data/data_model.hpp) is written with `write`: the value
/// (nothing: a remove); a `kv_op` (the registers' operations) with `update`.
template <class T, class V>
struct kv_data<lww_register<std::optional<T>, V>> {
  using D = lww_register<std::optional<T>, V>;
  static result<D> write(D& s, std::optional<T> v, const update_info& at) { return s.write(at.self, at.now, std::move(v)); }
  static result<D> update(D& s, const kv_op& op, const update_info& at)
    requires std::is_same_v<T, value_type>
  {
    if (op.kind != op_kind::write && op.kind != op_kind::remove) return detail::unsupported(op);
    return write(s, op.kind == op_kind::write ? std::optional{op.value} : std::nullopt, at);
  }
  static std::vector<T> read(const D& s) {
    return s.value() ? std::vector<T>{*s.value()} : std::vector<T>{};
  }
  static bool minted_by(const D& d, replica_id origin) {
    if constexpr (requires { d.version().origin(); })
      return d.version().origin() == origin;
    else
      return true;
  }
};

namespace detail {
/// Siblings: a write replaces what the client read (its context) or, blind, what this leader holds.
template <class D, class T>
struct sibling_register_data {
  static result<D> update(D& s, const kv_op& op, const update_info& at)
    requires std::is_same_v<T, value_type>
  {
    if (op.kind != op_kind::write && op.kind != op_kind::remove) return unsupported(op);
    return write(s, op.kind == op_kind::write ? std::optional{op.value} : std::nullopt, at);
  }
  static result<D> write(D& s, const std::optional<T>& v, const update_info& at) {
    D delta;
    if (at.context && !at.context->empty()) {
      auto dots = causal_context::decode_dots(*at.context, at.key);
      if (!dots) return dots.err();
      dot_context seen;
      for (const dot& d : *dots) seen.insert(d);
      static_cast<typename D::base&>(delta) = s.write(at.self, v, seen);
    } else {
      static_cast<typename D::base&>(delta) = s.write(at.self, v);
    }
    return delta;
  }
  static std::vector<T> live(const D& s) {
    std::vector<T> out;
    for (const auto& v : s.values())
      if (v) out.push_back(*v);  // a tombstone sibling (a remove) reads as nothing
    return out;
  }
  static payload context(key_type k, const D& s) {
    std::vector<dot> dots;
    for (const auto& e : s.kernel().entries()) dots.push_back(e.first);
    return causal_context::encode_dots(k, dots);
  }
  static bool minted_by(const D& d, replica_id origin) { return dots_minted_by(d.kernel(), origin); }
};
}  // namespace detail

/// The siblings register of `keep_siblings` over `T`s (an MV-register whose nil value is a remove).
template <class T>
struct basic_sibling_register : mv_register<std::optional<T>> {
  using base = mv_register<std::optional<T>>;
  void merge(const basic_sibling_register& o) { base::merge(o); }
  friend bool operator==(const basic_sibling_register&, const basic_sibling_register&) = default;
};
using sibling_register = basic_sibling_register<value_type>;

template <class T>
struct kv_data<basic_sibling_register<T>> : detail::sibling_register_data<basic_sibling_register<T>, T> {
  static std::vector<T> read(const basic_sibling_register<T>& s) { return kv_data::live(s); }
};

template <class F, class T>
struct kv_data<merged_register<F, T>> : detail::sibling_register_data<merged_register<F, T>, T> {
  /// One value: the siblings folded with `F` (nil if all are removes).
  static std::vector<T> read(const merged_register<F, T>& s) { return detail::fold_siblings<F>(kv_data::live(s)); }
};

template <>
struct kv_data<pn_counter> {
  static result<pn_counter> update(pn_counter& s, const kv_op& op, const update_info& at) {
    if (op.kind != op_kind::add) return detail::unsupported(op);
    return s.add(at.self, op.value);
  }
  static std::vector<value_type> read(const pn_counter& s) { return {s.value()}; }
  static bool minted_by(const pn_counter& d, replica_id origin) {
    auto mine = [&](const g_counter& g) {
      return std::all_of(g.entries().begin(), g.entries().end(), [&](const auto& e) { return e.first == origin; });
    };
    return mine(d.increments()) && mine(d.decrements());
  }
  /// Both halves: two states with the same value can differ inside.
  static std::uint64_t fingerprint(const pn_counter& d) {
    detail::state_hash h;
    detail::hash_counter(h, d.increments());
    h(0x9e3779b9);
    detail::hash_counter(h, d.decrements());
    return h.h;
  }
};

template <>
struct kv_data<g_counter> {
  static result<g_counter> update(g_counter& s, const kv_op& op, const update_info& at) {
    if (op.kind != op_kind::add) return detail::unsupported(op);
    if (op.value < 0) return error{errc::precondition, "a G-Counter only grows; use pn_counter to decrement"};
    return s.increment(at.self, static_cast<std::uint64_t>(op.value));
  }
  static std::vector<value_type> read(const g_counter& s) { return {static_cast<value_type>(s.value())}; }
  static bool minted_by(const g_counter& d, replica_id origin) {
    return std::all_of(d.entries().begin(), d.entries().end(), [&](const auto& e) { return e.first == origin; });
  }
  static std::uint64_t fingerprint(const g_counter& d) {
    detail::state_hash h;
    detail::hash_counter(h, d);
    return h.h;
  }
};

template <set_bias B>
struct kv_data<or_set<value_type, B>> {
  using D = or_set<value_type, B>;
  static result<D> update(D& s, const kv_op& op, const update_info& at) {
    if (op.kind == op_kind::add) return s.add(at.self, op.value);
    if (op.kind == op_kind::remove) return s.remove(at.self, op.value);
    return detail::unsupported(op);
  }
  static std::vector<value_type> read(const D& s) { return s.elements(); }
  static bool minted_by(const D& d, replica_id origin) { return detail::dots_minted_by(d.kernel(), origin); }
  /// Elements with their dots, and the context (a removed element differs only there).
  static std::uint64_t fingerprint(const D& d) {
    detail::state_hash h;
    detail::hash_kernel(h, d.kernel());
    return h.h;
  }
};

template <>
struct kv_data<g_set<value_type>> {
  static result<g_set<value_type>> update(g_set<value_type>& s, const kv_op& op, const update_info&) {
    if (op.kind != op_kind::add) return detail::unsupported(op);
    return s.add(op.value);
  }
  static std::vector<value_type> read(const g_set<value_type>& s) { return s.elements(); }
};

template <>
struct kv_data<two_phase_set<value_type>> {
  using D = two_phase_set<value_type>;
  static result<D> update(D& s, const kv_op& op, const update_info&) {
    if (op.kind == op_kind::add) return s.add(op.value);
    if (op.kind == op_kind::remove) return s.remove(op.value);
    return detail::unsupported(op);
  }
  static std::vector<value_type> read(const D& s) { return s.elements(); }
};

template <>
struct kv_data<max_register<value_type>> {
  static result<max_register<value_type>> update(max_register<value_type>& s, const kv_op& op, const update_info&) {
    if (op.kind != op_kind::write) return detail::unsupported(op);
    return s.write(op.value);
  }
  static std::vector<value_type> read(const max_register<value_type>& s) {
    return s.value() ? std::vector<value_type>{*s.value()} : std::vector<value_type>{};
  }
};

}  // namespace replica
