#pragma once
/// \file
/// What a leaderless key holds, as one of two strategies the node picks from its resolver:
/// - `version_siblings<V, Lww, Fold>`: a list of versioned values, the maximal ones kept.
///   Under `last_write_wins` one (a `fixed_vector` of one: the order is total); under
///   `keep_siblings` (dotted version vectors, or any version type whose `version_traits` make
///   events) every concurrent sibling; `merge_with<F>` keeps the same siblings and reads them
///   folded through F (`Fold`). The version of a new write comes from `versions::next`; the
///   context a read hands back, from `versions::encode_context` (versioning/version_traits.hpp).
/// - `data_strategy<D>`: a data type of data/kv_data.hpp (a CRDT under `crdt_merge`, or
///   `vv_siblings` under `keep_siblings` with plain version vectors); a write carries its delta.
///
/// Both give the same static operations, which is all the replica store, the coordinator, read
/// repair, hinted handoff and anti-entropy ask of a key: `merged` (the join, or nothing if the
/// versions cannot be one key's), `arrival_of` (a fast path for the usual write), `same_set`,
/// `is_empty`, `only_tombstones`, `live` (what a read shows), `fingerprint` (a Merkle leaf),
/// `resolve` (the join of a read's replies), `context` and `make_write`.

#include <replica/core/client.hpp>
#include <replica/core/structural_hash.hpp>
#include <replica/data/data_model.hpp>
#include <replica/core/fields.hpp>
#include <replica/core/fixed_vector.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/payload.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>
#include <replica/data/kv_data.hpp>
#include <replica/resolve/maximal.hpp>
#include <replica/versioning/causal_order.hpp>
#include <replica/versioning/version_traits.hpp>

#include <boost/container/small_vector.hpp>
#include <boost/container/static_vector.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <ranges>
#include <type_traits>
#include <vector>

namespace replica::leaderless_detail {

/// How versions arriving stand to those held: `known`, every one at or below one held (the
/// maximal versions of both are those held); `newer`, every one held strictly below one
/// arriving (they are the arriving ones, kept maximal); else `mixed` (merge).
enum class arrival : std::uint8_t { known, newer, mixed };

/// Versioned siblings (see the file comment) of values of the data model's `Value`. `Fold`:
/// the `merge_with` function, or void.
template <class V, class Value, bool Lww, class Fold = void>
struct version_siblings {
  using version_type = V;
  using value_type = Value;
  static constexpr bool data_mode = false;
  static constexpr bool lww = Lww;

  /// One stored version of a key's value.
  struct versioned {
    version_type version{};
    value_type value{};
    bool tombstone = false;  ///< a delete: supersedes what it saw, reads as nil
    REPLICA_FIELDS(version, value, tombstone);
    friend bool operator==(const versioned&, const versioned&) = default;
  };
  /// Up to `N` in place: a plain struct when it can be one (integer values and fixed-size
  /// versions), else Boost's static_vector (a string value).
  template <std::size_t N>
  using in_place = std::conditional_t<std::is_trivially_copyable_v<versioned>, fixed_vector<versioned, N>,
                                      boost::container::static_vector<versioned, N>>;
  /// (Two inline: a write, or a pair of concurrent ones, allocates nothing with fixed-size versions.)
  using state = std::conditional_t<Lww, in_place<1>, boost::container::small_vector<versioned, 2>>;
  /// Room for the versions of two sibling lists together, before the maximal ones are kept.
  using merge_buffer = std::conditional_t<Lww, in_place<2>, state>;

  /// The versions of a state, as a range of `const version_type&`.
  static auto versions_of(const state& s) { return std::views::transform(s, &versioned::version); }

  /// Whether `n` maximal versions fit one key: under last-write-wins one, so two concurrent
  /// versions mean the version type broke the total order it claims.
  static constexpr bool fits(std::size_t n) noexcept { return !Lww || n <= 1; }

  /// The maximal versions of `a` and `b` together; nothing if they do not fit a key.
  static std::optional<state> merged(const state& a, const state& b) {
    merge_buffer all(a.begin(), a.end());
    all.insert(all.end(), b.begin(), b.end());
    all.resize(keep_maximal(all.begin(), all.end(), &versioned::version));
    if (!fits(all.size())) return std::nullopt;
    if constexpr (std::is_same_v<merge_buffer, state>)
      return all;
    else
      return state(all.begin(), all.end());
  }
  /// Keeps the maximal versions of `s` (a newer write replacing what was held).
  static void keep_maximal_of(state& s) {
    if (s.size() > 1) s.resize(keep_maximal(s.begin(), s.end(), &versioned::version));
  }
  static arrival arrival_of(const state& incoming, const state& mine) {
    if (incoming.size() == 1 && mine.size() == 1) {  // the usual shape, one comparison for both questions
      const causal_order o = incoming.front().version.compare(mine.front().version);
      return o == causal_order::before || o == causal_order::equal ? arrival::known
             : o == causal_order::after                            ? arrival::newer
                                                                   : arrival::mixed;
    }
    if (covers(mine, incoming)) return arrival::known;
    return covers(incoming, mine, true) ? arrival::newer : arrival::mixed;
  }
  /// Whether every version in `b` is at or below one in `a` (`strictly`: below one), so that
  /// the maximal versions of both together are those of `a` (`strictly`: none of `b`'s).
  static bool covers(const state& a, const state& b, bool strictly = false) {
    for (const auto& y : b) {
      const bool found = std::any_of(a.begin(), a.end(), [&](const versioned& x) {
        const causal_order o = y.version.compare(x.version);
        return o == causal_order::before || (!strictly && o == causal_order::equal);
      });
      if (!found) return false;
    }
    return true;
  }
  static bool is_empty(const state& s) { return s.empty(); }
  static bool only_tombstones(const state& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](const versioned& v) { return v.tombstone; });
  }
  /// The values a read of `s` shows, sorted (a delete reads as nothing; `merge_with`: folded).
  static std::vector<value_type> live(const state& s) {
    std::vector<value_type> out;
    for (const auto& v : s)
      if (!v.tombstone) out.push_back(v.value);
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::vector<value_type> read(const state& s) {
    if constexpr (std::is_void_v<Fold>)
      return live(s);
    else
      return replica::detail::fold_siblings<Fold>(live(s));
  }
  static bool same_set(const state& a, const state& b) {
    if (a.size() != b.size()) return false;
    for (const auto& x : a)
      if (std::find(b.begin(), b.end(), x) == b.end()) return false;
    return true;
  }
  /// What the Merkle tree holds for a key: an order-independent hash of its versions (0: none).
  /// (Always inlined: every write to the store computes it, and GCC kept it a call; inlined, the
  /// fan-out request is about 1 ns faster, docs/benchmarks.md.)
  [[gnu::always_inline]] static std::uint64_t fingerprint(const state& vs) {
    if (vs.empty()) return 0;
    std::uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (const auto& v : vs) h += versions::hash(v.version) * 31 + value_hash(v.value) * 7 + (v.tombstone ? 1 : 0);
    return h == 0 ? 1 : h;
  }
  /// The maximal versions among the replies `replies[i]` with `answered[i]`; nothing if they
  /// cannot be one key's. (Every answered version by address, and only the maximal ones copied:
  /// gathering every reply's versions into one list first outgrew its two in-place slots, an
  /// allocation per read, as soon as three replicas answered.)
  template <std::size_t MaxTargets, class Replies, class Answered>
  static std::optional<state> resolve(const Replies& replies, const Answered& answered, std::size_t n) {
    boost::container::small_vector<const versioned*, 2 * MaxTargets> seen;
    for (std::size_t i = 0; i < n; ++i)
      if (answered[i])
        for (const versioned& v : replies[i]) seen.push_back(&v);
    boost::container::small_vector<std::size_t, 2 * MaxTargets> at(seen.size());
    const std::size_t k = maximal_positions(seen.begin(), seen.end(), at.begin(), [](const versioned* v) -> const version_type& { return v->version; });
    if (!fits(k)) return std::nullopt;
    state all;
    for (std::size_t j = 0; j < k; ++j) all.push_back(*seen[at[j]]);
    return all;
  }
  /// The causal context a read of `best` (key `k`) hands its client.
  static payload context(key_type k, const state& best) { return versions::encode_context<V>(k, versions_of(best)); }

  /// The version of a new write of `k` coordinated at `self`, after the client's `context`
  /// (empty: a blind write); `mine()`, what this replica holds for `k` (looked up only for a
  /// partially ordered type: a map lookup on every last-write-wins write cost the fan-out 8%);
  /// `clock`, every version the node has seen (totally ordered types). Changes nothing: under a
  /// totally ordered version the caller moves its clock past it once the write is accepted.
  /// Errors (a malformed context, one for another key) are returned.
  template <class Mine>
  static result<V> new_version(key_type k, const payload& context, const Mine& mine, const V& clock, replica_id self, local_time now) {
    if constexpr (V::totally_ordered) {
      if (context.empty()) return versions::next<V>(std::nullopt, std::span<const V>{}, clock, self, now);  // the usual blind write
      auto seen = versions::decode_context<V>(context, k);
      if (!seen) return seen.err();
      return versions::next<V>(*seen, std::span<const V>{}, clock, self, now);
    } else {
      auto seen = versions::decode_context<V>(context, k);
      if (!seen) return seen.err();
      static const state none{};
      const state* held = mine();
      return versions::next<V>(*seen, versions_of(held ? *held : none), clock, self, now);
    }
  }
  /// What a write (`kind`: write or remove) of `value` stores, into `out`: one version of the
  /// value after the client's context (made for `context_key`, the key's 32-bit id). An error
  /// (a bad context) changes nothing.
  template <class Mine>
  static status make_write(state& out, data_access kind, value_type value, key_type context_key, const payload& context, const Mine& mine,
                           const V& clock, replica_id self, local_time now) {
    auto version = new_version(context_key, context, mine, clock, self, now);
    if (!version) return version.err();
    out.clear();
    versioned& w = out.emplace_back();  // (written where it lies)
    w.version = std::move(*version);
    w.tombstone = kind == data_access::remove;
    w.value = w.tombstone ? value_type{} : std::move(value);
    return {};
  }
};

/// A data type per key (see the file comment).
template <class D>
struct data_strategy {
  static constexpr bool data_mode = true;
  static constexpr bool lww = false;
  using value_type = replica::value_type;  ///< what kv_data<D> reads as
  using state = D;

  static constexpr bool fits(std::size_t) noexcept { return true; }
  static std::optional<state> merged(const state& a, const state& b) { return join(a, b); }
  static void keep_maximal_of(state&) {}
  static arrival arrival_of(const state&, const state&) { return arrival::mixed; }
  static bool is_empty(const state& s) { return s == state{}; }
  static bool only_tombstones(const state&) { return false; }  // a CRDT's removes are its own
  static std::vector<value_type> live(const state& s) {
    std::vector<value_type> out;
    for (value_type v : kv_data<D>::read(s)) out.push_back(v);
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::vector<value_type> read(const state& s) { return live(s); }
  static bool same_set(const state& a, const state& b) { return a == b; }
  /// `kv_data<D>::fingerprint` if it has one, else a hash of what it reads as: states that read
  /// alike but differ inside (a PN-Counter's two halves) then look equal to anti-entropy, and
  /// converge through reads and writes only.
  [[gnu::always_inline]] static std::uint64_t fingerprint(const state& vs) {
    if (vs == state{}) return 0;
    std::uint64_t h = 0;
    if constexpr (requires { kv_data<D>::fingerprint(vs); }) {
      h = kv_data<D>::fingerprint(vs);
    } else {
      h = 0x9e3779b97f4a7c15ULL;
      for (value_type v : live(vs)) h = (h ^ static_cast<std::uint64_t>(v)) * 0x100000001b3ULL;
    }
    return h == 0 ? 1 : h;
  }
  template <std::size_t MaxTargets, class Replies, class Answered>
  static std::optional<state> resolve(const Replies& replies, const Answered& answered, std::size_t n) {
    state all;
    for (std::size_t i = 0; i < n; ++i)
      if (answered[i]) all.merge(replies[i]);
    return all;
  }
  static payload context(key_type k, const state& best) {
    if constexpr (requires { kv_data<D>::context(k, best); })
      return kv_data<D>::context(k, best);
    else
      return {};
  }
  /// The delta of `op`, made on a copy of this replica's state `mine()`, into `out`. An error (an
  /// operation the type has not, a bad context) changes nothing.
  template <class Mine, class Clock>
  static status make_write(state& out, const kv_op& op, const payload& context, const Mine& mine, const Clock&, replica_id self,
                           local_time now) {
    const state* held = mine();
    state scratch = held ? *held : state{};
    auto delta = kv_update<D>(scratch, op, update_info{self, now, op.key, &context});
    if (!delta) return delta.err();
    out = std::move(*delta);
    return {};
  }
};

}  // namespace replica::leaderless_detail
