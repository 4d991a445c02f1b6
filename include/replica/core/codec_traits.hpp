#pragma once
/// \file
/// What makes a type encodable: the one customisation point of the library's binary codec
/// (io/codec.hpp writes and reads; this header only says what can be written). Every message,
/// persist entry and snapshot of every node is encodable, and so must be a user's state
/// machine types (`command`, `query`, `result`, `snapshot_type`) and data types.
///
/// A type is encodable when it is one of:
/// - `bool`, an integer, a floating-point number, a scoped enumeration (as its underlying
///   integer), a `strong_id` (replica_id, term, ...);
/// - `std::string`, `replica::payload` (as bytes);
/// - `std::optional`, `std::variant`, `std::monostate`, `std::pair`, `std::tuple`, `std::array`
///   of encodable types;
/// - a sequence of encodable elements (`std::vector`, `boost::container::small_vector`,
///   `replica::fixed_vector`, anything with `push_back` or built from a `std::vector`), an
///   ordered map or set (`std::map`, `std::set`) of encodable keys and values (not unordered
///   ones: their order varies, and one value would have several encodings);
/// - a Boost.Hana `Struct` (`REPLICA_FIELDS` from core/fields.hpp, `BOOST_HANA_DEFINE_STRUCT`,
///   `BOOST_HANA_ADAPT_STRUCT`): its fields, in order. A described type with invariants says
///   so with `bool well_formed() const`: decoding refuses a value for which it is false, so a
///   message with an unsorted version vector never reaches a node;
/// - a type with a `codec_traits` specialisation (below), which takes precedence over all the
///   rules above.
///
///   template <>
///   struct replica::codec_traits<money> {  // a class whose state is not a list of fields
///     static void encode(auto& out, const money& m) { out.put(m.cents()); }
///     static bool decode(auto& in, money& m) {
///       std::int64_t c = 0;
///       if (!in.get(c)) return false;
///       if (c < 0) return in.fail("money: negative amount");
///       m = money::from_cents(c);
///       return true;
///     }
///   };
///
/// `out.put(x)` writes any encodable `x`, `out.put_bytes(span)` a length-prefixed run of bytes
/// (`in.get_bytes(span)` reads it back as a view), `out.put_length(n)` a 32-bit length (one over
/// 2^32 - 1 makes the value not encodable); `in.get(x)` reads one (false: the input is bad, stop
/// and return false); `in.fail(reason)` refuses the input with a reason (a string literal).
/// `encode` is called twice per value (once to size, once to write): keep it a pure function
/// of the value.

#include <replica/core/ids.hpp>
#include <replica/core/payload.hpp>

#include <boost/hana/concept/struct.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <optional>
#include <ranges>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace replica {

/// Specialise to encode a type yourself (see the file comment); the primary template says
/// "not specialised", and the codec then describes the type by the rules above.
template <class T>
struct codec_traits {
  using not_specialised = void;
};

namespace codec_detail {

template <class T>
concept customised = !requires { typename codec_traits<T>::not_specialised; };
/// A Boost.Hana Struct: its fields are known.
template <class T>
concept described = boost::hana::Struct<T>::value;

template <class T> struct is_strong_id : std::false_type {};
template <class Tag, class Rep> struct is_strong_id<strong_id<Tag, Rep>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_variant : std::false_type {};
template <class... Ts> struct is_variant<std::variant<Ts...>> : std::true_type {};
template <class T> struct is_tuple_like : std::false_type {};
template <class A, class B> struct is_tuple_like<std::pair<A, B>> : std::true_type {};
template <class... Ts> struct is_tuple_like<std::tuple<Ts...>> : std::true_type {};
template <class T> struct is_array : std::false_type {};
template <class T, std::size_t N> struct is_array<std::array<T, N>> : std::true_type {};
template <class T> struct is_string : std::false_type {};
template <class Tr, class A> struct is_string<std::basic_string<char, Tr, A>> : std::true_type {};

template <class T>
concept sized_range = std::ranges::sized_range<const T> && requires { typename T::value_type; };
/// Ordered maps and sets only: an unordered container's order would make the encoding of one
/// value vary (and not canonical), so it is not encodable.
template <class T>
concept map_like = sized_range<T> && requires { typename T::key_type; typename T::mapped_type; typename T::key_compare; };
template <class T>
concept set_like = sized_range<T> && !map_like<T> && requires(T& s, typename T::value_type v) {
  typename T::key_type;
  typename T::key_compare;
  s.insert(std::move(v));
};
template <class T>
concept sequence = sized_range<T> && !map_like<T> && !set_like<T> && std::default_initializable<T> &&
                   (requires(T& s, typename T::value_type v) { s.push_back(std::move(v)); } ||
                    std::constructible_from<T, std::vector<typename T::value_type>>);

/// How the codec writes a `T` (the first rule that applies, in this order).
enum class kind {
  custom, boolean, integer, floating, enumeration, id, bytes, optional, variant, monostate,
  tuple_like, array, described, map, set, sequence, none
};

template <class T>
consteval kind kind_of() {
  if constexpr (customised<T>) return kind::custom;
  else if constexpr (std::is_same_v<T, bool>) return kind::boolean;
  else if constexpr (std::is_integral_v<T>) return kind::integer;
  else if constexpr (std::is_floating_point_v<T>) return kind::floating;
  else if constexpr (std::is_enum_v<T>) return std::is_convertible_v<T, std::underlying_type_t<T>> ? kind::none : kind::enumeration;
  else if constexpr (is_strong_id<T>::value) return kind::id;
  else if constexpr (is_string<T>::value || std::is_same_v<T, payload>) return kind::bytes;
  else if constexpr (is_optional<T>::value) return kind::optional;
  else if constexpr (is_variant<T>::value) return kind::variant;
  else if constexpr (std::is_same_v<T, std::monostate>) return kind::monostate;
  else if constexpr (is_tuple_like<T>::value) return kind::tuple_like;
  else if constexpr (is_array<T>::value) return kind::array;
  else if constexpr (described<T>) return kind::described;
  else if constexpr (map_like<T>) return kind::map;
  else if constexpr (set_like<T>) return kind::set;
  else if constexpr (sequence<T>) return kind::sequence;
  else return kind::none;
}

/// Whether the parts of a `T` (elements, alternatives, fields of a tuple) are encodable.
template <class T>
consteval bool parts_encodable();

}  // namespace codec_detail

/// A type the codec can write and read (see the file comment). Checked one level deep through
/// containers; a described type's fields are checked where the codec is instantiated.
template <class T>
concept encodable = codec_detail::kind_of<std::remove_cv_t<T>>() != codec_detail::kind::none &&
                    codec_detail::parts_encodable<std::remove_cv_t<T>>();

namespace codec_detail {

template <class T>
struct all_encodable;
template <template <class...> class L, class... Ts>
struct all_encodable<L<Ts...>> : std::bool_constant<(encodable<Ts> && ...)> {};

template <class T>
consteval bool parts_encodable() {
  constexpr kind k = kind_of<T>();
  if constexpr (k == kind::optional || k == kind::sequence || k == kind::set)
    return encodable<typename T::value_type>;
  else if constexpr (k == kind::array)
    return encodable<typename T::value_type>;
  else if constexpr (k == kind::map)
    return encodable<typename T::key_type> && encodable<typename T::mapped_type>;
  else if constexpr (k == kind::variant || k == kind::tuple_like)
    return all_encodable<T>::value;
  else
    return true;
}

}  // namespace codec_detail
}  // namespace replica
