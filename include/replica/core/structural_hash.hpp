#pragma once
/// \file
/// A 64-bit hash of any encodable value, by its structure: the same walk over fields,
/// elements and alternatives that the codec makes (core/codec_traits.hpp), each scalar mixed in
/// as it is met. Equal values hash alike (the walk is canonical, as the encoding is); values
/// that differ anywhere almost surely do not. What a leaderless node uses to fingerprint a
/// version type that gives no hash of its own (versioning/version_traits.hpp): describe the
/// type with `REPLICA_FIELDS` and anti-entropy sees every difference in it.
///
/// Not a cryptographic hash, and not stable across releases: for in-memory comparison and
/// messages between nodes of one build only.

#include <replica/core/codec_traits.hpp>
#include <replica/core/hash.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/second.hpp>

#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <variant>

namespace replica {

namespace hash_detail {

/// The running state: each scalar is mixed in after the previous ones (order matters).
struct hasher {
  std::uint64_t h = 0x84222325cbf29ce4ULL;
  constexpr void mix(std::uint64_t x) noexcept { h = mix64(h ^ x) + 0x9e3779b97f4a7c15ULL; }

  template <class T>
  void put(const T& v) {
    using U = std::remove_cvref_t<T>;
    constexpr codec_detail::kind k = codec_detail::kind_of<U>();
    using codec_detail::kind;
    if constexpr (k == kind::custom) {
      codec_traits<U>::encode(*this, v);  // what the codec writes, hashed as it is written
    } else if constexpr (k == kind::boolean) {
      mix(v ? 1 : 0);
    } else if constexpr (k == kind::integer) {
      mix(static_cast<std::uint64_t>(v));
    } else if constexpr (k == kind::floating) {
      double d = static_cast<double>(v);
      std::uint64_t bits = 0;
      std::memcpy(&bits, &d, sizeof bits);
      mix(bits);
    } else if constexpr (k == kind::enumeration) {
      mix(static_cast<std::uint64_t>(static_cast<std::underlying_type_t<U>>(v)));
    } else if constexpr (k == kind::id) {
      mix(static_cast<std::uint64_t>(v.value()));
    } else if constexpr (k == kind::bytes) {
      const auto* p = reinterpret_cast<const unsigned char*>(v.data());
      mix(v.size());
      for (std::size_t i = 0; i < v.size(); ++i) mix(p[i]);
    } else if constexpr (k == kind::optional) {
      mix(v.has_value() ? 1 : 0);
      if (v) put(*v);
    } else if constexpr (k == kind::variant) {
      mix(v.index());
      std::visit([this](const auto& alt) { put(alt); }, v);
    } else if constexpr (k == kind::monostate) {
      mix(0);
    } else if constexpr (k == kind::tuple_like) {
      std::apply([this](const auto&... parts) { (put(parts), ...); }, v);
    } else if constexpr (k == kind::described) {
      boost::hana::for_each(boost::hana::accessors<U>(), [&](auto p) { put(boost::hana::second(p)(v)); });
    } else if constexpr (k == kind::array || k == kind::map || k == kind::set || k == kind::sequence) {
      mix(static_cast<std::uint64_t>(std::ranges::size(v)));
      for (const auto& e : v) put(e);
    } else {
      static_assert(k != kind::none, "replica::structural_hash: the type is not encodable (core/codec_traits.hpp)");
    }
  }
};

}  // namespace hash_detail

/// A hash of `v` over its whole structure (see the file comment).
template <encodable T>
[[nodiscard]] std::uint64_t structural_hash(const T& v) {
  hash_detail::hasher h;
  h.put(v);
  return h.h;
}

/// A 64-bit hash of a key or value in a digest or fingerprint: an integer itself (what the
/// integer registers' digests were always made of), anything else by its structure.
template <encodable T>
[[nodiscard]] std::uint64_t value_hash(const T& v) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<std::uint64_t>(v);
  else
    return structural_hash(v);
}

}  // namespace replica
