#pragma once
// A random value of any encodable type, built from the same description the codec uses
// (core/codec_traits.hpp): integers (small and extreme), strings, optionals, variants (every
// alternative), containers of 0-3 elements, described structs field by field. A described type
// with invariants (`well_formed()`) that the random fields break is replaced by its default
// value, which is well formed. Reproducible from the generator's seed.
#include <replica/core/codec_traits.hpp>

#include <boost/hana/accessors.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/second.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace test {

template <class T>
T arbitrary(std::mt19937_64& g, int depth = 0);

namespace arbitrary_detail {

using replica::codec_detail::kind;
using replica::codec_detail::kind_of;

inline std::uint64_t pick(std::mt19937_64& g, std::uint64_t n) { return n == 0 ? 0 : g() % n; }

template <class I>
I integer(std::mt19937_64& g) {
  switch (pick(g, 4)) {
    case 0: return static_cast<I>(pick(g, 4));
    case 1: return std::numeric_limits<I>::max();
    case 2: return std::numeric_limits<I>::min();
    default: return static_cast<I>(g());
  }
}

template <class T>
void fill(std::mt19937_64& g, T& v, int depth);

template <class V, std::size_t... I>
void fill_variant(std::mt19937_64& g, V& v, int depth, std::index_sequence<I...>) {
  const std::size_t which = pick(g, sizeof...(I));
  (void)((which == I ? (fill(g, v.template emplace<I>(), depth), true) : false) || ...);
}

template <class T>
void fill(std::mt19937_64& g, T& v, int depth) {
  constexpr kind k = kind_of<T>();
  const std::size_t count = depth > 4 ? 0 : pick(g, 4);
  if constexpr (k == kind::boolean) {
    v = (g() & 1) != 0;
  } else if constexpr (k == kind::integer) {
    v = integer<T>(g);
  } else if constexpr (k == kind::floating) {
    v = static_cast<T>(static_cast<std::int32_t>(g())) / 8;
  } else if constexpr (k == kind::enumeration) {
    v = static_cast<T>(integer<std::underlying_type_t<T>>(g));
  } else if constexpr (k == kind::id) {
    v = T{integer<typename T::rep>(g)};
  } else if constexpr (k == kind::bytes) {
    std::string s(pick(g, 9), '\0');
    for (char& c : s) c = static_cast<char>(g());
    if constexpr (std::is_same_v<T, replica::payload>)
      v = replica::payload::copy_of(std::as_bytes(std::span{s.data(), s.size()}));
    else
      v = s;
  } else if constexpr (k == kind::optional) {
    if (g() & 1) fill(g, v.emplace(), depth + 1);
  } else if constexpr (k == kind::variant) {
    fill_variant(g, v, depth + 1, std::make_index_sequence<std::variant_size_v<T>>{});
  } else if constexpr (k == kind::tuple_like) {
    std::apply([&](auto&... xs) { (fill(g, xs, depth + 1), ...); }, v);
  } else if constexpr (k == kind::array) {
    for (auto& x : v) fill(g, x, depth + 1);
  } else if constexpr (k == kind::described) {
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto p) { fill(g, boost::hana::second(p)(v), depth + 1); });
    if constexpr (requires { v.well_formed(); }) {
      if (!v.well_formed()) v = T{};
    }
  } else if constexpr (k == kind::map) {
    for (std::size_t i = 0; i < count; ++i)
      v.insert_or_assign(arbitrary<typename T::key_type>(g, depth + 1), arbitrary<typename T::mapped_type>(g, depth + 1));
  } else if constexpr (k == kind::set) {
    for (std::size_t i = 0; i < count; ++i) v.insert(arbitrary<typename T::key_type>(g, depth + 1));
  } else if constexpr (k == kind::sequence) {
    using E = typename T::value_type;
    std::size_t n = count;
    if constexpr (requires { T::capacity(); }) n = std::min<std::size_t>(n, T::capacity());
    if constexpr (requires(T& s, E e) { s.push_back(std::move(e)); }) {
      for (std::size_t i = 0; i < n; ++i) v.push_back(arbitrary<E>(g, depth + 1));
    } else {
      std::vector<E> items;
      for (std::size_t i = 0; i < n; ++i) items.push_back(arbitrary<E>(g, depth + 1));
      v = T(std::move(items));
    }
  }
}

}  // namespace arbitrary_detail

template <class T>
T arbitrary(std::mt19937_64& g, int depth) {
  T v{};
  arbitrary_detail::fill(g, v, depth);
  return v;
}

}  // namespace test
