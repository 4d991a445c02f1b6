// What a node asks of a version type (versioning/version_traits.hpp): the defaults, and the
// built-in types' answers.
#include <replica/core/fields.hpp>
#include <replica/core/structural_hash.hpp>
#include <replica/versioning/lamport_clock.hpp>
#include <replica/versioning/physical_clock.hpp>
#include <replica/versioning/version_traits.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace replica;

namespace {
/// A user's version type with nothing but the concept and its fields described.
struct stamp {
  using family = versioning_tag;
  static constexpr bool totally_ordered = true;
  static constexpr bool causal_advance = true;
  std::uint64_t n = 0;
  replica_id by{};
  [[nodiscard]] causal_order compare(const stamp& o) const {
    return n < o.n ? causal_order::before : o.n < n ? causal_order::after : by == o.by ? causal_order::equal : by < o.by ? causal_order::before : causal_order::after;
  }
  void merge(const stamp& o) {
    if (compare(o) == causal_order::before) *this = o;
  }
  status advance(replica_id r, local_time) {
    ++n;
    by = r;
    return {};
  }
  friend bool operator==(const stamp&, const stamp&) = default;
  REPLICA_FIELDS(n, by);
};
struct nested {
  std::string name;
  std::vector<std::uint32_t> xs;
  std::optional<stamp> s;
  std::map<std::uint32_t, std::string> m;
  REPLICA_FIELDS(name, xs, s, m);
};
}  // namespace

TEST_CASE("structural_hash: equal values hash alike, a difference anywhere in the structure changes it", "[versioning][traits]") {
  const nested a{"x", {1, 2}, stamp{3, replica_id{1}}, {{1, "a"}}};
  CHECK(structural_hash(a) == structural_hash(nested{a}));
  auto differs = [&](auto change) {
    nested b = a;
    change(b);
    return structural_hash(b) != structural_hash(a);
  };
  CHECK(differs([](nested& b) { b.name = "y"; }));
  CHECK(differs([](nested& b) { b.xs.push_back(0); }));
  CHECK(differs([](nested& b) { b.xs = {2, 1}; }));  // order matters in a sequence
  CHECK(differs([](nested& b) { b.s.reset(); }));
  CHECK(differs([](nested& b) { b.s->by = replica_id{2}; }));
  CHECK(differs([](nested& b) { b.m[1] = "b"; }));
  // Fields are not confused with each other: moving a value between adjacent fields shows.
  CHECK(structural_hash(std::pair<std::uint32_t, std::uint32_t>{1, 0}) != structural_hash(std::pair<std::uint32_t, std::uint32_t>{0, 1}));
  CHECK(structural_hash(std::vector<std::vector<int>>{{1}, {}}) != structural_hash(std::vector<std::vector<int>>{{}, {1}}));
}

TEST_CASE("versions::hash: the trait's, else the type's own hash(), else its structure", "[versioning][traits]") {
  // Built-in clocks give their own (cheap, fixed-size) hash.
  const hybrid_logical_clock h{5, 1, replica_id{2}};
  CHECK(versions::hash(h) == h.hash());
  CHECK(versions::hash(h) != versions::hash(hybrid_logical_clock{5, 2, replica_id{2}}));
  CHECK(versions::hash(lamport_clock{3, replica_id{1}}) != versions::hash(lamport_clock{3, replica_id{2}}));
  CHECK(versions::hash(physical_clock{3, replica_id{1}}) != versions::hash(physical_clock{4, replica_id{1}}));
  // A user type with only REPLICA_FIELDS: its structure, so a version-only difference shows.
  CHECK(versions::hash(stamp{1, replica_id{0}}) == structural_hash(stamp{1, replica_id{0}}));
  CHECK(versions::hash(stamp{1, replica_id{0}}) != versions::hash(stamp{1, replica_id{1}}));
  // Dotted version vectors: the history (what == compares), not the own dot.
  const auto a = dotted_version_vector::event(version_vector<>{}, dot{replica_id{0}, 1}).value();
  const auto b = dotted_version_vector::event(version_vector<>{}, dot{replica_id{1}, 1}).value();
  CHECK(versions::hash(a) != versions::hash(b));
}

TEST_CASE("versions: contexts by default are the merge of what was read, and a type without bytes takes none",
          "[versioning][traits]") {
  STATIC_REQUIRE(std::is_same_v<versions::context_t<stamp>, stamp>);
  STATIC_REQUIRE_FALSE(versions::carries_context<stamp>);
  STATIC_REQUIRE(versions::makes_events<stamp>);
  const std::array<stamp, 3> read{stamp{1, replica_id{0}}, stamp{4, replica_id{1}}, stamp{2, replica_id{2}}};
  CHECK(versions::context<stamp>(read) == stamp{4, replica_id{1}});
  CHECK(versions::encode_context<stamp>(key_type{1}, read).empty());
  const auto none = versions::decode_context<stamp>(payload{}, 1);
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  const std::array<std::byte, 1> junk{std::byte{1}};
  const auto refused = versions::decode_context<stamp>(payload::copy_of(junk), 1);
  REQUIRE_FALSE(refused);
  CHECK(refused.code() == errc::malformed);
  // The default next event: after the node's clock and the client's context.
  auto next = versions::next<stamp>(std::optional<stamp>{stamp{9, replica_id{1}}}, std::span<const stamp>{}, stamp{3, replica_id{0}},
                                    replica_id{2}, local_time{});
  REQUIRE(next);
  CHECK(*next == stamp{10, replica_id{2}});
}

TEST_CASE("versions: a hybrid logical clock's context round-trips and a write after it sorts after it", "[versioning][traits]") {
  STATIC_REQUIRE(versions::carries_context<hybrid_logical_clock>);
  const std::array<hybrid_logical_clock, 1> read{hybrid_logical_clock{100, 3, replica_id{1}}};
  const payload p = versions::encode_context<hybrid_logical_clock>(key_type{4}, read);
  auto back = versions::decode_context<hybrid_logical_clock>(p, 4);
  REQUIRE(back);
  REQUIRE(back->has_value());
  CHECK(**back == read[0]);
  CHECK(versions::decode_context<hybrid_logical_clock>(p, 5).code() == errc::wrong_key);
  // A coordinator whose clock is behind still writes after what the client saw.
  auto next = versions::next<hybrid_logical_clock>(*back, std::span<const hybrid_logical_clock>{}, hybrid_logical_clock{}, replica_id{0},
                                                   local_time{});
  REQUIRE(next);
  CHECK(next->compare(read[0]) == causal_order::after);
}

TEST_CASE("versions: a dotted version vector's next event supersedes exactly the context and is concurrent with other "
          "siblings at the same replica",
          "[versioning][traits]") {
  STATIC_REQUIRE(versions::makes_events<dotted_version_vector>);
  STATIC_REQUIRE_FALSE(versions::makes_events<version_vector<>>);
  STATIC_REQUIRE(versions::one_vector_per_key<version_vector<3>>);
  const std::vector<dotted_version_vector> none;
  auto a = versions::next<dotted_version_vector>(std::nullopt, none, {}, replica_id{0}, local_time{});
  REQUIRE(a);
  const std::vector<dotted_version_vector> stored{*a};
  // Blind, at the same replica: concurrent with what it holds (not equal: a dot above it).
  auto b = versions::next<dotted_version_vector>(std::nullopt, stored, {}, replica_id{0}, local_time{});
  REQUIRE(b);
  CHECK(b->compare(*a) == causal_order::concurrent);
  // With a's context, at the replica that now holds both: after a, concurrent with b.
  const auto ctx = versions::context<dotted_version_vector>(stored);
  const std::vector<dotted_version_vector> both{*a, *b};
  auto c = versions::next<dotted_version_vector>(ctx, both, {}, replica_id{0}, local_time{});
  REQUIRE(c);
  CHECK(c->compare(*a) == causal_order::after);
  CHECK(c->compare(*b) == causal_order::concurrent);
}
