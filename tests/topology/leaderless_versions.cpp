// A leaderless node over version types the user wrote: everything the node needs of a version
// (a hash for anti-entropy, the causal context of reads and writes, the next event) comes from
// `replica::version_traits` (docs/policies/versioning.md), never from the concrete type.
#include "../support/leaderless.hpp"
#include "../support/seeds.hpp"

#include <replica/core/fields.hpp>
#include <replica/io/codec.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/version_traits.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <tuple>
#include <utility>

using namespace replica;
using namespace std::chrono_literals;

namespace user {

/// A totally ordered version of the user's: (epoch, counter, replica), as examples/custom_policies'
/// session_clock. No hash of its own: its REPLICA_FIELDS give one (structural_hash).
class ticket {
 public:
  using family = versioning_tag;
  static constexpr bool totally_ordered = true;
  static constexpr bool causal_advance = true;
  ticket() = default;
  ticket(std::uint32_t epoch, std::uint64_t counter, replica_id r) : epoch_{epoch}, counter_{counter}, r_{r} {}
  [[nodiscard]] causal_order compare(const ticket& o) const {
    const auto a = std::tuple{epoch_, counter_, r_}, b = std::tuple{o.epoch_, o.counter_, o.r_};
    return a < b ? causal_order::before : b < a ? causal_order::after : causal_order::equal;
  }
  void merge(const ticket& o) {
    if (compare(o) == causal_order::before) *this = o;
  }
  status advance(replica_id r, local_time) {
    ++counter_;
    r_ = r;
    return {};
  }
  [[nodiscard]] std::uint64_t counter() const { return counter_; }
  friend bool operator==(const ticket&, const ticket&) = default;
  REPLICA_FIELDS(epoch_, counter_, r_);

 private:
  std::uint32_t epoch_ = 0;
  std::uint64_t counter_ = 0;
  replica_id r_{};
};

/// A partially ordered version of the user's. Its causal algebra is the library's dotted version
/// vector (compare, merge and advance delegate to it); what the node needs beyond the concept,
/// the user gives in version_traits below, so the node reaches it through the trait alone.
class tagged_dvv {
 public:
  using family = versioning_tag;
  static constexpr bool totally_ordered = false;
  static constexpr bool causal_advance = true;
  tagged_dvv() = default;
  explicit tagged_dvv(dotted_version_vector v) : v_{std::move(v)} {}
  [[nodiscard]] causal_order compare(const tagged_dvv& o) const { return v_.compare(o.v_); }
  void merge(const tagged_dvv& o) { v_.merge(o.v_); }
  status advance(replica_id r, local_time t) { return v_.advance(r, t); }
  [[nodiscard]] const dotted_version_vector& inner() const { return v_; }
  friend bool operator==(const tagged_dvv&, const tagged_dvv&) = default;
  REPLICA_FIELDS(v_);

 private:
  dotted_version_vector v_;
};

/// The user's context bytes: the key and the value, in the library's codec.
template <class C>
payload to_bytes(key_type k, const C& c) {
  return payload::copy_of(io::encode(std::pair{k, c}));
}
template <class C>
result<C> from_bytes(const payload& p, key_type k) {
  auto d = io::decode<std::pair<key_type, C>>(p.bytes());
  if (!d) return error{errc::malformed, "not a context"};
  if (d->first != k) return error{errc::wrong_key, "the context belongs to another key"};
  return std::move(d->second);
}

}  // namespace user

template <>
struct replica::version_traits<user::ticket> {
  static payload encode_context(key_type k, const user::ticket& t) { return user::to_bytes(k, t); }
  static result<user::ticket> decode_context(const payload& p, key_type k) { return user::from_bytes<user::ticket>(p, k); }
};

template <>
struct replica::version_traits<user::tagged_dvv> {
  // (context_type: tagged_dvv itself; context(): the merge of what was read, the default.)
  static payload encode_context(key_type k, const user::tagged_dvv& c) { return user::to_bytes(k, c); }
  static result<user::tagged_dvv> decode_context(const payload& p, key_type k) { return user::from_bytes<user::tagged_dvv>(p, k); }
  /// A dot above every counter of this replica the client saw or this replica holds: it
  /// supersedes exactly what was seen, and is concurrent with every other sibling.
  template <class Range>
  static result<user::tagged_dvv> next(const std::optional<user::tagged_dvv>& seen, const Range& stored, const user::tagged_dvv&,
                                       replica_id self, local_time) {
    const dotted_version_vector past = seen ? seen->inner() : dotted_version_vector{};
    std::uint64_t counter = past.max_counter(self);
    for (const user::tagged_dvv& v : stored) counter = std::max(counter, v.inner().max_counter(self));
    auto e = dotted_version_vector::event(past.base(), past.cloud(), dot{self, counter + 1});
    if (!e) return e.err();
    return user::tagged_dvv{std::move(*e)};
  }
};

namespace {

using lww_node = leaderless_node<replicator<leaderless<n<2>, w<1>, r<1>>, last_write_wins, user::ticket>>;
using sibling_node = leaderless_node<replicator<leaderless<n<2>, w<1>, r<1>>, keep_siblings, user::tagged_dvv>>;
static_assert(versions::carries_context<user::ticket> && versions::makes_events<user::ticket>);
static_assert(versions::carries_context<user::tagged_dvv> && versions::makes_events<user::tagged_dvv>);
static_assert(!versions::makes_events<version_vector<>> && versions::one_vector_per_key<version_vector<>>);

/// Two nodes of a two-node cluster whose disks hold `a` and `b` for key `k`, with anti-entropy
/// every 10 ms; messages are delivered by hand until none is left.
template <class Node>
std::pair<std::vector<typename Node::message>, bool> anti_entropy_between(Node& x, Node& y, local_time now) {
  std::vector<typename Node::message> seen;
  x.tick(now);
  bool any = false;
  std::vector<envelope<typename Node::message>> flight;
  auto drain = [&](Node& from) {
    for (auto& m : from.effects().messages) flight.push_back(m);
    for (const auto& e : from.effects().events) any |= e.what == leaderless_event::kind::anti_entropy;
    from.effects().clear();
  };
  drain(x);
  drain(y);
  for (int guard = 0; !flight.empty() && guard < 100; ++guard) {
    auto m = flight.front();
    flight.erase(flight.begin());
    seen.push_back(m.payload);
    Node& to = m.to == replica_id{0} ? x : y;
    REQUIRE(to.step(m, now));
    drain(to);
  }
  REQUIRE(flight.empty());
  return {seen, any};
}

template <class Node>
typename Node::config two_nodes() {
  typename Node::config cfg;
  cfg.nodes = 2;
  cfg.anti_entropy_interval = 10ms;
  return cfg;
}

}  // namespace

TEST_CASE("a user's totally ordered version type: anti-entropy converges replicas that differ only in a version",
          "[leaderless][versions][anti_entropy]") {
  constexpr key_type k = 7;
  using held = typename lww_node::siblings;
  typename lww_node::durable_state a, b;
  a.store[k] = held{{user::ticket{1, 4, replica_id{0}}, 42, false}};
  b.store[k] = held{{user::ticket{1, 9, replica_id{1}}, 42, false}};  // the same value, a later version
  lww_node x{replica_id{0}, two_nodes<lww_node>(), a};
  lww_node y{replica_id{1}, two_nodes<lww_node>(), b};
  REQUIRE(x.values(k) == std::vector<value_type>{42});
  REQUIRE(y.values(k) == std::vector<value_type>{42});
  CHECK(x.digest() == y.digest());  // what reads see is alike...
  REQUIRE(!(*x.stored(k) == *y.stored(k)));  // ...the versions are not

  const auto [messages, found] = anti_entropy_between(x, y, local_time{20ms});
  CHECK(found);  // the trees differed: the versions' hashes are in them
  REQUIRE(x.stored(k) != nullptr);
  REQUIRE(y.stored(k) != nullptr);
  CHECK(*x.stored(k) == *y.stored(k));
  CHECK(x.stored(k)->front().version == user::ticket{1, 9, replica_id{1}});

  // A second round finds nothing to exchange.
  const auto [again, found_again] = anti_entropy_between(x, y, local_time{40ms});
  CHECK_FALSE(found_again);
}

TEST_CASE("a user's partially ordered version type keeps siblings, anti-entropy converges a version-only difference",
          "[leaderless][versions][anti_entropy]") {
  constexpr key_type k = 11;
  using held = typename sibling_node::siblings;
  const auto first = dotted_version_vector::event(version_vector<>{}, dot{replica_id{0}, 1}).value();
  version_vector<> saw;
  saw.raise(replica_id{0}, 1);
  const auto second = dotted_version_vector::event(saw, dot{replica_id{1}, 1}).value();  // after first
  typename sibling_node::durable_state a, b;
  a.store[k] = held{{user::tagged_dvv{first}, 5, false}};
  b.store[k] = held{{user::tagged_dvv{second}, 5, false}};
  sibling_node x{replica_id{0}, two_nodes<sibling_node>(), a};
  sibling_node y{replica_id{1}, two_nodes<sibling_node>(), b};
  CHECK(x.digest() == y.digest());
  const auto [messages, found] = anti_entropy_between(x, y, local_time{20ms});
  CHECK(found);
  REQUIRE(x.stored(k) != nullptr);
  REQUIRE(x.stored(k)->size() == 1);
  CHECK(*x.stored(k) == *y.stored(k));
  CHECK(x.stored(k)->front().version == user::tagged_dvv{second});
}

TEST_CASE("a user's partially ordered version type in a simulated cluster: concurrent writes are siblings, a write "
          "with the read's context resolves them",
          "[leaderless][versions]") {
  using node = leaderless_node<replicator<leaderless<n<3>, w<2>, r<2>>, keep_siblings, user::tagged_dvv>>;
  for (const std::uint64_t seed : test::seeds(20)) {
    INFO("seed " << seed);
    auto c = test::leaderless_cluster<node>(3, seed);
    constexpr key_type k = 3;
    const auto ids = test::walk(c, k);
    c.invoke(ids[0], {op_kind::write, k, 1});
    c.invoke(ids[1], {op_kind::write, k, 2});  // concurrent: neither saw the other
    c.run_for(200ms);
    auto read = test::try_read(c, ids[2], k);
    REQUIRE(read);
    CHECK(read->first == std::vector<value_type>{1, 2});  // both kept, as siblings
    REQUIRE_FALSE(read->second.empty());                  // with the user's context
    const auto p = c.invoke(ids[2], {op_kind::write, k, 3}, 300ms, std::nullopt, read->second);
    c.run_for(300ms);
    const auto* done = test::completion(c.history(), p);
    REQUIRE(done != nullptr);
    REQUIRE(done->type == check::event_type::ok);
    auto after = test::try_read(c, ids[0], k);
    REQUIRE(after);
    CHECK(after->first == std::vector<value_type>{3});  // the context covered both siblings
  }
}

TEST_CASE("a user's totally ordered version type in a simulated cluster under partitions: last write wins, every "
          "replica converges",
          "[leaderless][versions][faults]") {
  using node = leaderless_node<replicator<leaderless<n<3>, w<2>, r<2>, sloppy_quorum>, last_write_wins, user::ticket>>;
  for (const std::uint64_t seed : test::seeds(20)) {
    INFO("seed " << seed);
    typename node::config cfg;
    cfg.nodes = 5;
    cfg.anti_entropy_interval = 50ms;
    auto c = test::leaderless_cluster<node>(cfg, seed);
    for (int i = 0; i < 40; ++i) {
      c.invoke(replica_id{static_cast<std::uint32_t>(i % 5)}, {op_kind::write, static_cast<key_type>(i % 4), i});
      if (i == 10) c.net().isolate(replica_id{static_cast<std::uint32_t>(seed % 5)});
      if (i == 30) c.net().heal();
      c.run_for(20ms);
    }
    c.run_for(3s);
    for (key_type k = 0; k < 4; ++k) {
      const auto ids = test::walk(c, k);
      REQUIRE(c.node(ids[0])->stored(k) != nullptr);
      for (std::size_t i = 1; i < 3; ++i) {
        REQUIRE(c.node(ids[i])->stored(k) != nullptr);
        CHECK(*c.node(ids[i])->stored(k) == *c.node(ids[0])->stored(k));
      }
    }
  }
}
