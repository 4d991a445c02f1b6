#pragma once
/// \file
/// The marker for sizes known only at run time.

#include <cstddef>
#include <span>

namespace replica {

/// A size chosen at run time (`version_vector<dynamic_extent>`, `dynamic_cluster_size`).
inline constexpr std::size_t dynamic_extent = std::dynamic_extent;

/// A count of `Extent` (a constant: stores nothing, reads as `Extent` without a load, so loops
/// over it have a fixed trip count) or, for `dynamic_extent`, the count given at run time.
///
///   [[no_unique_address]] extent_count<R::cluster_size_policy::extent> n_{nodes};
///   for (std::size_t i = 0; i < n_; ++i) ...   // unrolled when the extent is fixed
template <std::size_t Extent>
class extent_count {
 public:
  constexpr explicit extent_count(std::size_t) noexcept {}
  constexpr operator std::size_t() const noexcept { return Extent; }  // NOLINT(google-explicit-constructor)
};
template <>
class extent_count<dynamic_extent> {
 public:
  constexpr explicit extent_count(std::size_t n) noexcept : n_{n} {}
  constexpr operator std::size_t() const noexcept { return n_; }  // NOLINT(google-explicit-constructor)

 private:
  std::size_t n_;
};

/// The replica count of every topology when nothing says otherwise.
inline constexpr std::size_t default_nodes = 3;

/// The replicas of a composition of size `fixed` (`dynamic_extent`: chosen at run time) whose
/// configuration says `configured` (0: nothing said): `fixed` when the type fixes it, else
/// `configured`, else `default_nodes`. (Whether `configured` contradicts `fixed` is each
/// topology's `validate`.)
constexpr std::size_t resolve_nodes(std::size_t fixed, std::size_t configured) noexcept {
  return fixed != dynamic_extent ? fixed : configured != 0 ? configured : default_nodes;
}

}  // namespace replica
