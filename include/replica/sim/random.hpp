#pragma once
/// \file
/// The simulator's one source of randomness: a seeded xoshiro256** generator and the
/// distributions it needs, written here so that a seed gives the same run on every compiler
/// and standard library (std::*_distribution results are implementation-defined).

#include <replica/core/hash.hpp>

#include <cmath>
#include <cstdint>
#include <limits>

namespace replica::sim {

/// xoshiro256** (Blackman and Vigna), seeded through splitmix64.
class rng {
 public:
  using result_type = std::uint64_t;

  explicit rng(std::uint64_t seed = 0) noexcept {
    std::uint64_t x = seed;
    for (auto& w : s_) w = splitmix64(x);
  }

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

  result_type operator()() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform in [0, 1).
  double uniform01() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n); n > 0. (Modulo; the bias, below 2^-40 for the n used here, is irrelevant.)
  std::uint64_t below(std::uint64_t n) noexcept { return (*this)() % n; }
  /// Uniform integer in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  /// True with probability p.
  bool chance(double p) noexcept { return p > 0 && uniform01() < p; }
  /// Exponential with the given mean.
  double exponential(double mean) noexcept { return -mean * std::log1p(-uniform01()); }
  /// Standard normal (Box-Muller; one value per call, for simplicity and determinism).
  double normal() noexcept {
    const double u1 = 1.0 - uniform01();  // (0, 1]
    const double u2 = uniform01();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  /// A child generator with its own stream (for per-component randomness that does not shift
  /// the parent's sequence when the component draws more or fewer numbers).
  rng fork() noexcept { return rng{(*this)()}; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  static constexpr std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    const std::uint64_t z = mix64(x);
    x += 0x9e3779b97f4a7c15ULL;
    return z;
  }

  std::uint64_t s_[4]{};
};

}  // namespace replica::sim
