#include <replica/core/effects.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace replica;

TEST_CASE("ready batches clear without giving up their buffers", "[effects]") {
  ready<int, std::string, int, std::string> r;
  CHECK(r.empty());
  for (int i = 0; i < 10; ++i) {
    r.persist.push_back(i);
    r.messages.push_back({replica_id{0}, replica_id{1}, group_id{0}, term{1}, i});
    r.replies.emplace_back("ok");
  }
  const auto cap = r.messages.capacity();
  CHECK_FALSE(r.empty());
  r.clear();
  CHECK(r.empty());
  CHECK(r.messages.capacity() == cap);
}

TEST_CASE("an envelope carries sender, receiver, group and term", "[effects]") {
  const envelope<int> e{replica_id{1}, replica_id{2}, group_id{7}, term{3}, 42};
  CHECK(e.group == group_id{7});
  CHECK(e.term == term{3});
  CHECK(e == envelope<int>{replica_id{1}, replica_id{2}, group_id{7}, term{3}, 42});
}
