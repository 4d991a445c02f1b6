#pragma once
/// \file
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4, RocksDB
/// and hashicorp/raft-wal: what frames each write-ahead-log record. `crc32c("123456789")` is
/// 0xE3069283. (`boost::crc_32_type` is the IEEE polynomial: a different checksum.)
///
///   std::uint32_t c = replica::io::crc32c(bytes);            // one shot
///   c = replica::io::crc32c(more, c);                         // continued over more bytes
///
/// On x86-64 it picks, once at run time, the fastest of:
/// - with AVX-512 and VPCLMULQDQ, inputs of 256 bytes and more are folded 256 bytes a step by
///   carry-less multiplication (Intel's "Fast CRC Computation for Generic Polynomials Using
///   PCLMULQDQ", on 512-bit registers) and the 16 bytes left are finished by the crc32
///   instruction: 2-3 times the speed of that instruction on this project's machine
///   (`bench_wal`'s crc32c/*, docs/benchmarks.md);
/// - with SSE4.2, the crc32 instruction, in three interleaved streams on long inputs;
/// - elsewhere a table-driven loop, eight bytes per step.
/// All give the same values (tests/io/crc32c.cpp checks each against the table).

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

namespace replica::io {

namespace crc32c_detail {

inline constexpr std::uint32_t polynomial = 0x82F63B78u;

/// tables[k][b]: the CRC of byte b followed by k zero bytes (slicing-by-8).
consteval std::array<std::array<std::uint32_t, 256>, 8> make_tables() {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1u) ? polynomial : 0u);
    t[0][b] = c;
  }
  for (std::size_t k = 1; k < 8; ++k)
    for (std::uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xffu];
  return t;
}
inline constexpr auto tables = make_tables();

/// The running (inverted) CRC over `p[0..n)`, portable.
inline std::uint32_t update_portable(std::uint32_t c, const unsigned char* p, std::size_t n) noexcept {
  while (n >= 8) {
    std::uint32_t lo = 0, hi = 0;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    if constexpr (std::endian::native == std::endian::big) {
      lo = __builtin_bswap32(lo);
      hi = __builtin_bswap32(hi);
    }
    lo ^= c;
    c = tables[7][lo & 0xffu] ^ tables[6][(lo >> 8) & 0xffu] ^ tables[5][(lo >> 16) & 0xffu] ^ tables[4][lo >> 24] ^
        tables[3][hi & 0xffu] ^ tables[2][(hi >> 8) & 0xffu] ^ tables[1][(hi >> 16) & 0xffu] ^ tables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ tables[0][(c ^ *p++) & 0xffu];
  return c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define REPLICA_CRC32C_HARDWARE 1

// The crc32 instruction has a latency of three cycles and a throughput of one: one stream of it
// runs at a third of the speed the CPU allows. Long inputs are cut in three interleaved streams
// whose CRCs are then combined by "shifting" the first two over the bytes that follow them (the
// CRC of a value followed by n zero bytes: a linear operator over GF(2), applied with four
// table lookups), as in Mark Adler's crc32c.c.
using gf2_matrix = std::array<std::uint32_t, 32>;
consteval std::uint32_t gf2_times(const gf2_matrix& m, std::uint32_t v) {
  std::uint32_t sum = 0;
  for (int i = 0; v != 0; ++i, v >>= 1)
    if (v & 1u) sum ^= m[static_cast<std::size_t>(i)];
  return sum;
}
consteval gf2_matrix gf2_square(const gf2_matrix& m) {
  gf2_matrix r{};
  for (std::size_t i = 0; i < 32; ++i) r[i] = gf2_times(m, m[i]);
  return r;
}
/// Tables applying `len` zero bytes (a power of two) to a CRC, one per byte of the CRC.
consteval std::array<std::array<std::uint32_t, 256>, 4> make_shift_tables(std::size_t len) {
  gf2_matrix op{};  // one zero bit
  op[0] = polynomial;
  for (std::size_t i = 1; i < 32; ++i) op[i] = 1u << (i - 1);
  op = gf2_square(gf2_square(gf2_square(op)));  // one zero byte
  for (std::size_t n = len; n > 1; n >>= 1) op = gf2_square(op);
  std::array<std::array<std::uint32_t, 256>, 4> t{};
  for (std::uint32_t b = 0; b < 256; ++b)
    for (std::size_t k = 0; k < 4; ++k) t[k][b] = gf2_times(op, b << (8 * k));
  return t;
}
inline constexpr std::size_t long_block = 8192, short_block = 256;
inline constexpr auto long_shift = make_shift_tables(long_block);
inline constexpr auto short_shift = make_shift_tables(short_block);
inline std::uint32_t shift(const std::array<std::array<std::uint32_t, 256>, 4>& t, std::uint32_t c) noexcept {
  return t[0][c & 0xffu] ^ t[1][(c >> 8) & 0xffu] ^ t[2][(c >> 16) & 0xffu] ^ t[3][c >> 24];
}

/// The same as `update_portable`, with SSE4.2's crc32 instruction.
[[gnu::target("sse4.2")]] inline std::uint32_t update_sse42(std::uint32_t c, const unsigned char* p, std::size_t n) noexcept {
  auto word = [](const unsigned char* q) {
    std::uint64_t v = 0;
    std::memcpy(&v, q, 8);
    return v;
  };
  std::uint64_t c0 = c;
  for (const std::size_t block : {long_block, short_block}) {
    const auto& table = block == long_block ? long_shift : short_shift;
    while (n >= 3 * block) {
      std::uint64_t c1 = 0, c2 = 0;
      for (const unsigned char* end = p + block; p < end; p += 8) {
        c0 = __builtin_ia32_crc32di(c0, word(p));
        c1 = __builtin_ia32_crc32di(c1, word(p + block));
        c2 = __builtin_ia32_crc32di(c2, word(p + 2 * block));
      }
      c0 = shift(table, static_cast<std::uint32_t>(c0)) ^ static_cast<std::uint32_t>(c1);
      c0 = shift(table, static_cast<std::uint32_t>(c0)) ^ static_cast<std::uint32_t>(c2);
      p += 2 * block;
      n -= 3 * block;
    }
  }
  while (n >= 8) {
    c0 = __builtin_ia32_crc32di(c0, word(p));
    p += 8;
    n -= 8;
  }
  c = static_cast<std::uint32_t>(c0);
  while (n-- > 0) c = __builtin_ia32_crc32qi(c, *p++);
  return c;
}
// Folding by carry-less multiplication. In the reflected bit order of this CRC a 16-byte lane
// loaded little-endian holds a polynomial of degree < 128 whose first byte carries the highest
// degrees: its low quadword is H (the coefficients of x^127..x^64), its high quadword G (x^63..
// x^0). Moving the lane D bits further down the message multiplies it by x^D, and modulo P
//   H x^(64+D) + G x^D  ==  H (x^(64+D) mod P) + G (x^D mod P),
// two 64 x 32-bit carry-less products that fit in one lane and are XORed into the lane found
// D bits later. A carry-less product of reflected values comes out one degree low (bit s of
// the product of two 64-bit reflected values is degree 126 - s, not 127 - s), so the constants
// are x^(D+63) and x^(D-1) modulo P, each stored as its 32 reflected bits in the top half of a
// quadword. What is left at the end is a 16-byte lane with the same remainder as the whole
// input, and the CRC (from state 0: the running state was XORed into the first four bytes, as
// the crc32 instruction itself does) of the input is the CRC of those 16 bytes.
consteval std::uint64_t x_pow_mod(std::size_t n) {  // x^n mod P, reflected into bits 32..63
  std::uint64_t r = 1;                                // normal bit order: bit k is x^k
  for (std::size_t i = 0; i < n; ++i) {
    r <<= 1;
    if (r & (std::uint64_t{1} << 32)) r ^= 0x11EDC6F41u;  // P, the Castagnoli polynomial
  }
  std::uint64_t reflected = 0;
  for (int k = 0; k < 32; ++k)
    if (r & (std::uint64_t{1} << k)) reflected |= std::uint64_t{1} << (63 - k);
  return reflected;
}
/// The pair of constants moving a lane `bits` further: {for H, for G}.
struct fold_by {
  std::uint64_t h, g;
  consteval explicit fold_by(std::size_t bits) : h{x_pow_mod(bits + 63)}, g{x_pow_mod(bits - 1)} {}
};
inline constexpr std::size_t fold_min = 256;  ///< the folding path's input: at least this

#define REPLICA_CRC32C_FOLD_TARGET gnu::target("avx512f,vpclmulqdq,pclmul,sse4.2")
[[REPLICA_CRC32C_FOLD_TARGET]] inline __m128i fold_constants(const fold_by& f) noexcept {
  return _mm_set_epi64x(static_cast<long long>(f.g), static_cast<long long>(f.h));
}
/// The constants of `f` in each of the four lanes of a 64-byte register.
[[REPLICA_CRC32C_FOLD_TARGET]] inline __m512i every_lane(const fold_by& f) noexcept {
  const auto h = static_cast<long long>(f.h), g = static_cast<long long>(f.g);
  return _mm512_set_epi64(g, h, g, h, g, h, g, h);
}
/// Each 16-byte lane of `x` moved by the distance of `k` (its constants in every lane).
[[REPLICA_CRC32C_FOLD_TARGET]] inline __m512i fold(__m512i x, __m512i k) noexcept {
  return _mm512_xor_si512(_mm512_clmulepi64_epi128(x, k, 0x00), _mm512_clmulepi64_epi128(x, k, 0x11));
}
[[REPLICA_CRC32C_FOLD_TARGET]] inline __m128i fold(__m128i x, const fold_by& f) noexcept {
  const __m128i k = fold_constants(f);
  return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

/// `update_sse42` for inputs of at least `fold_min` bytes: four 64-byte registers, each folded
/// 256 bytes forward a step, then into one another, then their lanes into one.
[[REPLICA_CRC32C_FOLD_TARGET]] inline std::uint32_t update_vpclmul(std::uint32_t c, const unsigned char* p, std::size_t n) noexcept {
  static constexpr fold_by by2048{2048}, by512{512}, by384{384}, by256{256}, by128{128};
  __m512i a0 = _mm512_xor_si512(_mm512_loadu_si512(p), _mm512_zextsi128_si512(_mm_cvtsi32_si128(static_cast<int>(c))));
  __m512i a1 = _mm512_loadu_si512(p + 64), a2 = _mm512_loadu_si512(p + 128), a3 = _mm512_loadu_si512(p + 192);
  p += 256;
  n -= 256;
  const __m512i k2048 = every_lane(by2048);
  for (; n >= 256; p += 256, n -= 256) {
    a0 = _mm512_xor_si512(fold(a0, k2048), _mm512_loadu_si512(p));
    a1 = _mm512_xor_si512(fold(a1, k2048), _mm512_loadu_si512(p + 64));
    a2 = _mm512_xor_si512(fold(a2, k2048), _mm512_loadu_si512(p + 128));
    a3 = _mm512_xor_si512(fold(a3, k2048), _mm512_loadu_si512(p + 192));
  }
  const __m512i k512 = every_lane(by512);
  a1 = _mm512_xor_si512(fold(a0, k512), a1);
  a2 = _mm512_xor_si512(fold(a1, k512), a2);
  a3 = _mm512_xor_si512(fold(a2, k512), a3);
  alignas(64) unsigned char lanes[64];  // (through memory: GCC 12 warns on the extract intrinsics)
  _mm512_store_si512(lanes, a3);
  const auto* lane = reinterpret_cast<const __m128i*>(lanes);
  __m128i r = _mm_load_si128(lane + 3);
  r = _mm_xor_si128(r, fold(_mm_load_si128(lane), by384));
  r = _mm_xor_si128(r, fold(_mm_load_si128(lane + 1), by256));
  r = _mm_xor_si128(r, fold(_mm_load_si128(lane + 2), by128));
  std::uint64_t c0 = __builtin_ia32_crc32di(0, static_cast<std::uint64_t>(_mm_cvtsi128_si64(r)));
  c0 = __builtin_ia32_crc32di(c0, static_cast<std::uint64_t>(_mm_extract_epi64(r, 1)));
  return update_sse42(static_cast<std::uint32_t>(c0), p, n);
}
#undef REPLICA_CRC32C_FOLD_TARGET
inline bool has_vpclmul() noexcept {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq") &&
                          __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.2");
  return yes;
}
inline bool has_sse42() noexcept {
  static const bool yes = __builtin_cpu_supports("sse4.2");
  return yes;
}
#endif

}  // namespace crc32c_detail

/// The CRC-32C of `bytes`, continuing from `crc` (the CRC of what came before; 0 to start).
inline std::uint32_t crc32c(std::span<const std::byte> bytes, std::uint32_t crc = 0) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::uint32_t c = ~crc;
#ifdef REPLICA_CRC32C_HARDWARE
  if (bytes.size() >= crc32c_detail::fold_min && crc32c_detail::has_vpclmul()) return ~crc32c_detail::update_vpclmul(c, p, bytes.size());
  if (crc32c_detail::has_sse42()) return ~crc32c_detail::update_sse42(c, p, bytes.size());
#endif
  return ~crc32c_detail::update_portable(c, p, bytes.size());
}

/// The portable loop alone (what a machine without the instruction computes), for tests.
inline std::uint32_t crc32c_portable(std::span<const std::byte> bytes, std::uint32_t crc = 0) noexcept {
  return ~crc32c_detail::update_portable(~crc, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

}  // namespace replica::io
