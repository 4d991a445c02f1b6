#pragma once
/// \file
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4, RocksDB
/// and hashicorp/raft-wal: what frames each write-ahead-log record. `crc32c("123456789")` is
/// 0xE3069283. (`boost::crc_32_type` is the IEEE polynomial: a different checksum.)
///
///   std::uint32_t c = replica::io::crc32c(bytes);            // one shot
///   c = replica::io::crc32c(more, c);                         // continued over more bytes
///
/// On x86-64 with SSE4.2 it uses the CPU's crc32 instruction (checked once at run time), in
/// three interleaved streams on long inputs; elsewhere a table-driven loop, eight bytes per step. Both give the same values
/// (tests/io/crc32c.cpp).

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

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
  if (crc32c_detail::has_sse42()) return ~crc32c_detail::update_sse42(c, p, bytes.size());
#endif
  return ~crc32c_detail::update_portable(c, p, bytes.size());
}

/// The portable loop alone (what a machine without the instruction computes), for tests.
inline std::uint32_t crc32c_portable(std::span<const std::byte> bytes, std::uint32_t crc = 0) noexcept {
  return ~crc32c_detail::update_portable(~crc, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

}  // namespace replica::io
