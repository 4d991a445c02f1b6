#include <replica/describe.hpp>
#include <replica/commit.hpp>
#include <replica/resolve.hpp>
#include <replica/topology.hpp>
#include <replica/versioning.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using namespace replica;

namespace {
bool mentions(const std::vector<std::string>& lines, const std::string& word) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(word) != std::string::npos; });
}
}  // namespace

TEST_CASE("describe reads guarantees and hazards off the policy types", "[describe]") {
  const auto async = describe<replicator<leader_based, asynchronous, cluster_size<3>>>();
  CHECK(async.topology == "leader_based");
  CHECK(async.cluster == "3");
  CHECK(mentions(async.hazards, "can be lost"));

  const auto maj = describe<replicator<leader_based, majority>>();
  CHECK(mentions(maj.guarantees, "majority"));
  CHECK_FALSE(mentions(maj.hazards, "can be lost"));
  CHECK(maj.cluster == "dynamic");

  const auto lww = describe<replicator<leaderless<n<3>, w<1>, r<1>>, last_write_wins, physical_clock>>();
  CHECK(lww.commit == "write quorum");
  CHECK(mentions(lww.hazards, "W + R <= N"));
  CHECK(mentions(lww.hazards, "discarded"));
  CHECK(mentions(lww.hazards, "wall clocks"));

  const auto dyn = describe<replicator<leaderless<>, keep_siblings>>();
  CHECK(mentions(dyn.guarantees, "W + R > N"));
  CHECK(mentions(dyn.guarantees, "none is lost"));
}
