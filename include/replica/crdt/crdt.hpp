#pragma once
/// \file
/// What a state-based CRDT is here, so users can add their own (docs/policies/crdts.md).
///
/// A type `C` is a CRDT when it is a regular value type (copyable, default-constructible as the
/// bottom state, equality-comparable) with `void merge(const C&)`: the join of two states. The
/// join must be idempotent (`a ⊔ a = a`), commutative and associative; then replicas that have
/// seen the same updates hold equal states, in whatever order and however often the states or
/// deltas were delivered (tests/laws/crdt.cpp checks these laws on every library CRDT).
///
/// Delta-state CRDTs (Almeida, Shoker, Baquero 2018) additionally have *delta mutators*: an
/// update changes the state and returns a delta, itself a (small) state of the same type, such
/// that `x ⊔ delta` equals the updated state. Shipping deltas instead of whole states is what the
/// multi-leader topology does; a replica that missed a delta gets the same result from any later
/// state that includes it.

#include <concepts>

namespace replica {

/// A state-based CRDT: a value type with a join (`merge`).
template <class C>
concept crdt = std::regular<C> && requires(C& a, const C& b) { a.merge(b); };

/// The join of two states, as a value.
template <crdt C>
[[nodiscard]] C join(C a, const C& b) {
  a.merge(b);
  return a;
}

}  // namespace replica
