#include <replica/commit.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

using namespace replica;

namespace {
/// The naive reference: sort descending, pick.
std::uint64_t naive_kth_largest(std::vector<std::uint64_t> xs, std::size_t k) {
  std::sort(xs.begin(), xs.end(), std::greater<>{});
  return xs[k - 1];
}
replication_view view(const std::vector<std::uint64_t>& m, std::uint32_t leader, const std::vector<bool>* in_sync = nullptr) {
  static thread_local std::unique_ptr<bool[]> flags;
  replication_view v{m, replica_id{leader}};
  if (in_sync) {
    flags.reset(new bool[in_sync->size()]);
    for (std::size_t i = 0; i < in_sync->size(); ++i) flags[i] = (*in_sync)[i];
    v.in_sync = std::span<const bool>{flags.get(), in_sync->size()};
  }
  return v;
}
}  // namespace

TEST_CASE("quorum: the fast k-th largest equals a naive sort-and-pick", "[commit][quorum][property]") {
  rc::prop("kth_largest", [](std::vector<std::uint64_t> xs, std::uint8_t kk) {
    RC_PRE(!xs.empty() && xs.size() <= 16);
    for (auto& x : xs) x %= 50;  // many ties
    const std::size_t k = 1 + kk % xs.size();
    RC_ASSERT(detail::kth_largest(xs, k) == naive_kth_largest(xs, k));
  });
  rc::prop("majority commit point", [](std::vector<std::uint64_t> xs) {
    RC_PRE(!xs.empty() && xs.size() <= 15);
    RC_ASSERT(*majority::commit_point(view(xs, 0)) == naive_kth_largest(xs, xs.size() / 2 + 1));
  });
  rc::prop("semi-synchronous commit point", [](std::vector<std::uint64_t> xs, std::uint8_t l) {
    RC_PRE(xs.size() >= 3 && xs.size() <= 15);
    const std::uint32_t leader = l % static_cast<std::uint32_t>(xs.size());
    std::vector<std::uint64_t> followers;
    for (std::size_t i = 0; i < xs.size(); ++i)
      if (i != leader) followers.push_back(xs[i]);
    const std::uint64_t want = std::min(xs[leader], naive_kth_largest(followers, 2));
    RC_ASSERT(*semi_synchronous<2>::commit_point(view(xs, leader)) == want);
  });
}

TEST_CASE("quorum: each commit mode's rule", "[commit][quorum]") {
  const std::vector<std::uint64_t> m{10, 7, 3, 9, 1};  // leader 0
  CHECK(*asynchronous::commit_point(view(m, 0)) == 10);
  CHECK(*majority::commit_point(view(m, 0)) == 7);              // 10, 9, 7 hold 7
  CHECK(*semi_synchronous<1>::commit_point(view(m, 0)) == 9);   // the best follower
  CHECK(*semi_synchronous<3>::commit_point(view(m, 0)) == 3);
  CHECK_FALSE(semi_synchronous<5>::commit_point(view(m, 0)));   // only 4 followers
  CHECK(*first<2>::commit_point(view(m, 0)) == 3);              // followers 1 and 2 by priority
  const std::vector<bool> isr{true, true, false, true, false};
  CHECK(*synchronous_with<3>::commit_point(view(m, 0, &isr)) == 7);  // min over {0, 1, 3}
  CHECK_FALSE(synchronous_with<4>::commit_point(view(m, 0, &isr)));  // only 3 in sync: refuse
  // The leader's own position bounds every mode but majority.
  const std::vector<std::uint64_t> behind{2, 9, 9};
  CHECK(*semi_synchronous<1>::commit_point(view(behind, 0)) == 2);
}

TEST_CASE("quorum: first<K> skips disconnected followers and waits when too few remain", "[commit][quorum]") {
  const std::vector<std::uint64_t> m{10, 1, 8, 9};
  bool connected[] = {true, false, true, true};
  replication_view v{m, replica_id{0}};
  v.connected = connected;
  CHECK(*first<2>::commit_point(v) == 8);  // 1 is down: 2 and 3 are the first two connected
  connected[2] = false;
  CHECK_FALSE(first<2>::commit_point(v));
}

TEST_CASE("quorum: a mode that declares it does not read the in-sync set or connectivity does not", "[commit][quorum][property]") {
  // What each built-in mode declares (the leader hands an empty span for what a mode does not read).
  STATIC_REQUIRE_FALSE(commit_reads_in_sync<majority>);
  STATIC_REQUIRE_FALSE(commit_reads_connected<majority>);
  STATIC_REQUIRE_FALSE(commit_reads_in_sync<asynchronous>);
  STATIC_REQUIRE_FALSE(commit_reads_connected<asynchronous>);
  STATIC_REQUIRE_FALSE(commit_reads_in_sync<semi_synchronous<2>>);
  STATIC_REQUIRE_FALSE(commit_reads_connected<semi_synchronous<2>>);
  STATIC_REQUIRE_FALSE(commit_reads_in_sync<first<2>>);
  STATIC_REQUIRE(commit_reads_connected<first<2>>);
  STATIC_REQUIRE(commit_reads_in_sync<synchronous>);
  STATIC_REQUIRE_FALSE(commit_reads_connected<synchronous>);
  struct own_mode {  // a user's mode that declares nothing is handed both
    static std::optional<std::uint64_t> commit_point(const replication_view& v) noexcept { return v.match[0]; }
  };
  STATIC_REQUIRE(commit_reads_in_sync<own_mode>);
  STATIC_REQUIRE(commit_reads_connected<own_mode>);
  // The declarations are true: a set a mode says it does not read does not change its answer.
  rc::prop("undeclared sets do not change the commit point", [](std::vector<std::uint64_t> xs, std::vector<bool> isr, std::vector<bool> conn, std::uint8_t l) {
    RC_PRE(!xs.empty() && xs.size() <= 11);
    isr.resize(xs.size());
    conn.resize(xs.size());
    const auto leader = static_cast<std::uint32_t>(l % xs.size());
    std::unique_ptr<bool[]> in_sync{new bool[xs.size()]}, connected{new bool[xs.size()]};
    for (std::size_t i = 0; i < xs.size(); ++i) {
      in_sync[i] = isr[i];
      connected[i] = conn[i];
    }
    const replication_view bare{xs, replica_id{leader}};
    replication_view full = bare;
    full.in_sync = std::span<const bool>{in_sync.get(), xs.size()};
    full.connected = std::span<const bool>{connected.get(), xs.size()};
    auto unread_sets_ignored = [&](auto mode) {
      using M = decltype(mode);
      replication_view given = full;  // what the leader hands it
      if (!commit_reads_in_sync<M>) given.in_sync = {};
      if (!commit_reads_connected<M>) given.connected = {};
      RC_ASSERT(M::commit_point(given) == M::commit_point(full));
    };
    unread_sets_ignored(majority{});
    unread_sets_ignored(asynchronous{});
    unread_sets_ignored(semi_synchronous<1>{});
    unread_sets_ignored(semi_synchronous<2>{});
    unread_sets_ignored(first<1>{});
    unread_sets_ignored(first<2>{});
    unread_sets_ignored(synchronous_with<1>{});
    unread_sets_ignored(synchronous_with<2>{});
  });
}
