#pragma once
/// \file
/// The binary codec: one encoding for every encodable type (core/codec_traits.hpp says which),
/// written once, generic over the types: every message, persist entry and snapshot of every
/// node, and the user's own types. docs/storage.md describes the format.
///
///   std::vector<std::byte> bytes = replica::io::encode(message);
///   replica::result<message_type> back = replica::io::decode<message_type>(bytes);
///
/// The format: little-endian fixed-width integers (bool and enums as their width: bool 1 byte,
/// 0 or 1), floating point as its IEEE bits, lengths as u32 followed by the elements, an
/// optional as a u8 (0 or 1) and the value, a variant as its index (u8, or u16 beyond 255
/// alternatives) and the alternative, a described type as its fields in order, nothing else:
/// no tags, no padding. The encoding is canonical: decoding a byte string and encoding the value
/// gives the same bytes back (tests/io/codec.cpp checks it on arbitrary input).
///
/// A frame (`encode_frame`) is an 8-byte header, [u32 body length][u16 format version][u16 0],
/// then the body: what a transport sends and a reader checks before trusting a length.
///
/// Decoding never trusts its input: any byte string gives a value or an error (what was wrong,
/// at which byte, in which field), never a crash, an over-read or an allocation out of
/// proportion to the input (a declared count is checked against the bytes left and
/// `codec_limits` before anything is reserved).

#include <replica/core/codec_traits.hpp>
#include <replica/core/payload.hpp>
#include <replica/core/result.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/string.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace replica::io {

/// The format this codec writes and the only one it reads (in every frame's header).
inline constexpr std::uint16_t format_version = 2;
/// Bytes of a frame's header.
inline constexpr std::size_t frame_header_bytes = 8;

/// Bounds on what a decoder accepts (and an encoder writes as a frame).
struct codec_limits {
  std::uint32_t max_frame_bytes = 64u << 20;  ///< a frame's body (64 MiB)
  std::uint32_t max_elements = 1u << 20;      ///< elements of one container
  std::uint32_t max_depth = 64;               ///< nesting of containers, optionals, variants and structs
};

/// Why a decode failed: a code, a reason (a string literal), the byte offset where it was
/// found, and the path of fields and elements to it ("entries[2].op.kind").
struct decode_error {
  errc code = errc::malformed;
  std::string_view reason;
  std::size_t offset = 0;
  std::string path;
  [[nodiscard]] std::string message() const {
    std::string s = "decode: ";
    s += reason;
    s += " at byte " + std::to_string(offset);
    if (!path.empty()) s += " (in " + path + ")";
    return s;
  }
};

namespace codec_impl {

using codec_detail::kind;
using codec_detail::kind_of;

template <class T>
using bare = std::remove_cvref_t<T>;

/// The least number of bytes any value of `T` encodes to (a declared count of `T`s must fit in
/// what is left of the input). 0 when unknown (a custom encoding) or truly 0 (an empty struct).
template <class T>
consteval std::size_t min_bytes();

template <class Tuple, std::size_t... I>
consteval std::size_t sum_min_bytes(std::index_sequence<I...>) {
  return (std::size_t{0} + ... + min_bytes<std::tuple_element_t<I, Tuple>>());
}

template <class T>
consteval std::size_t min_bytes() {
  constexpr kind k = kind_of<T>();
  if constexpr (k == kind::boolean || k == kind::integer || k == kind::floating || k == kind::enumeration) {
    return sizeof(T);
  } else if constexpr (k == kind::id) {
    return sizeof(typename T::rep);
  } else if constexpr (k == kind::bytes || k == kind::map || k == kind::set || k == kind::sequence) {
    return 4;
  } else if constexpr (k == kind::optional || k == kind::variant) {
    return 1;
  } else if constexpr (k == kind::tuple_like) {
    return sum_min_bytes<T>(std::make_index_sequence<std::tuple_size_v<T>>{});
  } else if constexpr (k == kind::array) {
    return std::tuple_size_v<T> * min_bytes<typename T::value_type>();
  } else if constexpr (k == kind::described) {
    std::size_t n = 0;
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto p) {
      n += min_bytes<bare<decltype(boost::hana::second(p)(std::declval<T&>()))>>();
    });
    return n;
  } else {
    return 0;
  }
}

/// Whether `T` is an integer or float whose bytes, on this (little-endian) machine, are its
/// encoding: a run of them is copied at once.
template <class T>
inline constexpr bool raw_scalar = std::endian::native == std::endian::little &&
                                   (kind_of<T>() == kind::integer || kind_of<T>() == kind::floating) && !std::is_same_v<T, bool>;

template <class U>
U to_little(U v) noexcept {
  if constexpr (std::endian::native == std::endian::big && sizeof(U) > 1) {
    U r = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) r = static_cast<U>((r << 8) | ((v >> (8 * i)) & 0xff));
    return r;
  } else {
    return v;
  }
}

/// The unsigned integer of a scalar's width.
template <class T>
using bits_of = std::conditional_t<sizeof(T) == 1, std::uint8_t,
                std::conditional_t<sizeof(T) == 2, std::uint16_t, std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;

template <class T>
auto scalar_bits(T v) noexcept {
  if constexpr (std::is_enum_v<T>)
    return static_cast<bits_of<T>>(static_cast<std::underlying_type_t<T>>(v));
  else if constexpr (std::is_same_v<T, bool>)
    return static_cast<std::uint8_t>(v ? 1 : 0);
  else
    return std::bit_cast<bits_of<T>>(v);
}

/// Writes values by the rules of core/codec_traits.hpp. `Sink` either counts bytes (a first
/// pass, so that the buffer grows once) or copies them.
template <class Sink>
class writer {
 public:
  explicit writer(Sink& s) noexcept : sink_{s} {}

  template <class T>
  void put(const T& v) {
    using U = bare<T>;
    constexpr kind k = kind_of<U>();
    static_assert(k != kind::none,
                  "replica::io: this type is not encodable. Describe its fields with REPLICA_FIELDS(...) "
                  "(core/fields.hpp) or a Boost.Hana macro, or specialise replica::codec_traits<T> "
                  "(core/codec_traits.hpp lists what the codec writes by itself)");
    if constexpr (k == kind::custom) {
      codec_traits<U>::encode(*this, v);
    } else if constexpr (k == kind::boolean || k == kind::integer || k == kind::floating || k == kind::enumeration) {
      const auto b = to_little(scalar_bits(v));
      sink_.write(&b, sizeof b);
    } else if constexpr (k == kind::id) {
      put(v.value());
    } else if constexpr (k == kind::bytes) {
      if constexpr (std::is_same_v<U, payload>)
        put_bytes(v.bytes());
      else
        put_bytes(std::as_bytes(std::span{v.data(), v.size()}));
    } else if constexpr (k == kind::optional) {
      put(v.has_value());
      if (v) put(*v);
    } else if constexpr (k == kind::variant) {
      if constexpr (std::variant_size_v<U> <= 255)
        put(static_cast<std::uint8_t>(v.index()));
      else
        put(static_cast<std::uint16_t>(v.index()));
      std::visit([&](const auto& alt) { put(alt); }, v);
    } else if constexpr (k == kind::monostate) {
    } else if constexpr (k == kind::tuple_like) {
      std::apply([&](const auto&... xs) { (put(xs), ...); }, v);
    } else if constexpr (k == kind::array) {
      put_elements(v);
    } else if constexpr (k == kind::described) {
      boost::hana::for_each(boost::hana::accessors<U>(), [&](auto p) { put(boost::hana::second(p)(v)); });
    } else if constexpr (k == kind::map) {
      put_length(v.size());
      for (const auto& [key, value] : v) {
        put(key);
        put(value);
      }
    } else {  // set, sequence
      put_length(std::ranges::size(v));
      put_elements(v);
    }
  }

  /// A length-prefixed run of bytes.
  void put_bytes(std::span<const std::byte> b) {
    put_length(b.size());
    if (!b.empty()) sink_.write(b.data(), b.size());
  }
  /// A length or a count (32 bits; a larger one makes the value not encodable).
  void put_length(std::size_t n) {
    if (n > std::numeric_limits<std::uint32_t>::max()) sink_.too_long();
    put(static_cast<std::uint32_t>(n));
  }

 private:
  template <class R>
  void put_elements(const R& r) {
    using E = bare<decltype(*std::ranges::begin(r))>;
    if constexpr (raw_scalar<E> && std::ranges::contiguous_range<const R>) {
      if (std::ranges::size(r) > 0) sink_.write(std::ranges::data(r), std::ranges::size(r) * sizeof(E));
    } else {
      for (const auto& e : r) put(e);
    }
  }

  Sink& sink_;
};

/// Counts the bytes a value encodes to.
struct counting_sink {
  std::size_t bytes = 0;
  bool overflow = false;  ///< a length over 2^32 - 1: not encodable
  void write(const void*, std::size_t n) noexcept { bytes += n; }
  void too_long() noexcept { overflow = true; }
};
/// Copies into a buffer sized by a counting pass.
struct copying_sink {
  std::byte* at;
  void write(const void* src, std::size_t n) noexcept {
    std::memcpy(at, src, n);
    at += n;
  }
  void too_long() noexcept {}
};

}  // namespace codec_impl

/// Reads values by the rules of core/codec_traits.hpp from a byte string it never trusts.
/// `get(x)` returns false once the input is found bad; `error()` then says why.
class decoder {
 public:
  explicit decoder(std::span<const std::byte> in, const codec_limits& limits = {}) noexcept
      : in_{in}, limits_{limits} {}

  template <class T>
  bool get(T& v) {
    using codec_impl::kind;
    constexpr kind k = codec_detail::kind_of<T>();
    static_assert(k != kind::none,
                  "replica::io: this type is not decodable. Describe its fields with REPLICA_FIELDS(...) "
                  "(core/fields.hpp) or a Boost.Hana macro, or specialise replica::codec_traits<T>");
    if constexpr (k == kind::custom) {
      return codec_traits<T>::decode(*this, v);
    } else if constexpr (k == kind::boolean) {
      std::uint8_t b = 0;
      if (!take(&b, 1)) return false;
      if (b > 1) return fail_at(pos_ - 1, "bool not 0 or 1");
      v = b == 1;
      return true;
    } else if constexpr (k == kind::integer || k == kind::floating || k == kind::enumeration) {
      codec_impl::bits_of<T> b{};
      if (!take(&b, sizeof b)) return false;
      b = codec_impl::to_little(b);
      if constexpr (k == kind::enumeration)
        v = static_cast<T>(static_cast<std::underlying_type_t<T>>(b));
      else
        v = std::bit_cast<T>(b);
      return true;
    } else if constexpr (k == kind::id) {
      typename T::rep r{};
      if (!get(r)) return false;
      v = T{r};
      return true;
    } else if constexpr (k == kind::bytes) {
      std::span<const std::byte> b;
      if (!get_bytes(b)) return false;
      if constexpr (std::is_same_v<T, payload>)
        v = payload::copy_of(b);
      else
        v.assign(reinterpret_cast<const char*>(b.data()), b.size());
      return true;
    } else if constexpr (k == kind::optional) {
      std::uint8_t has = 0;
      if (!take(&has, 1)) return false;
      if (has > 1) return fail_at(pos_ - 1, "optional flag not 0 or 1");
      if (has == 0) {
        v.reset();
        return true;
      }
      return nested([&] { return get(v.emplace()); });
    } else if constexpr (k == kind::variant) {
      std::size_t index = 0;
      if constexpr (std::variant_size_v<T> <= 255) {
        std::uint8_t i = 0;
        if (!get(i)) return false;
        index = i;
      } else {
        std::uint16_t i = 0;
        if (!get(i)) return false;
        index = i;
      }
      if (index >= std::variant_size_v<T>) return fail_at(pos_ - 1, "variant index out of range");
      return nested([&] { return get_alternative(v, index, std::make_index_sequence<std::variant_size_v<T>>{}); });
    } else if constexpr (k == kind::monostate) {
      return true;
    } else if constexpr (k == kind::tuple_like) {
      return nested([&] { return std::apply([&](auto&... xs) { return (get(xs) && ...); }, v); });
    } else if constexpr (k == kind::array) {
      return nested([&] { return get_elements(v.data(), v.size()); });
    } else if constexpr (k == kind::described) {
      return nested([&] { return get_fields(v); });
    } else if constexpr (k == kind::map || k == kind::set) {
      return nested([&] { return get_associative(v); });
    } else {
      return nested([&] { return get_sequence(v); });
    }
  }

  /// A length-prefixed run of bytes, as a view into the input (valid as long as it is).
  bool get_bytes(std::span<const std::byte>& out) {
    std::uint32_t n = 0;
    if (!get(n)) return false;
    if (n > remaining()) return fail_at(pos_ - 4, "length beyond the end of the input");
    out = in_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

  /// Refuses the input: `reason` must be a string literal. Returns false.
  bool fail(std::string_view reason, errc code = errc::malformed) { return fail_at(pos_, reason, code); }

  [[nodiscard]] bool ok() const noexcept { return !failed_; }
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return in_.size() - pos_; }
  [[nodiscard]] const decode_error& error() const noexcept { return error_; }
  [[nodiscard]] const codec_limits& limits() const noexcept { return limits_; }

 private:
  bool fail_at(std::size_t offset, std::string_view reason, errc code = errc::malformed) {
    if (!failed_) {
      failed_ = true;
      error_.code = code;
      error_.reason = reason;
      error_.offset = offset;
    }
    return false;
  }
  bool take(void* dst, std::size_t n) {
    if (failed_) return false;
    if (n > remaining()) return fail_at(pos_, "input ends inside a value");
    if (n == 0) return true;  // (an empty run: dst may be the null data() of an empty vector)
    std::memcpy(dst, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  /// Runs `f` one level deeper, refusing input nested beyond the limit.
  template <class F>
  bool nested(F&& f) {
    if (depth_ >= limits_.max_depth) return fail("nested deeper than codec_limits::max_depth", errc::out_of_range);
    ++depth_;
    const bool r = f();
    --depth_;
    return r;
  }
  /// Notes where a failure happened, on the way out (nothing is done on success).
  bool in_field(std::string_view name) { return in_path(std::string{name}); }
  bool in_element(std::size_t i) {
    std::string part(1, '[');  // (appended, not "[" + ...: GCC 12 -O2 warns -Wrestrict on that)
    part += std::to_string(i);
    part += ']';
    return in_path(std::move(part));
  }
  bool in_path(std::string part) {
    if (!error_.path.empty() && error_.path.front() != '[') part += '.';
    error_.path.insert(0, part);
    return false;
  }

  template <class V, std::size_t... I>
  bool get_alternative(V& v, std::size_t index, std::index_sequence<I...>) {
    bool r = false;
    (void)((index == I ? (r = get(v.template emplace<I>()), true) : false) || ...);
    return r;
  }

  template <class T>
  bool get_fields(T& v) {
    bool good = true;
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto p) {
      if (good && !get(boost::hana::second(p)(v))) good = in_field(boost::hana::to<const char*>(boost::hana::first(p)));
    });
    if (!good) return false;
    if constexpr (requires { { v.well_formed() } -> std::convertible_to<bool>; }) {
      if (!v.well_formed()) return fail("a value whose invariants do not hold (well_formed() is false)");
    }
    return true;
  }

  /// Reads a count of `E`s, checked against the limit and the bytes left.
  template <class E>
  bool get_count(std::uint32_t& n) {
    if (!get(n)) return false;
    if (n > limits_.max_elements) return fail_at(pos_ - 4, "more elements than codec_limits::max_elements", errc::out_of_range);
    constexpr std::size_t least = codec_impl::min_bytes<E>();
    if (least > 0 && n > remaining() / least) return fail_at(pos_ - 4, "more elements than the input can hold");
    return true;
  }

  template <class E>
  bool get_elements(E* out, std::size_t n) {
    if constexpr (codec_impl::raw_scalar<E>) {
      return take(out, n * sizeof(E));
    } else {
      for (std::size_t i = 0; i < n; ++i)
        if (!get(out[i])) return in_element(i);
      return true;
    }
  }

  template <class T>
  bool get_sequence(T& v) {
    using E = typename T::value_type;
    std::uint32_t n = 0;
    if (!get_count<E>(n)) return false;
    if constexpr (requires { T::capacity(); }) {
      if (n > T::capacity()) return fail_at(pos_ - 4, "more elements than the container's fixed capacity", errc::out_of_range);
    }
    // Sized up front only when every element takes at least a byte of the input (so the
    // count was checked against what is left); otherwise grown as elements actually decode.
    constexpr bool presize = codec_impl::min_bytes<E>() > 0;
    if constexpr (requires(T& s) { s.push_back(std::declval<E>()); }) {
      v.clear();
      if constexpr (presize && requires { v.resize(std::size_t{}); } && std::ranges::contiguous_range<T>) {
        v.resize(n);
        return get_elements(std::ranges::data(v), n);
      } else {
        if constexpr (presize && requires { v.reserve(std::size_t{}); }) v.reserve(n);
        for (std::uint32_t i = 0; i < n; ++i) {
          E e{};
          if (!get(e)) return in_element(i);
          v.push_back(std::move(e));
        }
        return true;
      }
    } else {
      std::vector<E> items;
      if constexpr (presize) {
        items.resize(n);
        if (!get_elements(items.data(), n)) return false;
      } else {
        for (std::uint32_t i = 0; i < n; ++i) {
          E e{};
          if (!get(e)) return in_element(i);
          items.push_back(std::move(e));
        }
      }
      v = T(std::move(items));
      return true;
    }
  }

  /// A map or a set: keys strictly in the container's order (as they were written), so that
  /// no two decode to one and the encoding stays canonical.
  template <class T>
  bool get_associative(T& v) {
    using K = typename T::key_type;
    constexpr bool is_map = codec_detail::kind_of<T>() == codec_impl::kind::map;
    using E = typename decltype([] {
      if constexpr (is_map)
        return std::type_identity<std::pair<K, typename T::mapped_type>>{};
      else
        return std::type_identity<K>{};
    }())::type;
    std::uint32_t n = 0;
    if (!get_count<E>(n)) return false;
    v.clear();
    for (std::uint32_t i = 0; i < n; ++i) {
      E e{};
      if (!get(e)) return in_element(i);
      const K& key = [&]() -> const K& {
        if constexpr (is_map) return e.first; else return e;
      }();
      if (!v.empty() && !v.key_comp()(*key_of(std::prev(v.end())), key)) {
        fail("keys not in strictly increasing order");
        return in_element(i);
      }
      v.emplace_hint(v.end(), std::move(e));
    }
    return true;
  }
  template <class It>
  static auto key_of(It it) {
    if constexpr (requires { it->first; }) return &it->first; else return &*it;
  }

  std::span<const std::byte> in_;
  codec_limits limits_;
  std::size_t pos_ = 0;
  std::uint32_t depth_ = 0;
  bool failed_ = false;
  decode_error error_{};
};

/// The number of bytes `v` encodes to; nothing when a container holds 2^32 elements or more
/// (not encodable).
template <encodable T>
std::optional<std::size_t> encoded_size(const T& v) {
  codec_impl::counting_sink count;
  codec_impl::writer<codec_impl::counting_sink>{count}.put(v);
  if (count.overflow) return std::nullopt;
  return count.bytes;
}
/// Writes the bytes `v` encodes to at `out`, which has room for `*encoded_size(v)` of them
/// (for a caller that owns its buffer: the write-ahead log encodes into space it did not
/// zero-fill).
template <encodable T>
void encode_into(const T& v, std::byte* out) {
  codec_impl::copying_sink copy{out};
  codec_impl::writer<codec_impl::copying_sink>{copy}.put(v);
}

/// The bytes `v` encodes to, appended to `out`. Returns false (and appends nothing) when a
/// container holds 2^32 elements or more.
template <encodable T>
bool encode_to(const T& v, std::vector<std::byte>& out) {
  const auto n = encoded_size(v);
  if (!n) return false;
  const std::size_t at = out.size();
  out.resize(at + *n);
  encode_into(v, out.data() + at);
  return true;
}

/// The bytes `v` encodes to (see `encode_to`; empty when not encodable).
template <encodable T>
std::vector<std::byte> encode(const T& v) {
  std::vector<std::byte> out;
  if (!encode_to(v, out)) out.clear();
  return out;
}

/// Decodes a whole byte string as one `T`: trailing bytes are an error. `why`, if given, gets
/// the details of a failure.
template <encodable T>
result<T> decode(std::span<const std::byte> bytes, const codec_limits& limits = {}, decode_error* why = nullptr) {
  decoder in{bytes, limits};
  T v{};
  if (in.get(v) && in.remaining() != 0) in.fail("bytes left after the value");
  if (!in.ok()) {
    if (why) *why = in.error();
    return error{in.error().code, "decode: malformed input"};
  }
  return v;
}

/// Writes a frame's header (`frame_header_bytes` at `at`) for a body of `body` bytes.
inline void write_frame_header(std::byte* at, std::uint32_t body) noexcept {
  const auto len = codec_impl::to_little(body);
  const auto ver = codec_impl::to_little(format_version);
  const std::uint16_t zero = 0;
  std::memcpy(at, &len, 4);
  std::memcpy(at + 4, &ver, 2);
  std::memcpy(at + 6, &zero, 2);
}

/// Appends a frame (header, then `v`'s bytes) to `out`. Refuses, appending nothing, a value
/// whose body would exceed `limits.max_frame_bytes`.
template <encodable T>
status encode_frame(const T& v, std::vector<std::byte>& out, const codec_limits& limits = {}) {
  const std::size_t at = out.size();
  out.resize(at + frame_header_bytes);
  if (!encode_to(v, out) || out.size() - at - frame_header_bytes > limits.max_frame_bytes) {
    out.resize(at);
    return error{errc::out_of_range, "encode_frame: body larger than codec_limits::max_frame_bytes"};
  }
  write_frame_header(out.data() + at, static_cast<std::uint32_t>(out.size() - at - frame_header_bytes));
  return {};
}

/// A frame's body length, from its first `frame_header_bytes` bytes: what a stream reader
/// waits for. An error for another format version, a nonzero reserved field, or a body over
/// the limit.
inline result<std::size_t> frame_body_bytes(std::span<const std::byte> header, const codec_limits& limits = {}) {
  if (header.size() < frame_header_bytes) return error{errc::malformed, "frame: header shorter than 8 bytes"};
  std::uint32_t len = 0;
  std::uint16_t ver = 0;
  std::uint16_t reserved = 0;
  std::memcpy(&len, header.data(), 4);
  std::memcpy(&ver, header.data() + 4, 2);
  std::memcpy(&reserved, header.data() + 6, 2);
  if (codec_impl::to_little(ver) != format_version) return error{errc::unsupported, "frame: unknown format version"};
  if (reserved != 0) return error{errc::malformed, "frame: reserved header bytes not zero"};
  if (codec_impl::to_little(len) > limits.max_frame_bytes) return error{errc::out_of_range, "frame: body larger than codec_limits::max_frame_bytes"};
  return static_cast<std::size_t>(codec_impl::to_little(len));
}

/// Decodes one whole frame (header and body, nothing after it) as a `T`.
template <encodable T>
result<T> decode_frame(std::span<const std::byte> frame, const codec_limits& limits = {}, decode_error* why = nullptr) {
  auto body = frame_body_bytes(frame, limits);
  if (!body) {
    if (why) *why = decode_error{body.code(), body.err().detail, 0, {}};
    return body.err();
  }
  if (frame.size() - frame_header_bytes != *body) {
    if (why) *why = decode_error{errc::malformed, "frame: length does not match the bytes given", 0, {}};
    return error{errc::malformed, "frame: length does not match the bytes given"};
  }
  return decode<T>(frame.subspan(frame_header_bytes), limits, why);
}

}  // namespace replica::io
