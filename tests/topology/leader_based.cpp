#include "leader_based_support.hpp"

#include <catch2/catch.hpp>

using namespace test;

TEST_CASE("leader-based: one leader is elected and writes replicate to every replica", "[leader_based]") {
  using node = lb<majority, cluster_size<3>>;
  auto c = make_cluster<node>(3, 1);
  const replica_id l = await_leader(c);
  for (std::uint32_t i = 0; i < 3; ++i)
    if (replica_id{i} != l) CHECK_FALSE(c.node(replica_id{i})->is_leader());
  c.invoke(l, {op_kind::write, 0, 42});
  c.run_for(200ms);
  REQUIRE(c.history().size() == 2);
  CHECK(c.history()[1].type == check::event_type::ok);
  for (std::uint32_t i = 0; i < 3; ++i) CHECK(c.node(replica_id{i})->machine().value(0) == 42);
  CHECK(c.converged());
}

namespace {
/// A user's own commit mode (majority), recording the sets the leader hands it. `Declares`: it
/// says it reads neither the in-sync set nor connectivity.
template <bool Declares>
struct recording_majority {
  using family = commit_tag;
  static constexpr std::string_view name = "recording_majority";
  static constexpr std::size_t required_replicas = 1;
  static constexpr bool survives_leader_loss = true;
  static inline std::size_t calls = 0, in_sync_given = 0, connected_given = 0;
  static std::optional<std::uint64_t> commit_point(const replication_view& v) noexcept {
    ++calls;
    in_sync_given += v.in_sync.size() == v.match.size() ? 1 : 0;
    connected_given += v.connected.size() == v.match.size() ? 1 : 0;
    return majority::commit_point(v);
  }
};
template <>
struct recording_majority<true> : recording_majority<false> {
  static constexpr bool reads_in_sync = false;
  static constexpr bool reads_connected = false;
  static inline std::size_t calls = 0, in_sync_given = 0, connected_given = 0;
  static std::optional<std::uint64_t> commit_point(const replication_view& v) noexcept {
    ++calls;
    in_sync_given += v.in_sync.empty() ? 0 : 1;
    connected_given += v.connected.empty() ? 0 : 1;
    return majority::commit_point(v);
  }
};
}  // namespace

TEST_CASE("leader-based: a user's commit mode is handed the in-sync set and connectivity unless it declares it reads neither",
          "[leader_based]") {
  auto run = [](auto mode) {
    using M = decltype(mode);
    using node = lb<M, cluster_size<3>>;
    auto c = make_cluster<node>(3, 7);
    const replica_id l = await_leader(c);
    for (value_type v = 1; v <= 5; ++v) c.invoke(l, {op_kind::write, 0, v});
    c.run_for(300ms);
    for (std::uint32_t i = 0; i < 3; ++i) CHECK(c.node(replica_id{i})->machine().value(0) == 5);  // the rule committed them
    CHECK(M::calls > 0);
  };
  run(recording_majority<false>{});
  CHECK(recording_majority<false>::in_sync_given == recording_majority<false>::calls);    // every time, whole
  CHECK(recording_majority<false>::connected_given == recording_majority<false>::calls);
  run(recording_majority<true>{});
  CHECK(recording_majority<true>::in_sync_given == 0);  // never worked out for it
  CHECK(recording_majority<true>::connected_given == 0);
}
