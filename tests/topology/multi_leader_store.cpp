// The multi-leader node over the user's data model: kv_store's string keys and values
// (data/data_model.hpp), per key an LWW register, a siblings register or one merged through the
// application's function, in the simulator with a partition between the leaders.
#include "../support/client.hpp"
#include "../support/multi_leader.hpp"

#include <replica/data/kv_store.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/resolve/merge_with.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace replica;
using namespace std::chrono_literals;

namespace {
/// The application's merge over strings: the longer one (ties: the larger).
struct longest {
  std::string operator()(const std::string& a, const std::string& b) const {
    if (a.size() != b.size()) return a.size() > b.size() ? a : b;
    return std::max(a, b);
  }
};
using lww_store = multi_leader_node<replicator<multi_leader, last_write_wins, hybrid_logical_clock>, kv_store>;
using sibling_store = multi_leader_node<replicator<multi_leader, keep_siblings>, kv_store>;
using merge_store = multi_leader_node<replicator<multi_leader, merge_with<longest>>, kv_store>;

const replica_id n0{0}, n1{1}, n2{2};
}  // namespace

TEMPLATE_TEST_CASE("multi-leader over kv_store: put, get and remove of strings, compare-and-set and increment refused",
                   "[multi_leader][store]", lww_store, sibling_store, merge_store) {
  STATIC_REQUIRE(std::is_same_v<typename TestType::reply, basic_client_reply<std::vector<std::string>>>);
  auto c = test::make_leaders<TestType>(3, 1);
  test::client<TestType> cl{c};
  const auto put = cl.call(n0, kv_store::put{"user:1", std::string(300, 'a') + "lice"});
  REQUIRE(put);
  REQUIRE(put->status == reply_status::ok);
  c.run_for(200ms);
  const auto got = cl.call(n2, kv_store::get{"user:1"});
  REQUIRE(got);
  REQUIRE(got->status == reply_status::ok);
  CHECK(got->result == std::vector<std::string>{std::string(300, 'a') + "lice"});  // every byte, at another leader
  const auto cas = cl.call(n1, kv_store::compare_and_set{"user:1", std::nullopt, "bob"});
  REQUIRE(cas);
  CHECK(cas->status == reply_status::fail);
  CHECK(cas->error == errc::unsupported);
  const auto inc = cl.call(n1, kv_store::increment{"n", 1});
  REQUIRE(inc);
  CHECK(inc->status == reply_status::fail);
  CHECK(inc->error == errc::unsupported);
  const auto del = cl.call(n1, kv_store::remove{"user:1"}, got->context);
  REQUIRE(del);
  REQUIRE(del->status == reply_status::ok);
  c.run_for(200ms);
  for (replica_id r : {n0, n1, n2}) {
    const auto gone = cl.call(r, kv_store::get{"user:1"});
    REQUIRE(gone);
    CHECK(gone->result.empty());
  }
}

TEMPLATE_TEST_CASE("multi-leader over kv_store: two leaders write one key during a partition, after heal every leader "
                   "holds both (siblings), one (LWW) or the merge",
                   "[multi_leader][store][faults]", lww_store, sibling_store, merge_store) {
  for (const std::uint64_t seed : test::seeds(10)) {
    INFO("seed " << seed);
    auto c = test::make_leaders<TestType>(3, seed);
    test::client<TestType> cl{c};
    c.net().isolate(n0);
    const auto a = cl.call(n0, kv_store::put{"cart", "apple"});
    const auto b = cl.call(n1, kv_store::put{"cart", "banana"});
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(a->status == reply_status::ok);  // each leader acknowledges alone (asynchronous)
    REQUIRE(b->status == reply_status::ok);
    c.run_for(100ms);
    c.net().heal();
    c.run_for(500ms);
    std::optional<std::vector<std::string>> first;
    for (replica_id r : {n0, n1, n2}) {
      const auto got = cl.call(r, kv_store::get{"cart"});
      REQUIRE(got);
      REQUIRE(got->status == reply_status::ok);
      if (!first) first = got->result;
      CHECK(got->result == *first);  // converged
    }
    if constexpr (std::is_same_v<TestType, sibling_store>)
      CHECK(*first == std::vector<std::string>{"apple", "banana"});
    else if constexpr (std::is_same_v<TestType, merge_store>)
      CHECK(*first == std::vector<std::string>{"banana"});
    else
      CHECK((*first == std::vector<std::string>{"apple"} || *first == std::vector<std::string>{"banana"}));  // one is gone
  }
}
