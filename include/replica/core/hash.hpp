#pragma once
/// \file
/// One 64-bit mixing function for the whole library: splitmix64's finalizer (Steele, Lea and
/// Flood), applied after adding the golden-ratio increment. Used by the simulator's random
/// generator, the hash ring's tokens and the Merkle tree's buckets, so they agree on one hash.

#include <cstdint>

namespace replica {

/// A well-mixed hash of `x` (a bijection on 64-bit values).
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace replica
