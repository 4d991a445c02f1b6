#pragma once
/// \file
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4, RocksDB
/// and hashicorp/raft-wal: what frames each write-ahead-log record. `crc32c("123456789")` is
/// 0xE3069283. (`boost::crc_32_type` is the IEEE polynomial: a different checksum.)
///
///   std::uint32_t c = replica::io::crc32c(bytes);            // one shot
///   c = replica::io::crc32c(more, c);                         // continued over more bytes
///
/// On x86-64 with SSE4.2 it uses the CPU's crc32 instruction (checked once at run time);
/// elsewhere a table-driven loop, eight bytes per step. Both give the same values
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
/// The same with SSE4.2's crc32 instruction (eight bytes per instruction).
[[gnu::target("sse4.2")]] inline std::uint32_t update_sse42(std::uint32_t c, const unsigned char* p, std::size_t n) noexcept {
  std::uint64_t c64 = c;
  while (n >= 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, 8);
    c64 = __builtin_ia32_crc32di(c64, v);
    p += 8;
    n -= 8;
  }
  c = static_cast<std::uint32_t>(c64);
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
