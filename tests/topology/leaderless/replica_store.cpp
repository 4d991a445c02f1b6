// The replica store of a leaderless node alone: merging by the strategy, what is persisted, the
// Merkle tree following every change, tombstone collection after the grace period.
#include <replica/core/client.hpp>
#include <replica/data/kv_register.hpp>
#include <replica/topology/leaderless/hints.hpp>
#include <replica/topology/leaderless/replica_store.hpp>
#include <replica/topology/leaderless/store_strategy.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>
#include <replica/versioning/version_traits.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <variant>
#include <vector>

using namespace replica;
using namespace replica::leaderless_detail;
using namespace std::chrono_literals;

namespace {
using lww = version_siblings<hybrid_logical_clock, value_type, true>;
using dvv = version_siblings<dotted_version_vector, value_type, false>;
struct stored_write {
  key_type key = 0;
  lww::state versions;
};
struct drop {
  replica_id target{};
  key_type key = 0;
};
struct hint {
  replica_id target{};
  key_type key = 0;
  lww::state versions;
  std::uint64_t serial = 0;
};
using persisted = std::vector<std::variant<stored_write, hint, drop>>;
using store = replica_store<lww, kv_register, stored_write, 4>;

lww::state at(std::int64_t wall, value_type v, bool tombstone = false) {
  return lww::state{{hybrid_logical_clock{wall, 0, replica_id{0}}, v, tombstone}};
}
}  // namespace

TEST_CASE("replica store: a newer version replaces, an older or equal one changes nothing and persists nothing",
          "[leaderless][store]") {
  store s;
  persisted out;
  REQUIRE(s.put(1, at(10, 5), local_time{}, out));
  REQUIRE(out.size() == 1);
  const auto root = s.tree().root();
  CHECK(root != 0);
  REQUIRE(s.put(1, at(5, 6), local_time{}, out));  // older: known
  REQUIRE(s.put(1, at(10, 5), local_time{}, out));  // the same
  CHECK(out.size() == 1);
  CHECK(s.tree().root() == root);
  REQUIRE(s.put(1, at(20, 7), local_time{}, out));
  REQUIRE(out.size() == 2);
  CHECK(std::get<stored_write>(out.back()).versions == at(20, 7));
  REQUIRE(s.find(1) != nullptr);
  CHECK(*s.find(1) == at(20, 7));
  CHECK(s.tree().root() != root);
}

TEST_CASE("replica store: a key only tombstones is collected after the grace, and its Merkle leaf goes with it",
          "[leaderless][store][tombstones]") {
  store s;
  persisted out;
  REQUIRE(s.put(2, at(10, 1), local_time{}, out));
  const auto empty_root = store{}.tree().root();
  REQUIRE(s.put(2, at(20, 0, true), local_time{1s}, out));
  s.collect(local_time{5s}, 10s, out);  // within the grace: kept
  REQUIRE(s.find(2) != nullptr);
  const std::size_t before = out.size();
  s.collect(local_time{11s}, 10s, out);
  CHECK(s.find(2) == nullptr);
  REQUIRE(out.size() == before + 1);
  CHECK(std::get<stored_write>(out.back()).versions.empty());  // persisted as collected
  CHECK(s.tree().root() == empty_root);
  // A live value after a delete clears the mark: nothing is collected.
  REQUIRE(s.put(3, at(10, 0, true), local_time{}, out));
  REQUIRE(s.put(3, at(30, 9), local_time{1s}, out));
  s.collect(local_time{100s}, 10s, out);
  CHECK(s.find(3) != nullptr);
}

TEST_CASE("replica store: versions that cannot be one key's are refused and change nothing", "[leaderless][store]") {
  // Two LWW versions that compare concurrent cannot happen with an HLC; the merge of two
  // states that each hold one is the test: a fixed_vector of one cannot hold both.
  using state = lww::state;
  const std::optional<state> ok = lww::merged(at(10, 1), at(20, 2));
  REQUIRE(ok);
  CHECK(*ok == at(20, 2));
  CHECK(lww::fits(1));
  CHECK_FALSE(lww::fits(2));
  CHECK(dvv::fits(2));
}

TEST_CASE("replica store: restored from a durable map, it holds the same keys and the same tree", "[leaderless][store]") {
  store s;
  persisted out;
  REQUIRE(s.put(1, at(10, 5), local_time{}, out));
  REQUIRE(s.put(9, at(11, 6), local_time{}, out));
  std::map<key_type, lww::state> disk;
  for (const auto& p : out) disk[std::get<stored_write>(p).key] = std::get<stored_write>(p).versions;
  store back;
  back.restore(disk);
  CHECK(back.tree().root() == s.tree().root());
  CHECK(back.size() == 2);
}

TEST_CASE("hint book: one hint per target and key, merged, a handoff acknowledged for older contents keeps it",
          "[leaderless][hints]") {
  hint_book<lww, hint, drop> book;
  persisted out;
  bool added = false;
  REQUIRE(book.keep(hint{replica_id{2}, 4, at(10, 1)}, out, &added));
  CHECK(added);
  REQUIRE(book.all().size() == 1);
  const auto first_stamp = book.stamp(book.all().front());
  REQUIRE(book.keep(hint{replica_id{2}, 4, at(20, 2)}, out, &added));  // a newer write joins it
  CHECK_FALSE(added);
  REQUIRE(book.all().size() == 1);
  CHECK(book.all().front().versions == at(20, 2));
  CHECK_FALSE(book.handed_off(replica_id{2}, 4, first_stamp, out));  // the handoff of the old contents
  REQUIRE(book.all().size() == 1);
  CHECK(book.handed_off(replica_id{2}, 4, book.stamp(book.all().front()), out));
  CHECK(book.all().empty());
  CHECK(std::holds_alternative<drop>(out.back()));
  // Restored hints continue their serials: a new hint never reuses one.
  hint_book<lww, hint, drop> again{{hint{replica_id{1}, 1, at(1, 1), 7}}};
  REQUIRE(again.keep(hint{replica_id{1}, 2, at(1, 1)}, out));
  CHECK(again.all().back().serial == 8);
}

TEST_CASE("store strategy: the versioned siblings' read, context and next version come from version_traits",
          "[leaderless][store][versions]") {
  // DVV siblings: a blind write at replica 0 over a sibling it holds is concurrent with it.
  const auto none = [] { return static_cast<const dvv::state*>(nullptr); };
  const auto holds = [](const dvv::state& s) { return [&s] { return &s; }; };
  dvv::state held;
  auto made = dvv::make_write(held, data_access::write, 1, 5, payload{}, none, dotted_version_vector{}, replica_id{0}, local_time{});
  REQUIRE(made);
  REQUIRE(held.size() == 1);
  dvv::state next;
  REQUIRE(dvv::make_write(next, data_access::write, 2, 5, payload{}, holds(held), dotted_version_vector{}, replica_id{0}, local_time{}));
  CHECK(next.front().version.compare(held.front().version) == causal_order::concurrent);
  // With the context of a read of `held`, the write supersedes it.
  const payload ctx = dvv::context(5, held);
  REQUIRE_FALSE(ctx.empty());
  dvv::state after;
  REQUIRE(dvv::make_write(after, data_access::write, 3, 5, ctx, holds(held), dotted_version_vector{}, replica_id{1}, local_time{}));
  CHECK(after.front().version.compare(held.front().version) == causal_order::after);
  // A context made for another key is refused, and nothing is written.
  dvv::state refused;
  auto bad = dvv::make_write(refused, data_access::write, 3, 6, ctx, none, dotted_version_vector{}, replica_id{1}, local_time{});
  REQUIRE_FALSE(bad);
  CHECK(bad.code() == errc::wrong_key);
  CHECK(refused.empty());
  // A tombstone reads as nothing.
  dvv::state gone;
  REQUIRE(dvv::make_write(gone, data_access::remove, 0, 5, ctx, holds(held), dotted_version_vector{}, replica_id{1}, local_time{}));
  CHECK(dvv::live(gone).empty());
  CHECK(dvv::only_tombstones(gone));
}
