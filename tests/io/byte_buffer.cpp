// io/byte_buffer.hpp: bytes written survive growth; clear keeps the storage; encode_into over
// space from extend gives the codec's own encoding.
#include <replica/io/byte_buffer.hpp>
#include <replica/io/codec.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

using replica::io::byte_buffer;

TEST_CASE("byte_buffer: what was written stays across growth, clear keeps the storage", "[io]") {
  byte_buffer b;
  CHECK(b.size() == 0);
  CHECK(b.bytes().empty());
  for (int i = 0; i < 1000; ++i) *b.extend(1) = static_cast<std::byte>(i % 251);
  REQUIRE(b.size() == 1000);
  for (int i = 0; i < 1000; ++i) REQUIRE(b.bytes()[static_cast<std::size_t>(i)] == static_cast<std::byte>(i % 251));
  const std::byte* storage = b.data();
  b.clear();
  CHECK(b.size() == 0);
  std::memset(b.extend(1000), 7, 1000);  // fits what was there: no new storage
  CHECK(b.data() == storage);
  CHECK(b.bytes()[999] == std::byte{7});
  std::byte* big = b.extend(1 << 20);  // grows, keeping the first 1000 bytes
  big[(1 << 20) - 1] = std::byte{9};
  CHECK(b.size() == 1000 + (1 << 20));
  CHECK(b.bytes()[0] == std::byte{7});
  CHECK(b.bytes()[999] == std::byte{7});
  CHECK(b.bytes().back() == std::byte{9});
}

TEST_CASE("codec: encoded_size and encode_into give encode's bytes", "[io]") {
  const std::vector<std::string> v{"a", "", std::string(300, 'x')};
  const auto want = replica::io::encode(v);
  const auto n = replica::io::encoded_size(v);
  REQUIRE(n.has_value());
  REQUIRE(*n == want.size());
  byte_buffer b;
  b.extend(3);  // after bytes already there
  replica::io::encode_into(v, b.extend(*n));
  REQUIRE(b.size() == 3 + want.size());
  CHECK(std::memcmp(b.data() + 3, want.data(), want.size()) == 0);
}
