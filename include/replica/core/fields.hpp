#pragma once
/// \file
/// `REPLICA_FIELDS(a, b, c)`: describes a type's fields, in order, as a Boost.Hana `Struct`, so
/// that the codec (io/codec.hpp) can write and read it. Written inside the type's body, in a
/// public section, after the fields; it declares no member and changes no access:
///
///   struct transfer {
///     std::string from, to;
///     std::int64_t amount = 0;
///     REPLICA_FIELDS(from, to, amount);
///   };
///
/// Unlike `BOOST_HANA_DEFINE_STRUCT` it keeps the members as written (default initializers,
/// private members, nested class templates), and unlike `BOOST_HANA_ADAPT_STRUCT` it works on
/// a nested type of a template. A type with no field writes `REPLICA_FIELDS()`. Hana's own two
/// macros work as well: the codec reads any Hana `Struct`. It does what Hana's
/// `BOOST_HANA_DEFINE_STRUCT` does: a nested `hana_accessors_impl` whose `apply()` gives the
/// (name, accessor) pairs.

#include <boost/hana/pair.hpp>
#include <boost/hana/string.hpp>
#include <boost/hana/tuple.hpp>

// A comma-separated map of `macro` over the arguments (up to 256), C++20 __VA_OPT__ recursion.
#define REPLICA_PP_PARENS ()
#define REPLICA_PP_EXPAND(...) REPLICA_PP_EXPAND3(REPLICA_PP_EXPAND3(REPLICA_PP_EXPAND3(REPLICA_PP_EXPAND3(__VA_ARGS__))))
#define REPLICA_PP_EXPAND3(...) REPLICA_PP_EXPAND2(REPLICA_PP_EXPAND2(REPLICA_PP_EXPAND2(REPLICA_PP_EXPAND2(__VA_ARGS__))))
#define REPLICA_PP_EXPAND2(...) REPLICA_PP_EXPAND1(REPLICA_PP_EXPAND1(REPLICA_PP_EXPAND1(REPLICA_PP_EXPAND1(__VA_ARGS__))))
#define REPLICA_PP_EXPAND1(...) __VA_ARGS__
#define REPLICA_PP_MAP(macro, ...) __VA_OPT__(REPLICA_PP_EXPAND(REPLICA_PP_MAP_STEP(macro, __VA_ARGS__)))
#define REPLICA_PP_MAP_STEP(macro, a, ...) macro(a) __VA_OPT__(, REPLICA_PP_MAP_AGAIN REPLICA_PP_PARENS(macro, __VA_ARGS__))
#define REPLICA_PP_MAP_AGAIN() REPLICA_PP_MAP_STEP

#define REPLICA_FIELD_(m)                                                        \
  ::boost::hana::make_pair(BOOST_HANA_STRING(#m), [](auto&& s) noexcept -> decltype(auto) { \
    return (static_cast<decltype(s)&&>(s).m);                                    \
  })

/// Describes the enclosing type's fields (see the file comment).
#define REPLICA_FIELDS(...)                                                                  \
  struct hana_accessors_impl {                                                               \
    static constexpr auto apply() {                                                          \
      return ::boost::hana::make_tuple(REPLICA_PP_MAP(REPLICA_FIELD_, __VA_ARGS__));         \
    }                                                                                        \
  }
