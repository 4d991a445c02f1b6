#pragma once
/// \file
/// What a node needs of a version type beyond `version_tracker`, as a trait a user can
/// specialise (docs/policies/versioning.md, "What a node asks of a version"):
/// - a **hash** (a leaderless node's Merkle tree sums one per version, so anti-entropy sees
///   replicas that differ only in a version);
/// - the **causal context** a read hands its client and a write takes back (Riak's vclock):
///   what it is, how it is made from the versions read, and its bytes;
/// - the **next event**: the version of a new write coordinated at a replica.
///
/// `version_traits<V>` is empty; a specialisation gives any of these static members, and the
/// functions of `replica::versions` fall back to the defaults for the others:
///
/// | member | default |
/// |---|---|
/// | `std::uint64_t hash(const V&)` | `v.hash()` if `V` has it, else `structural_hash(v)` over its `REPLICA_FIELDS` |
/// | `using context_type = C;` | `V` |
/// | `C context(const Range& versions)` (non-empty range of `const V&`) | their least upper bound (`merge`) |
/// | `payload encode_context(key_type, const C&)` and `result<C> decode_context(const payload&, key_type)` | none: the type carries no context (a read hands an empty one; a write that passes bytes is refused, `malformed`) |
/// | `bool within_bounds(const V&)` | `v.within_bounds()` if `V` has it, else true: whether a version is one a correct replica could make (the library's clocks and vectors: every counter below 2^63), so that one from a faulty peer cannot leave a clock that merged it no room to advance |
/// | `result<V> next(const std::optional<C>& seen, const Range& stored, const V& clock, replica_id self, local_time now)` | a totally ordered `V`: `clock` merged with `seen`, then `advance(self, now)`; a partially ordered one has none (the node's static_assert asks for it) |
///
/// `stored` is the versions the coordinating replica holds for the key (empty for a totally
/// ordered type, whose `clock`, the merge of every version the node has seen, covers them);
/// `seen`, the client's context (nothing: a blind write). A partially ordered type's `next` must
/// supersede exactly what `seen` covers and be concurrent with every other stored version, even
/// one made at this replica: `dotted_version_vector` does it with a dot above every counter
/// `stored` shows for `self`.

#include <replica/core/client.hpp>
#include <replica/core/payload.hpp>
#include <replica/core/result.hpp>
#include <replica/core/structural_hash.hpp>
#include <replica/core/time.hpp>
#include <replica/versioning/causal_context.hpp>
#include <replica/versioning/causal_order.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <cstdint>
#include <optional>
#include <span>

namespace replica {

/// Specialise for your version type (see the file comment); every member is optional.
template <class V>
struct version_traits {};

/// What the library asks of a version type, with the documented defaults.
namespace versions {

namespace detail {
template <class V>
struct context_of_type {
  using type = V;
};
template <class V>
  requires requires { typename version_traits<V>::context_type; }
struct context_of_type<V> {
  using type = typename version_traits<V>::context_type;
};
}  // namespace detail

/// What a read of `V`s hands its client.
template <class V>
using context_t = typename detail::context_of_type<V>::type;

/// Whether `V` has a context with bytes (else reads hand none and writes take none).
template <class V>
inline constexpr bool carries_context = requires(key_type k, const context_t<V>& c, const payload& p) {
  { version_traits<V>::encode_context(k, c) } -> std::same_as<payload>;
  { version_traits<V>::decode_context(p, k) } -> std::same_as<result<context_t<V>>>;
};

/// Whether a new write's version can be made: a `next` of its own, or a total order.
template <class V>
inline constexpr bool makes_events =
    requires(const std::optional<context_t<V>>& seen, std::span<const V> stored, const V& clock, replica_id r, local_time t) {
      { version_traits<V>::next(seen, stored, clock, r, t) } -> std::same_as<result<V>>;
    } || (V::totally_ordered && std::is_same_v<context_t<V>, V>);

/// Whether siblings of `V` share one version per key (`version_traits<V>::one_vector_per_key`:
/// plain version vectors, whose siblings a leaderless node keeps as `vv_siblings`).
template <class V>
inline constexpr bool one_vector_per_key = [] {
  if constexpr (requires { version_traits<V>::one_vector_per_key; })
    return bool{version_traits<V>::one_vector_per_key};
  else
    return false;
}();

/// Whether `v` is one a correct replica could make (see the file comment); a node refuses a
/// message carrying one that is not.
template <class V>
[[nodiscard]] bool within_bounds(const V& v) {
  if constexpr (requires { { version_traits<V>::within_bounds(v) } -> std::convertible_to<bool>; })
    return version_traits<V>::within_bounds(v);
  else if constexpr (requires { { v.within_bounds() } -> std::convertible_to<bool>; })
    return v.within_bounds();
  else
    return true;
}

/// A hash of `v` (equal versions hash alike).
template <class V>
[[nodiscard]] std::uint64_t hash(const V& v) {
  if constexpr (requires { { version_traits<V>::hash(v) } -> std::convertible_to<std::uint64_t>; })
    return version_traits<V>::hash(v);
  else if constexpr (requires { { v.hash() } -> std::convertible_to<std::uint64_t>; })
    return v.hash();
  else {
    static_assert(encodable<V>,
                  "replica::versions::hash: a version type needs a hash: describe its fields with REPLICA_FIELDS, "
                  "give it `std::uint64_t hash() const`, or specialise version_traits<V>::hash (docs/policies/versioning.md)");
    return structural_hash(v);
  }
}

/// The context of the versions `vs` (a non-empty range of `const V&`).
template <class V, class Range>
[[nodiscard]] context_t<V> context(const Range& vs) {
  if constexpr (requires { version_traits<V>::context(vs); }) {
    return version_traits<V>::context(vs);
  } else {
    static_assert(std::is_same_v<context_t<V>, V>,
                  "replica::versions::context: a version_traits<V>::context_type other than V needs a context() too");
    auto it = std::ranges::begin(vs);
    V all = *it;
    for (++it; it != std::ranges::end(vs); ++it) all.merge(*it);
    return all;
  }
}

/// The bytes a client is handed for the versions `vs` of key `k` (empty: none, or no context).
template <class V, class Range>
[[nodiscard]] payload encode_context(key_type k, const Range& vs) {
  if constexpr (carries_context<V>) {
    if (std::ranges::empty(vs)) return {};
    return version_traits<V>::encode_context(k, context<V>(vs));
  } else {
    return {};
  }
}

/// The context in `bytes`, made for `k` (empty bytes: nothing, a blind write). Malformed bytes,
/// a context for another key, or any bytes for a type without a context: an error.
template <class V>
[[nodiscard]] result<std::optional<context_t<V>>> decode_context(const payload& bytes, key_type k) {
  if (bytes.empty()) return std::optional<context_t<V>>{};
  if constexpr (carries_context<V>) {
    auto c = version_traits<V>::decode_context(bytes, k);
    if (!c) return c.err();
    if (!within_bounds(*c)) return error{errc::malformed, "a causal context no correct replica made (a counter at or above 2^63)"};
    return std::optional<context_t<V>>{std::move(*c)};
  } else {
    return error{errc::malformed, "this version type takes no causal context (specialise version_traits<V>::encode_context and decode_context)"};
  }
}

/// The version of a new write at `self` (see the file comment); `stored`, a range of `const V&`.
template <class V, class Range>
[[nodiscard]] result<V> next(const std::optional<context_t<V>>& seen, const Range& stored, const V& clock, replica_id self,
                             local_time now) {
  if constexpr (requires { version_traits<V>::next(seen, stored, clock, self, now); }) {
    return version_traits<V>::next(seen, stored, clock, self, now);
  } else {
    static_assert(makes_events<V>,
                  "replica::versions::next: a partially ordered version type needs version_traits<V>::next to make a "
                  "write's version (docs/policies/versioning.md)");
    V out = clock;
    if (seen) out.merge(*seen);  // after what the client saw, even if this replica's clock is behind
    if (auto ok = out.advance(self, now); !ok) return ok.err();
    return out;
  }
}

}  // namespace versions

/// Plain version vectors make no per-sibling event (two writes at one replica after the same
/// context would get equal versions): their siblings share one vector per key, Riak's
/// pre-2.0 object clock (data/vv_siblings.hpp).
template <std::size_t N>
struct version_traits<version_vector<N>> {
  static constexpr bool one_vector_per_key = true;
};

/// A hybrid logical clock's context: the newest stamp read, so that a write that follows the
/// read sorts after it even on a coordinator whose clock is behind.
template <>
struct version_traits<hybrid_logical_clock> {
  static payload encode_context(key_type k, const hybrid_logical_clock& c) { return causal_context::encode(k, c); }
  static result<hybrid_logical_clock> decode_context(const payload& p, key_type k) { return causal_context::decode_hlc(p, k); }
};

/// Dotted version vectors: the context is the joined history of the siblings read, gaps and
/// all (a plain version vector would also cover the gaps, and a write made with it would
/// supersede a sibling whose dot lies in one, an acknowledged write the reader never saw:
/// FAULTS.md B7 lost one at seed 678). A write supersedes exactly that history; its dot is
/// this replica's next event for the key.
template <>
struct version_traits<dotted_version_vector> {
  using context_type = causal_context::history;
  template <class Range>
  static context_type context(const Range& vs) {
    dotted_version_vector seen;
    for (const dotted_version_vector& v : vs) seen.merge(v);
    return {seen.base(), {seen.cloud().begin(), seen.cloud().end()}};
  }
  static payload encode_context(key_type k, const context_type& c) { return causal_context::encode_history(k, c.vv, c.above); }
  static result<context_type> decode_context(const payload& p, key_type k) { return causal_context::decode_history(p, k); }
  template <class Range>
  static result<dotted_version_vector> next(const std::optional<context_type>& seen, const Range& stored, const dotted_version_vector&,
                                            replica_id self, local_time) {
    static const context_type none{};
    const context_type& s = seen ? *seen : none;
    std::uint64_t counter = s.vv.counter(self);
    for (const dot& d : s.above)
      if (d.id == self) counter = std::max(counter, d.counter);
    for (const dotted_version_vector& v : stored) counter = std::max(counter, v.max_counter(self));
    if (counter == UINT64_MAX) return error{errc::out_of_range, "counter exhausted"};
    return dotted_version_vector::event(s.vv, s.above, dot{self, counter + 1});
  }
};

}  // namespace replica
