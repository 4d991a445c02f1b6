// data/kv_snapshot.hpp: kv_store's snapshot: its parts shared, copy-on-write (a store written
// after a snapshot changes apart from it), walked in key order, encoded as one buffer of sorted
// records, and refused by the decoder when its records do not hold together.
#include <replica/data/kv_snapshot.hpp>
#include <replica/data/kv_store.hpp>
#include <replica/io/codec.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

using namespace replica;

namespace {
std::vector<std::pair<std::string, std::string>> pairs_of(const kv_snapshot& s) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto [k, v] : s) out.emplace_back(k, v);
  return out;
}
/// The encoding of a snapshot of `count` records whose buffer is `body`.
std::vector<std::byte> encoded(std::uint64_t count, const std::string& body) {
  std::vector<std::byte> b;
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::byte>(count >> (8 * i)));
  const auto n = static_cast<std::uint32_t>(body.size());
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::byte>(n >> (8 * i)));
  for (char c : body) b.push_back(static_cast<std::byte>(c));
  return b;
}
std::string record(const std::string& k, const std::string& v) {
  std::string r;
  for (const std::string* s : {&k, &v}) {
    const auto n = static_cast<std::uint32_t>(s->size());
    for (int i = 0; i < 4; ++i) r.push_back(static_cast<char>(n >> (8 * i)));
    r += *s;
  }
  return r;
}
}  // namespace

TEST_CASE("kv_snapshot: pairs in key order, one buffer, equal when the states are", "[data][kv_snapshot]") {
  const kv_snapshot s{{"b", "2"}, {"a", "1"}, {"", "empty key"}, {"a", "later duplicate ignored"}};
  CHECK(s.size() == 3);
  CHECK(pairs_of(s) == std::vector<std::pair<std::string, std::string>>{{"", "empty key"}, {"a", "1"}, {"b", "2"}});
  CHECK(s.bytes() == 3 * 8 + (0 + 1 + 1) + (9 + 1 + 1));  // two lengths a record, then keys and values
  const kv_snapshot copy = s;
  CHECK(copy == s);
  CHECK(kv_snapshot{} != s);
  const kv_snapshot none;
  CHECK(none.empty());
  CHECK(none.begin() == none.end());
  const std::map<std::string, std::string> m{{"a", "1"}, {"b", "2"}, {"", "empty key"}};
  CHECK(kv_snapshot::from_sorted(m) == s);
  const std::vector<std::pair<std::string, std::string>> twice{{"b", "2"}, {"a", "1"}, {"b", "again"}, {"", "empty key"}};
  const kv_snapshot from_twice = kv_snapshot::from_sorted(twice);  // any order; the later "b" is ignored
  CHECK(from_twice.size() == 3);
  CHECK(from_twice == s);
}

TEST_CASE("kv_snapshot: kv_store's state round-trips through it and through the codec", "[data][kv_snapshot]") {
  kv_store a;
  for (int i = 0; i < 100; ++i) (void)a.apply(kv_store::put{"k" + std::to_string(i), std::string(static_cast<std::size_t>(i), 'x')});
  (void)a.apply(kv_store::remove{"k7"});
  const kv_snapshot s = a.snapshot();
  CHECK(s.size() == 99);
  kv_store b;
  (void)b.apply(kv_store::put{"junk", "1"});
  b.restore(s);
  CHECK(b == a);
  const auto bytes = io::encode(s);
  const auto back = io::decode<kv_snapshot>(bytes);
  REQUIRE(back.ok());
  CHECK(*back == s);
}

TEST_CASE("kv_snapshot: decoding refuses records that do not hold together", "[data][kv_snapshot][bad_input]") {
  const std::string ab = record("a", "1") + record("b", "2");
  REQUIRE(io::decode<kv_snapshot>(encoded(2, ab)).ok());
  io::decode_error why;
  CHECK_FALSE(io::decode<kv_snapshot>(encoded(2, record("b", "2") + record("a", "1")), {}, &why).ok());  // keys out of order
  CHECK(why.reason == "kv_snapshot: keys not strictly increasing");
  CHECK_FALSE(io::decode<kv_snapshot>(encoded(2, record("a", "1") + record("a", "2")), {}, &why).ok());  // a key twice
  CHECK(why.reason == "kv_snapshot: keys not strictly increasing");
  CHECK_FALSE(io::decode<kv_snapshot>(encoded(2, record("a", "1234567")), {}, &why).ok());  // a count the records do not have
  CHECK(why.reason == "kv_snapshot: fewer records than counted");
  CHECK_FALSE(io::decode<kv_snapshot>(encoded(3, ab), {}, &why).ok());
  CHECK(why.reason == "kv_snapshot: more records counted than the buffer holds");
  CHECK_FALSE(io::decode<kv_snapshot>(encoded(1, ab), {}, &why).ok());
  CHECK(why.reason == "kv_snapshot: more records than counted");
  CHECK_FALSE(io::decode<kv_snapshot>(encoded(std::uint64_t{1} << 40, ab), {}, &why).ok());  // a count no buffer could hold
  CHECK(why.reason == "kv_snapshot: more records counted than the buffer holds");
  for (std::size_t cut = 1; cut < ab.size(); ++cut) {  // a record cut anywhere, or a length past the end
    INFO("cut at " << cut);
    const std::string part = ab.substr(0, cut);
    const bool whole = part == record("a", "1");
    CHECK(io::decode<kv_snapshot>(encoded(whole ? 1 : 2, part)).ok() == whole);
  }
  std::string huge = record("a", "1");
  huge[8] = '\x7f';  // the value's length: about 2 GiB, past the end
  CHECK_FALSE(io::decode<kv_snapshot>(encoded(1, huge), {}, &why).ok());
  CHECK(why.reason == "kv_snapshot: a record runs past the buffer");
}

TEST_CASE("kv_snapshot: the format is the flat buffer's, byte for byte", "[data][kv_snapshot]") {
  // Data directories written before the store was cut into parts keep reading, and the records
  // leave in key order whatever part each key is in.
  const kv_snapshot s{{"b", "2"}, {"a", "1"}, {"c", ""}};
  CHECK(io::encode(s) == encoded(3, record("a", "1") + record("b", "2") + record("c", "")));
  CHECK(io::encode(kv_snapshot{}) == encoded(0, ""));
}

TEST_CASE("kv_snapshot: a snapshot keeps its state while the store goes on (copy-on-write)", "[data][kv_snapshot]") {
  // Enough keys for many parts; every kind of write after the snapshot, to keys in parts the
  // snapshot shares: the snapshot still holds the state it was taken at, and the store the new one.
  kv_store m;
  std::map<std::string, std::string> then;
  for (int i = 0; i < 2000; ++i) {
    const std::string k = "k" + std::to_string(i), v = std::to_string(i);
    (void)m.apply(kv_store::put{k, v});
    then[k] = v;
  }
  const kv_snapshot s = m.snapshot();
  const kv_snapshot copy = s;
  for (int i = 0; i < 2000; i += 3) (void)m.apply(kv_store::put{"k" + std::to_string(i), "new"});
  for (int i = 1; i < 2000; i += 3) (void)m.apply(kv_store::remove{"k" + std::to_string(i)});
  for (int i = 2; i < 2000; i += 30) REQUIRE(m.apply(kv_store::increment{"k" + std::to_string(i), 1}).ok());
  for (int i = 2000; i < 4000; ++i) (void)m.apply(kv_store::put{"k" + std::to_string(i), "grown"});  // and the parts double
  CHECK(s.size() == 2000);
  CHECK(std::map<std::string, std::string>(s.begin(), s.end()) == then);
  CHECK(copy == s);
  CHECK(m.read(kv_store::get{"k0"}) == "new");
  CHECK(m.read(kv_store::get{"k1"}) == std::nullopt);
  CHECK(m.read(kv_store::get{"k2"}) == "3");
  CHECK(m.size() == 2000 - 667 + 2000);
  kv_store back;
  back.restore(s);
  CHECK(back.entries() == std::map<std::string, std::string, std::less<>>(then.begin(), then.end()));
  (void)back.apply(kv_store::put{"k0", "restored, then written"});  // a restored store writes apart from its snapshot too
  CHECK(std::map<std::string, std::string>(s.begin(), s.end()) == then);
  CHECK_FALSE(m.snapshot() == s);
}

TEST_CASE("kv_snapshot: a store of more keys than codec_limits::max_elements decodes with the default limits",
          "[data][kv_snapshot]") {
  // As a vector of pairs, a snapshot of more than 2^20 keys encoded and then failed to decode
  // (max_elements), so a replica wrote checkpoints and sent snapshots nobody could read back.
  const std::size_t n = (std::size_t{1} << 20) + 3;
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string k = std::to_string(i);
    pairs.emplace_back(std::string(8 - std::min<std::size_t>(8, k.size()), '0') + k, "v");  // sorted as strings
  }
  const kv_snapshot s = kv_snapshot::from_sorted(pairs);
  REQUIRE(s.size() == n);
  const auto back = io::decode<kv_snapshot>(io::encode(s));
  REQUIRE(back.ok());
  kv_store m;
  m.restore(*back);
  CHECK(m.entries().size() == n);
  CHECK(m.read(kv_store::get{"01048578"}) == "v");
}
