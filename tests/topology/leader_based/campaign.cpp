// leader_based/campaign.hpp: votes and randomized election timeouts.
#include <replica/topology/leader_based/campaign.hpp>

#include <catch2/catch.hpp>

using namespace replica;
using namespace leader_based_detail;

TEST_CASE("vote tally: a majority wins, a vote counts once", "[leader_based][campaign]") {
  vote_tally t;
  CHECK_FALSE(t.won());  // no round yet
  t.start(5, replica_id{2});
  CHECK(t.count() == 1);
  t.grant(replica_id{0});
  t.grant(replica_id{0});
  CHECK_FALSE(t.won());
  t.grant(replica_id{4});
  CHECK(t.won());
  t.grant(replica_id{9});  // not a member: ignored
  CHECK(t.count() == 3);
  t.start(1, replica_id{0});
  CHECK(t.won());  // a single replica elects itself
}

TEST_CASE("election timer: at least min and below max, the same for the same seed and replica", "[leader_based][campaign]") {
  election_timer a{7, replica_id{1}}, b{7, replica_id{1}}, c{7, replica_id{2}};
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next(std::chrono::milliseconds{150}, std::chrono::milliseconds{300});
    CHECK(x >= std::chrono::milliseconds{150});
    CHECK(x < std::chrono::milliseconds{300});
    CHECK(x == b.next(std::chrono::milliseconds{150}, std::chrono::milliseconds{300}));
    differs |= x != c.next(std::chrono::milliseconds{150}, std::chrono::milliseconds{300});
  }
  CHECK(differs);  // another replica draws other timeouts
  CHECK(a.next(std::chrono::milliseconds{5}, std::chrono::milliseconds{5}) == std::chrono::milliseconds{5});
}
