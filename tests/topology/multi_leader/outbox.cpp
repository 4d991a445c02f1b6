// multi_leader/outbox.hpp and multi_leader/acknowledgements.hpp, alone: what is re-sent to whom,
// what is trimmed once every receiver has it, and which waiting writes an acknowledgement
// confirms or a deadline gives up on.
#include <replica/topology/multi_leader/acknowledgements.hpp>
#include <replica/topology/multi_leader/outbox.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <initializer_list>
#include <utility>
#include <vector>

using namespace replica;
using namespace replica::multi_leader_detail;

namespace {
struct change {
  replica_id origin{};
  std::uint64_t seq = 0;
};
replica_id r(std::uint32_t i) { return replica_id{i}; }
version_vector<> applied(std::initializer_list<version_vector<>::entry> es) { return version_vector<>(es); }
std::vector<std::pair<std::uint32_t, std::uint64_t>> ids(const std::vector<change>& cs) {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> out;
  for (const auto& c : cs) out.emplace_back(c.origin.value(), c.seq);
  return out;
}
}  // namespace

TEST_CASE("outbox: re-sends what a peer has not acknowledged, at most a batch, oldest first", "[multi_leader][outbox]") {
  const propagation_plan plan{propagation_topology::all_to_all, r(0), 3, r(0)};
  outbox<change> box;
  for (std::uint64_t s = 1; s <= 4; ++s) box.keep({r(0), s});
  box.keep({r(1), 1});  // all-to-all: another origin's change is not ours to send
  CHECK(ids(box.due(r(1), plan, applied({{r(0), 2}}), 10)) == std::vector<std::pair<std::uint32_t, std::uint64_t>>{{0, 3}, {0, 4}});
  CHECK(ids(box.due(r(2), plan, {}, 2)) == std::vector<std::pair<std::uint32_t, std::uint64_t>>{{0, 1}, {0, 2}});
  CHECK(box.due(r(1), plan, applied({{r(0), 4}}), 10).empty());
}

TEST_CASE("outbox: a change is trimmed once every receiver it goes to has acknowledged it", "[multi_leader][outbox]") {
  const propagation_plan plan{propagation_topology::ring, r(0), 3, r(0)};  // 0 sends everything to 1
  outbox<change> box;
  box.keep({r(0), 1});
  box.keep({r(2), 1});  // relayed
  box.keep({r(0), 2});
  ack_book book{3};
  const std::vector<replica_id> targets = plan.targets();
  CHECK(box.trim(plan, targets, book).empty());
  CHECK(box.size() == 3);
  book.heard(r(1), applied({{r(0), 1}, {r(2), 1}}));
  CHECK(box.trim(plan, targets, book) == std::vector<dot>{dot{r(0), 1}, dot{r(2), 1}});  // sorted
  CHECK(box.size() == 1);
  CHECK(ids(box.due(r(1), plan, book.applied(r(1)), 10)) == std::vector<std::pair<std::uint32_t, std::uint64_t>>{{0, 2}});
}

TEST_CASE("ack_book: a write is confirmed once enough other leaders applied it, or expires", "[multi_leader][acknowledgements]") {
  STATIC_REQUIRE(leaders_to_wait_for<majority>::of(5) == 2);
  STATIC_REQUIRE(leaders_to_wait_for<synchronous>::of(3) == 2);
  STATIC_REQUIRE(leaders_to_wait_for<asynchronous>::of(3) == 0);
  ack_book book{3};
  const local_time t0{};
  book.await(1, client_id{7}, request_id{1}, t0 + std::chrono::seconds{1});
  book.await(2, client_id{7}, request_id{2}, t0 + std::chrono::seconds{1});
  std::vector<std::uint64_t> confirmed, late;
  auto done = [&](client_id, request_id id) { confirmed.push_back(id.value()); };
  book.heard(r(1), applied({{r(0), 1}}));
  book.confirm(r(0), 2, done);  // one other leader of the two needed
  CHECK(confirmed.empty());
  book.heard(r(0), applied({{r(0), 2}}));  // (its own word about itself never counts)
  book.confirm(r(0), 2, done);
  CHECK(confirmed.empty());
  book.heard(r(2), applied({{r(0), 1}}));
  book.confirm(r(0), 2, done);
  CHECK(confirmed == std::vector<std::uint64_t>{1});
  book.heard(r(1), applied({}));  // a late, smaller acknowledgement changes nothing
  CHECK(book.applied(r(1)).counter(r(0)) == 1);
  book.expire(t0 + std::chrono::milliseconds{999}, [&](client_id, request_id id) { late.push_back(id.value()); });
  CHECK(late.empty());
  book.expire(t0 + std::chrono::seconds{1}, [&](client_id, request_id id) { late.push_back(id.value()); });
  CHECK(late == std::vector<std::uint64_t>{2});
  CHECK_FALSE(book.waiting());
}
