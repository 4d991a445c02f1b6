// CRC-32C (io/crc32c.hpp): the published check values (the Castagnoli polynomial, not
// Boost's IEEE crc_32_type), continuation over split input, and the hardware and portable
// loops agreeing on every length and alignment.
#include "../support/seeds.hpp"

#include <replica/io/crc32c.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <random>
#include <string_view>
#include <vector>

using replica::io::crc32c;
using replica::io::crc32c_portable;

namespace {
std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span{s.data(), s.size()}); }
std::vector<std::byte> filled(std::size_t n, auto f) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>(f(i));
  return v;
}
}  // namespace

TEST_CASE("crc32c: the check values of the Castagnoli polynomial", "[io][crc32c]") {
  CHECK(crc32c(bytes("123456789")) == 0xE3069283u);
  CHECK(crc32c(bytes("")) == 0u);
  // RFC 3720 (iSCSI), appendix B.4.
  CHECK(crc32c(filled(32, [](std::size_t) { return 0; })) == 0x8A9136AAu);
  CHECK(crc32c(filled(32, [](std::size_t) { return 0xff; })) == 0x62A8AB43u);
  CHECK(crc32c(filled(32, [](std::size_t i) { return i; })) == 0x46DD794Eu);
  CHECK(crc32c(filled(32, [](std::size_t i) { return 31 - i; })) == 0x113FDB5Cu);
  CHECK(crc32c_portable(bytes("123456789")) == 0xE3069283u);
}

TEST_CASE("crc32c: continuing over split input, and both loops, agree everywhere", "[io][crc32c]") {
  for (std::uint64_t seed : test::seeds(20)) {
    INFO("seed " << seed << " (replay: REPLICA_SEED=" << seed << ")");
    std::mt19937_64 g{seed};
    const auto data = filled(300, [&](std::size_t) { return g(); });
    for (std::size_t offset = 0; offset < 8; ++offset) {
      for (std::size_t n = 0; n + offset <= 140; ++n) {
        const std::span<const std::byte> s{data.data() + offset, n};
        const std::uint32_t whole = crc32c(s);
        REQUIRE(crc32c_portable(s) == whole);
        const std::size_t cut = n == 0 ? 0 : g() % (n + 1);
        REQUIRE(crc32c(s.subspan(cut), crc32c(s.first(cut))) == whole);
        REQUIRE(crc32c_portable(s.subspan(cut), crc32c_portable(s.first(cut))) == whole);
      }
    }
    // Long inputs: the three-stream loop (blocks of 3 x 8192 and 3 x 256 bytes) and its joins.
    const auto big = filled(3 * 8192 * 2 + 3 * 256 + 13, [&](std::size_t) { return g(); });
    for (std::size_t n : {std::size_t{767}, std::size_t{768}, std::size_t{769}, std::size_t{24575}, std::size_t{24576},
                          std::size_t{24577}, big.size() - 5, big.size()}) {
      const std::span<const std::byte> s{big.data() + (n % 7 == 0 ? 0 : 3), std::min(n, big.size() - 3)};
      REQUIRE(crc32c(s) == crc32c_portable(s));
    }
  }
}

#ifdef REPLICA_CRC32C_HARDWARE
TEST_CASE("crc32c: each hardware loop this CPU has agrees with the table from any state, length and alignment", "[io][crc32c]") {
  namespace d = replica::io::crc32c_detail;
  for (std::uint64_t seed : test::seeds(4)) {
    INFO("seed " << seed << " (replay: REPLICA_SEED=" << seed << ")");
    std::mt19937_64 g{seed};
    const auto data = filled(3 * 8192 * 2 + 4096, [&](std::size_t) { return g(); });
    const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
    std::vector<std::size_t> lengths;
    for (std::size_t n = d::fold_min; n < 4 * d::fold_min + 40; ++n) lengths.push_back(n);  // every tail, one to four folds
    for (std::size_t n : {std::size_t{8192}, std::size_t{24576}, std::size_t{24577}, std::size_t{49000}, data.size() - 64}) lengths.push_back(n);
    for (const std::size_t n : lengths) {
      const std::size_t offset = g() % 64;
      const auto state = static_cast<std::uint32_t>(g());
      const std::uint32_t table = d::update_portable(state, bytes + offset, n);
      if (d::has_sse42()) REQUIRE(d::update_sse42(state, bytes + offset, n) == table);
      if (d::has_vpclmul()) REQUIRE(d::update_vpclmul(state, bytes + offset, n) == table);
    }
  }
}
#endif

