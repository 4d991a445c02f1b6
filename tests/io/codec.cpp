// The binary codec (io/codec.hpp): its format and refusals, and its laws over every message,
// persist entry, durable state, request and reply type of every topology:
// - round trip: decoding an encoding gives the value back (equal where the type compares, and
//   encoding it again gives the same bytes), for arbitrary values (tests/support/arbitrary.hpp)
//   and for every message and persist entry of real simulator runs under faults;
// - canonical and total: any byte string decodes to a value or an error, never a crash (ASan
//   and UBSan run this), and a value decoded from bytes encodes back to exactly those bytes.
// A failure prints the seed; replay with REPLICA_SEED.
#include "../support/arbitrary.hpp"
#include "../support/cluster.hpp"
#include "../support/seeds.hpp"

#include <replica/commit/majority.hpp>
#include <replica/crdt/or_set.hpp>
#include <replica/crdt/pn_counter.hpp>
#include <replica/data/kv_store.hpp>
#include <replica/io/codec.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/sim/nemesis.hpp>
#include <replica/topology/leader_based_node.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/topology/multi_leader_node.hpp>
#include <replica/topology/sharded_node.hpp>
#include <replica/versioning.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

using namespace replica;
using namespace std::chrono_literals;

namespace {

using raft = replicator<leader_based, majority, cluster_size<3>>;
using lb_register = leader_based_node<raft>;
using lb_store = leader_based_node<raft, kv_store>;
using quorum3 = leaderless<n<3>, w<2>, r<2>, sloppy_quorum>;
using ll_lww = leaderless_node<replicator<quorum3, last_write_wins, hybrid_logical_clock>>;
using ll_lamport = leaderless_node<replicator<quorum3, last_write_wins, lamport_clock>>;
using ll_dvv = leaderless_node<replicator<quorum3, keep_siblings, dotted_version_vector>>;
using ll_vv = leaderless_node<replicator<quorum3, keep_siblings, version_vector<>>>;
using ll_or_set = leaderless_node<replicator<quorum3, crdt_merge, dotted_version_vector>, or_set<value_type>>;
using ll_counter = leaderless_node<replicator<quorum3, crdt_merge, dotted_version_vector>, pn_counter>;
using ml_lww = multi_leader_node<replicator<multi_leader, last_write_wins, hybrid_logical_clock>>;
using ml_siblings = multi_leader_node<replicator<multi_leader, keep_siblings, dotted_version_vector>>;
using ml_or_set = multi_leader_node<replicator<multi_leader, crdt_merge>, or_set<value_type>>;
using sh_raft = sharded_node<replicator<sharded<leader_based, by_hash, shards<4>>, majority>>;
using sh_lww = sharded_node<replicator<sharded<leaderless<n<3>, w<2>, r<2>>, by_hash, shards<4>>, last_write_wins, hybrid_logical_clock>>;

using all_nodes = std::tuple<lb_register, lb_store, ll_lww, ll_lamport, ll_dvv, ll_vv, ll_or_set, ll_counter, ml_lww,
                             ml_siblings, ml_or_set, sh_raft, sh_lww>;

template <class N>
constexpr const char* composition_name() {
  constexpr std::array names{"lb_register", "lb_store", "ll_lww", "ll_lamport", "ll_dvv", "ll_vv", "ll_or_set",
                             "ll_counter", "ml_lww", "ml_siblings", "ml_or_set", "sh_raft", "sh_lww"};
  const std::size_t at = []<class... Ts>(std::tuple<Ts...>*) {
    std::size_t i = 0;
    (void)((std::is_same_v<N, Ts> ? false : (++i, true)) && ...);
    return i;
  }(static_cast<all_nodes*>(nullptr));
  return names[at];
}

template <class F, class... Ts>
void for_each_type(std::tuple<Ts...>*, F f) {
  (f(static_cast<Ts*>(nullptr)), ...);
}
template <class F>
void for_each_node(F f) {
  for_each_type(static_cast<all_nodes*>(nullptr), f);
}

/// What a node's codec carries: its messages in envelopes, persist entries, durable state,
/// client requests and replies.
template <class N>
using wire_types = std::tuple<envelope<typename N::message>, typename N::persist_entry, typename N::durable_state,
                              client_request<operation_t<N>>, reply_t<N>>;

/// Checks the round trip of `v`: decodes, encodes to the same bytes, equals `v` where `T`
/// compares. Returns the encoding's size.
template <class T>
std::size_t round_trip(const T& v) {
  const std::vector<std::byte> bytes = io::encode(v);
  io::decode_error why;
  const result<T> back = io::decode<T>(bytes, {}, &why);
  INFO(why.message());
  REQUIRE(back.ok());
  CHECK(io::encode(*back) == bytes);
  if constexpr (std::equality_comparable<T>) CHECK(*back == v);
  return bytes.size();
}

/// Any bytes: a value or an error; a value re-encodes to the same bytes.
template <class T>
bool decodes_canonically(std::span<const std::byte> bytes) {
  const result<T> back = io::decode<T>(bytes);
  if (!back.ok()) return false;
  CHECK(io::encode(*back) == std::vector<std::byte>(bytes.begin(), bytes.end()));
  return true;
}

std::vector<std::byte> bytes_of(std::initializer_list<int> xs) {
  std::vector<std::byte> b;
  for (int x : xs) b.push_back(static_cast<std::byte>(x));
  return b;
}

}  // namespace

TEST_CASE("codec: the format is little-endian, fixed-width and without tags", "[io][codec]") {
  CHECK(io::encode(std::uint32_t{0x01020304}) == bytes_of({4, 3, 2, 1}));
  CHECK(io::encode(std::int16_t{-2}) == bytes_of({0xfe, 0xff}));
  CHECK(io::encode(true) == bytes_of({1}));
  CHECK(io::encode(std::string{"ab"}) == bytes_of({2, 0, 0, 0, 'a', 'b'}));
  CHECK(io::encode(std::optional<std::uint8_t>{}) == bytes_of({0}));
  CHECK(io::encode(std::optional<std::uint8_t>{7}) == bytes_of({1, 7}));
  CHECK(io::encode(std::variant<std::uint8_t, std::uint16_t>{std::uint16_t{5}}) == bytes_of({1, 5, 0}));
  CHECK(io::encode(replica_id{3}) == bytes_of({3, 0, 0, 0}));
  CHECK(io::encode(log_position{term{1}, log_index{2}}) == bytes_of({1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(io::encode(std::vector<std::uint16_t>{1, 2}) == bytes_of({2, 0, 0, 0, 1, 0, 2, 0}));
  CHECK(io::encode(std::map<std::uint8_t, bool>{{1, true}}) == bytes_of({1, 0, 0, 0, 1, 1}));
  CHECK(io::encode(op_kind::cas) == bytes_of({2}));
  CHECK(io::encode(2.5) == io::encode(std::bit_cast<std::uint64_t>(2.5)));
  // An empty run of integers decodes into an empty vector (whose data() may be null: the fuzzer's
  // first finding, a memcpy from a null pointer, UBSan's nonnull check).
  CHECK(io::decode<std::vector<std::uint64_t>>(bytes_of({0, 0, 0, 0})).ok());
}

TEST_CASE("codec: the encodable concept follows the rules of codec_traits.hpp", "[io][codec]") {
  struct plain {
    int a = 0;
    std::string b;
    REPLICA_FIELDS(a, b);
  };
  struct undescribed {
    int a = 0;
  };
  enum unscoped { one, two };
  STATIC_REQUIRE(encodable<plain>);
  STATIC_REQUIRE(encodable<std::vector<std::optional<plain>>>);
  STATIC_REQUIRE(encodable<std::map<std::string, std::variant<std::monostate, plain>>>);
  STATIC_REQUIRE(!encodable<undescribed>);
  STATIC_REQUIRE(!encodable<std::vector<undescribed>>);
  STATIC_REQUIRE(!encodable<unscoped>);  // its out-of-range values are undefined
  STATIC_REQUIRE(!encodable<int*>);
  STATIC_REQUIRE(!encodable<std::unordered_map<int, int>>);  // no canonical order
  STATIC_REQUIRE(state_machine<kv_register>);
  STATIC_REQUIRE(state_machine<kv_store>);
}

namespace {
/// A class with an invariant and its own encoding (codec_traits), as a user would write one.
class even {
 public:
  even() = default;
  static std::optional<even> of(std::int32_t v) {
    if (v % 2 != 0) return std::nullopt;
    even e;
    e.v_ = v;
    return e;
  }
  [[nodiscard]] std::int32_t value() const { return v_; }
  friend bool operator==(const even&, const even&) = default;

 private:
  std::int32_t v_ = 0;
};
}  // namespace

template <>
struct replica::codec_traits<even> {
  static void encode(auto& out, const even& e) { out.put(e.value()); }
  static bool decode(auto& in, even& e) {
    std::int32_t v = 0;
    if (!in.get(v)) return false;
    auto made = even::of(v);
    if (!made) return in.fail("even: an odd number");
    e = *made;
    return true;
  }
};

namespace {
/// A large value with its own one-byte encoding: the codec cannot know its least size.
struct page {
  std::array<std::byte, 4096> bytes{};
  friend bool operator==(const page&, const page&) = default;
};
}  // namespace

template <>
struct replica::codec_traits<page> {
  static void encode(auto& out, const page& p) { out.put(static_cast<std::uint8_t>(p.bytes[0])); }
  static bool decode(auto& in, page& p) {
    std::uint8_t b = 0;
    if (!in.get(b)) return false;
    p.bytes[0] = static_cast<std::byte>(b);
    return true;
  }
};

TEST_CASE("codec: elements of unknown least size are not reserved for by a declared count", "[io][codec]") {
  // A count of a million 4 KiB pages in eight bytes: reserving for it would take 4 GiB; the
  // decoder grows the vector as pages actually decode, and the input ends after four.
  auto b = bytes_of({0x40, 0x42, 0x0f, 0x00, 1, 2, 3, 4});
  io::decode_error why;
  CHECK(!io::decode<std::vector<page>>(b, {}, &why).ok());
  CHECK(why.reason == "input ends inside a value");
  CHECK(why.path == "[4]");
  const std::vector<page> two(2);
  round_trip(two);
}

TEST_CASE("codec: a codec_traits specialisation encodes a user's class and refuses what breaks it", "[io][codec]") {
  STATIC_REQUIRE(encodable<even>);
  const std::vector<even> xs{*even::of(2), *even::of(-4)};
  round_trip(xs);
  std::vector<std::byte> bad = io::encode(xs);
  bad[4 + 4] = std::byte{3};  // the second element: -4 becomes odd
  io::decode_error why;
  CHECK(!io::decode<std::vector<even>>(bad, {}, &why).ok());
  CHECK(why.reason == "even: an odd number");
  CHECK(why.path == "[1]");
  CHECK(why.offset == 12);
}

TEST_CASE("codec: bad input is refused with what, where and in which field", "[io][codec]") {
  io::decode_error why;
  SECTION("a bool that is neither 0 nor 1") {
    CHECK(!io::decode<bool>(bytes_of({2}), {}, &why).ok());
    CHECK(why.reason == "bool not 0 or 1");
  }
  SECTION("an optional's flag") {
    CHECK(!io::decode<std::optional<int>>(bytes_of({5, 0, 0, 0, 0}), {}, &why).ok());
    CHECK(why.reason == "optional flag not 0 or 1");
  }
  SECTION("a variant index past its alternatives") {
    CHECK(!io::decode<std::variant<int, bool>>(bytes_of({2, 0, 0, 0, 0}), {}, &why).ok());
    CHECK(why.reason == "variant index out of range");
  }
  SECTION("trailing bytes") {
    CHECK(!io::decode<std::uint8_t>(bytes_of({1, 2}), {}, &why).ok());
    CHECK(why.reason == "bytes left after the value");
  }
  SECTION("a string longer than the input") {
    CHECK(!io::decode<std::string>(bytes_of({9, 0, 0, 0, 'a'}), {}, &why).ok());
    CHECK(why.reason == "length beyond the end of the input");
  }
  SECTION("a count of four billion elements is refused before anything is reserved") {
    CHECK(!io::decode<std::vector<std::uint64_t>>(bytes_of({0xff, 0xff, 0xff, 0xff}), {}, &why).ok());
    CHECK(why.code == errc::out_of_range);
    io::codec_limits roomy;
    roomy.max_elements = 0xffffffffu;
    CHECK(!io::decode<std::vector<std::uint64_t>>(bytes_of({0xff, 0xff, 0xff, 0x0f, 1, 2}), roomy, &why).ok());
    CHECK(why.reason == "more elements than the input can hold");
  }
  SECTION("more elements than a fixed_vector holds") {
    CHECK(!io::decode<fixed_vector<std::uint8_t, 2>>(bytes_of({3, 0, 0, 0, 1, 2, 3}), {}, &why).ok());
    CHECK(why.reason == "more elements than the container's fixed capacity");
  }
  SECTION("map keys out of order, or twice") {
    CHECK(!io::decode<std::map<std::uint8_t, std::uint8_t>>(bytes_of({2, 0, 0, 0, 5, 0, 4, 0}), {}, &why).ok());
    CHECK(why.reason == "keys not in strictly increasing order");
    CHECK(!io::decode<std::set<std::uint8_t>>(bytes_of({2, 0, 0, 0, 5, 5}), {}, &why).ok());
    CHECK(why.path == "[1]");
  }
  SECTION("nesting deeper than the limit") {
    using deep = std::optional<std::optional<std::optional<int>>>;
    io::codec_limits shallow;
    shallow.max_depth = 2;
    CHECK(!io::decode<deep>(io::encode(deep{std::optional{std::optional{1}}}), shallow, &why).ok());
    CHECK(why.code == errc::out_of_range);
    CHECK(io::decode<deep>(io::encode(deep{std::optional{std::optional{1}}})).ok());
  }
  SECTION("a described type whose invariant does not hold (an unsorted version vector)") {
    // Two entries, replica 2 before replica 1.
    const auto vv = bytes_of({2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0});
    CHECK(!io::decode<version_vector<>>(vv, {}, &why).ok());
    CHECK(why.reason == "a value whose invariants do not hold (well_formed() is false)");
    auto sorted = vv;
    std::swap_ranges(sorted.begin() + 4, sorted.begin() + 16, sorted.begin() + 16);
    CHECK(io::decode<version_vector<>>(sorted).ok());
  }
  SECTION("the path names the field and the element") {
    using W = lb_register::message;
    lb_register::message m = std::variant_alternative_t<2, W>{};
    auto& a = std::get<2>(m);
    a.entries = decltype(a.entries){{.term = term{1}, .index = 1, .op = {op_kind::write, 1, 2, 0, {}}},
                                    {.term = term{1}, .index = 2, .op = {op_kind::cas, 1, 3, 2, {}}}};
    auto b = io::encode(m);
    // The variant index, prev (16 bytes), the count (4), entry 0 (term 8, index 8, op 25, is_noop 1,
    // client 4, request 8, time 8), then entry 1's is_noop.
    const std::size_t noop_at = 1 + 16 + 4 + 62 + 41;
    REQUIRE(b[noop_at] == std::byte{0});
    b[noop_at - 25] = std::byte{9};  // entry 1's op kind: outside the enum, it decodes (the node refuses it: issue 27)
    CHECK(io::decode<W>(b).ok());
    b[noop_at] = std::byte{2};
    CHECK(!io::decode<W>(b, {}, &why).ok());
    CHECK(why.path == "entries[1].is_noop");
    CHECK(why.offset == noop_at);
    CHECK(why.message() == "decode: bool not 0 or 1 at byte " + std::to_string(noop_at) + " (in entries[1].is_noop)");
    b.resize(noop_at - 30);  // the count is checked against what is left before any entry is read
    CHECK(!io::decode<W>(b, {}, &why).ok());
    CHECK(why.reason == "more elements than the input can hold");
    CHECK(why.path == "entries");
  }
}

TEST_CASE("codec: frames carry the length and the format version, checked before the body", "[io][codec]") {
  const lb_register::message m = std::variant_alternative_t<1, lb_register::message>{true, true};
  std::vector<std::byte> f;
  REQUIRE(io::encode_frame(m, f).ok());
  REQUIRE(f.size() == io::frame_header_bytes + 3);
  CHECK(f[0] == std::byte{3});
  CHECK(f[4] == std::byte{io::format_version});
  auto len = io::frame_body_bytes(f);
  REQUIRE(len.ok());
  CHECK(*len == 3);
  REQUIRE(io::decode_frame<lb_register::message>(f).ok());

  auto other_version = f;
  other_version[4] = std::byte{io::format_version + 1};
  CHECK(io::frame_body_bytes(other_version).code() == errc::unsupported);
  CHECK(io::decode_frame<lb_register::message>(other_version).code() == errc::unsupported);
  auto reserved = f;
  reserved[7] = std::byte{1};
  CHECK(io::decode_frame<lb_register::message>(reserved).code() == errc::malformed);
  auto short_body = f;
  short_body.pop_back();
  CHECK(io::decode_frame<lb_register::message>(short_body).code() == errc::malformed);
  io::codec_limits tiny;
  tiny.max_frame_bytes = 2;
  CHECK(io::frame_body_bytes(f, tiny).code() == errc::out_of_range);
  std::vector<std::byte> out{std::byte{7}};
  CHECK(io::encode_frame(m, out, tiny).code() == errc::out_of_range);
  CHECK(out.size() == 1);  // nothing appended
}

TEST_CASE("codec: every wire type of every topology round-trips arbitrary values", "[io][codec][laws]") {
  for (std::uint64_t seed : test::seeds(200)) {
    INFO("seed " << seed << " (replay: REPLICA_SEED=" << seed << ")");
    std::mt19937_64 g{seed};
    for_each_node([&]<class N>(N*) {
      for_each_type(static_cast<wire_types<N>*>(nullptr), [&]<class T>(T*) { round_trip(test::arbitrary<T>(g)); });
    });
  }
}

TEST_CASE("codec: any bytes decode to a value or an error, and a value re-encodes to the same bytes", "[io][codec][laws]") {
  std::size_t decoded = 0, refused = 0;
  for (std::uint64_t seed : test::seeds(200)) {
    INFO("seed " << seed << " (replay: REPLICA_SEED=" << seed << ")");
    std::mt19937_64 g{seed};
    for_each_node([&]<class N>(N*) {
      for_each_type(static_cast<wire_types<N>*>(nullptr), [&]<class T>(T*) {
        // A valid encoding, cut at a random byte, with a random byte changed, or random bytes.
        std::vector<std::byte> b = io::encode(test::arbitrary<T>(g));
        switch (g() % 3) {
          case 0: b.resize(g() % (b.size() + 1)); break;
          case 1:
            if (!b.empty()) b[g() % b.size()] ^= static_cast<std::byte>(1u << (g() % 8));
            break;
          default:
            b.resize(g() % 64);
            for (auto& x : b) x = static_cast<std::byte>(g());
        }
        (decodes_canonically<T>(b) ? decoded : refused) += 1;
      });
    });
  }
  if (test::seeds(200).size() >= 200) {
    CHECK(decoded > 100);  // both outcomes happen: the law is exercised on values, not only on errors
    CHECK(refused > 100);
  }
}

namespace {

/// Runs `N` on the simulator for 4 s of faults and traffic, checking the round trip of every
/// message and persist entry its nodes produce and of every node's disk at the end.
template <class N>
void run_and_round_trip(std::uint64_t seed) {
  auto c = test::three_nodes<N>(seed);
  std::set<std::size_t> kinds;
  std::size_t messages = 0, persisted = 0;
  c.on_effects([&](replica_id, const effects_of<N>& fx) {
    for (const auto& m : fx.messages) {
      round_trip(m);
      kinds.insert(m.payload.index());
      ++messages;
    }
    for (const auto& p : fx.persist) {
      round_trip(p);
      ++persisted;
    }
    for (const auto& r : fx.replies) round_trip(r);
  });
  sim::nemesis_options no;
  no.kinds = {sim::fault_kind::isolate, sim::fault_kind::crash, sim::fault_kind::lossy, sim::fault_kind::clock_skew};
  no.safety = 4s;
  no.mean_fault = 500ms;
  sim::schedule_faults<N>(c, sim::plan_faults(no, c.size(), c.random()));
  if constexpr (std::is_same_v<N, lb_store>) {
    std::mt19937_64 g{seed};
    for (std::uint64_t i = 1; i <= 200; ++i) {
      kv_store::operation op = kv_store::put{"k" + std::to_string(g() % 5), std::to_string(i)};
      if (i % 3 == 0) op = kv_store::increment{"n", 2};
      if (i % 5 == 0) op = kv_store::get{"k1"};
      c.at(static_cast<sim::sim_time>(i * 20'000), [op, i](sim::cluster<N>& cl) {
        cl.submit(replica_id{static_cast<std::uint32_t>(i % 3)}, client_request<kv_store::operation>{client_id{1}, request_id{i}, op});
      });
    }
  } else {
    sim::session_options s;
    s.clients = 3;
    s.keys = 4;
    s.stop = no.safety.count();
    if constexpr (std::is_same_v<N, ll_or_set> || std::is_same_v<N, ll_counter> || std::is_same_v<N, ml_or_set>) {
      s.write_weight = 0;  // the CRDTs take adds (and reads), not register writes
      s.cas_weight = 0;
      s.add_weight = 1;
    }
    c.add_sessions(s);
  }
  c.run_until(no.safety.count());
  sim::heal_everything(c);
  c.run_until(c.now() + 1'000'000);
  for (std::uint32_t i = 0; i < c.size(); ++i) round_trip(c.disk(replica_id{i}));
  INFO("composition " << composition_name<N>() << ": " << messages << " messages, " << persisted << " persisted");
  CHECK(messages > 100);
  CHECK(persisted > 10);
  CHECK(kinds.size() >= 2);
}

}  // namespace

TEST_CASE("codec: every message and persist entry of real runs under faults round-trips", "[io][codec]") {
  for (std::uint64_t seed : test::seeds(3)) {
    INFO("seed " << seed << " (replay: REPLICA_SEED=" << seed << ")");
    for_each_node([&]<class N>(N*) { run_and_round_trip<N>(seed); });
  }
}
