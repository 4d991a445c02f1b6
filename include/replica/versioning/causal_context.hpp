#pragma once
/// \file
/// The causal context a leaderless read returns and the write that follows it carries back
/// (Riak's vclock header, Dynamo's context): bytes, because a client stores it opaquely.
///
/// Layout (little-endian): 'C', a kind byte, the key (u32), then the body:
/// - kind 1, a version vector (the history of the siblings read): u32 count, then count pairs
///   of (u32 replica id, u64 counter), ids strictly increasing, counters above 0;
/// - kind 2, a hybrid-logical-clock stamp (the newest version read): i64 wall, u64 logical, u32 origin;
/// - kind 3, the dots of the siblings read (multi-leader MV registers): u32 count, then count
///   pairs of (u32 replica id, u64 counter), strictly increasing, counters above 0;
/// - kind 4, a causal history (the dotted version vectors of the siblings read, joined): the
///   version vector of its compact part as in kind 1, then the dots above it as in kind 3, each
///   above its replica's counter in the vector. Exact: a version vector alone would also cover
///   the gaps below those dots, events the reader never saw (see `encode_history`).
///
/// Decoding checks everything: a wrong magic, kind, length or order is `malformed`, a context
/// made for another key is `wrong_key`. The node's state does not change on either.

#include <replica/core/client.hpp>
#include <replica/core/payload.hpp>
#include <replica/core/result.hpp>
#include <replica/versioning/dot.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>
#include <replica/versioning/version_vector.hpp>

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace replica::causal_context {

namespace detail {
struct writer {
  std::vector<std::byte> out;
  template <class T>
  void put(T v) {
    for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<std::byte>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff));
  }
};
struct reader {
  std::span<const std::byte> in;
  std::size_t at = 0;
  template <class T>
  bool get(T& v) {
    if (in.size() - at < sizeof(T)) return false;
    std::uint64_t x = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) x |= static_cast<std::uint64_t>(in[at + i]) << (8 * i);
    at += sizeof(T);
    v = static_cast<T>(x);
    return true;
  }
  [[nodiscard]] bool done() const { return at == in.size(); }
};
inline constexpr std::uint8_t magic = 'C', kind_vv = 1, kind_hlc = 2, kind_dots = 3, kind_history = 4;

inline result<detail::reader> open(const payload& p, std::uint8_t kind, key_type key) {
  detail::reader r{p.bytes()};
  std::uint8_t m = 0, k = 0;
  key_type for_key = 0;
  if (!r.get(m) || !r.get(k) || !r.get(for_key) || m != magic) return error{errc::malformed, "not a causal context"};
  if (k != kind) return error{errc::malformed, "a causal context of another version type"};
  if (for_key != key) return error{errc::wrong_key, "the causal context belongs to another key"};
  return r;
}
}  // namespace detail

namespace detail {
inline void put_head(writer& w, std::uint8_t kind, key_type key) {
  w.put(magic);
  w.put(kind);
  w.put(key);
}
inline void put_vv(writer& w, const version_vector<>& vv) {
  w.put(static_cast<std::uint32_t>(vv.entries().size()));
  for (const auto& e : vv.entries()) {
    w.put(e.id.value());
    w.put(e.counter);
  }
}
inline void put_dots(writer& w, std::span<const dot> dots) {
  w.put(static_cast<std::uint32_t>(dots.size()));
  for (const dot& d : dots) {
    w.put(d.id.value());
    w.put(d.counter);
  }
}
}  // namespace detail

inline payload encode(key_type key, const version_vector<>& vv) {
  detail::writer w;
  detail::put_head(w, detail::kind_vv, key);
  detail::put_vv(w, vv);
  return payload::copy_of(w.out);
}

/// A causal history with gaps: the compact part `vv` and the dots `above` it (sorted, each above
/// its replica's counter in `vv`). What a reader of dotted version vectors must hand back: a
/// write whose context claimed a gap would supersede the sibling whose dot lies in it, a write
/// acknowledged to another client that this one never read.
inline payload encode_history(key_type key, const version_vector<>& vv, std::span<const dot> above) {
  detail::writer w;
  detail::put_head(w, detail::kind_history, key);
  detail::put_vv(w, vv);
  detail::put_dots(w, above);
  return payload::copy_of(w.out);
}

inline payload encode(key_type key, const hybrid_logical_clock& h) {
  detail::writer w;
  w.put(detail::magic);
  w.put(detail::kind_hlc);
  w.put(key);
  w.put(h.wall());
  w.put(h.logical());
  w.put(h.origin().value());
  return payload::copy_of(w.out);
}

inline payload encode_dots(key_type key, std::span<const dot> dots) {
  detail::writer w;
  detail::put_head(w, detail::kind_dots, key);
  detail::put_dots(w, dots);
  return payload::copy_of(w.out);
}

namespace detail {
inline result<std::vector<dot>> get_dots(reader& r) {
  std::uint32_t count = 0;
  if (!r.get(count) || count > 4096) return error{errc::malformed, "bad dot count"};
  std::vector<dot> out;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t id = 0;
    std::uint64_t counter = 0;
    if (!r.get(id) || !r.get(counter)) return error{errc::malformed, "truncated dot list"};
    const dot d{replica_id{id}, counter};
    if (counter == 0 || (!out.empty() && !(out.back() < d))) return error{errc::malformed, "dots out of order or zero"};
    out.push_back(d);
  }
  return out;
}
inline result<version_vector<>> get_vv(reader& r) {
  std::uint32_t count = 0;
  if (!r.get(count) || count > 1024) return error{errc::malformed, "bad version vector length"};
  version_vector<> vv;
  std::uint32_t prev = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t id = 0;
    std::uint64_t counter = 0;
    if (!r.get(id) || !r.get(counter)) return error{errc::malformed, "truncated version vector"};
    if ((i > 0 && id <= prev) || counter == 0) return error{errc::malformed, "version vector entries out of order or zero"};
    prev = id;
    vv.raise(replica_id{id}, counter);
  }
  return vv;
}
}  // namespace detail

/// The dots in `p` (sorted), made for `key`.
inline result<std::vector<dot>> decode_dots(const payload& p, key_type key) {
  auto r = detail::open(p, detail::kind_dots, key);
  if (!r) return r.err();
  auto out = detail::get_dots(*r);
  if (!out) return out.err();
  if (!r->done()) return error{errc::malformed, "trailing bytes after the dots"};
  return out;
}

/// The version vector in `p`, made for `key`.
inline result<version_vector<>> decode_vv(const payload& p, key_type key) {
  auto r = detail::open(p, detail::kind_vv, key);
  if (!r) return r.err();
  auto vv = detail::get_vv(*r);
  if (!vv) return vv.err();
  if (!r->done()) return error{errc::malformed, "trailing bytes after the version vector"};
  return vv;
}

/// A causal history: its compact part and the dots above it.
struct history {
  version_vector<> vv;
  std::vector<dot> above;
};
/// The causal history in `p` (`encode_history`), made for `key`.
inline result<history> decode_history(const payload& p, key_type key) {
  auto r = detail::open(p, detail::kind_history, key);
  if (!r) return r.err();
  auto vv = detail::get_vv(*r);
  if (!vv) return vv.err();
  auto above = detail::get_dots(*r);
  if (!above) return above.err();
  for (const dot& d : *above)
    if (d.counter <= vv->counter(d.id) + 1) return error{errc::malformed, "a dot of the history is not above a gap in its version vector"};
  if (!r->done()) return error{errc::malformed, "trailing bytes after the history"};
  return history{std::move(*vv), std::move(*above)};
}

/// The hybrid-logical-clock stamp in `p`, made for `key`.
inline result<hybrid_logical_clock> decode_hlc(const payload& p, key_type key) {
  auto r = detail::open(p, detail::kind_hlc, key);
  if (!r) return r.err();
  std::int64_t wall = 0;
  std::uint64_t logical = 0;
  std::uint32_t origin = 0;
  if (!r->get(wall) || !r->get(logical) || !r->get(origin) || !r->done()) return error{errc::malformed, "bad clock stamp"};
  return hybrid_logical_clock{wall, logical, replica_id{origin}};
}

}  // namespace replica::causal_context
