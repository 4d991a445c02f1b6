// leader_based/progress.hpp: a follower's progress and every transition between its states.
#include <replica/topology/leader_based/progress.hpp>

#include <catch2/catch.hpp>

#include <vector>

using namespace replica;
using leader_based_detail::progress;
using st = progress::state;

namespace {
local_time at(std::int64_t us) { return local_time{duration{us}}; }

/// A log of `n` entries of `bytes` each (what progress asks of a log).
struct fake_log {
  std::uint64_t n = 0, bytes = 10;
  [[nodiscard]] std::uint64_t last_index() const { return n; }
  [[nodiscard]] std::uint64_t bytes_through(std::uint64_t i) const { return std::min(i, n) * bytes; }
};
}  // namespace

TEST_CASE("progress: a new leader probes from after its last entry", "[leader_based][progress]") {
  const progress p = progress::starting(10, at(5));
  CHECK(p.current() == st::probe);
  CHECK(p.next == 11);
  CHECK(p.match_received == 0);
  CHECK(p.last_heard == at(5));
  CHECK(to_string(p.current()) == "probe");
}

TEST_CASE("progress: probe -> replicate on an acknowledgement, the window frees as answers come", "[leader_based][progress]") {
  progress p = progress::starting(0, at(0));
  p.sent_entries(4);
  p.sent_entries(8);
  CHECK(p.inflight == 2);
  CHECK(p.next == 9);
  p.acknowledged(4, 4, 2, 10, ack_on::flushed, at(1));
  CHECK(p.current() == st::replicate);
  CHECK(p.match_received == 4);
  CHECK(p.match_applied == 2);
  CHECK(p.inflight == 1);  // one append answered
  p.acknowledged(4, 4, 4, 10, ack_on::flushed, at(2));
  CHECK(p.inflight == 1);  // the match did not move: a heartbeat's answer frees nothing
  p.acknowledged(8, 8, 8, 10, ack_on::flushed, at(3));
  CHECK(p.inflight == 0);  // holds everything sent
  CHECK(p.caught_up_at == at(0));  // 8 < 10: not caught up
  p.acknowledged(99, 99, 99, 10, ack_on::flushed, at(4));
  CHECK(p.match_received == 10);  // positions past the leader's log are not believed
  CHECK(p.caught_up_at == at(4));
}

TEST_CASE("progress: a refusal goes back to probe at the hint, or to snapshot", "[leader_based][progress]") {
  progress p = progress::starting(20, at(0));
  p.acknowledged(20, 20, 20, 20, ack_on::flushed, at(1));
  p.sent_entries(25);
  p.rejected(12, false, 25);
  CHECK(p.current() == st::probe);
  CHECK(p.next == 13);
  CHECK(p.inflight == 0);
  p.rejected(30, false, 25);  // a hint past our log: it compacted past all we have
  CHECK(p.current() == st::snapshot);
  CHECK(p.wants_snapshot(0));
  p.sent_snapshot(25, 8, at(2));
  CHECK(p.current() == st::probe);
  CHECK(p.next == 26);
  CHECK(p.inflight == 8);  // the window is shut until it answers
  p.rejected(3, true, 25);  // diverged at its compaction point
  CHECK(p.current() == st::snapshot);
}

TEST_CASE("progress: a snapshot sent is on its way until installed or until the retry time", "[leader_based][progress]") {
  progress p = progress::starting(20, at(0));
  const duration retry = std::chrono::milliseconds{300};
  CHECK_FALSE(p.snapshot_on_its_way(at(1), retry));
  p.sent_snapshot(25, 8, at(10));
  CHECK(p.snapshot_on_its_way(at(10), retry));
  CHECK(p.snapshot_on_its_way(at(10) + retry - duration{1}, retry));
  CHECK_FALSE(p.snapshot_on_its_way(at(10) + retry, retry));  // unanswered that long: send another
  p.acknowledged(24, 24, 24, 30, ack_on::flushed, at(11));  // an older answer: not the snapshot
  CHECK(p.snapshot_on_its_way(at(12), retry));
  p.acknowledged(25, 25, 25, 30, ack_on::flushed, at(12));  // holds the snapshot's index: installed
  CHECK_FALSE(p.snapshot_on_its_way(at(13), retry));
}

TEST_CASE("progress: a stall forgets what is in flight and resends from the match", "[leader_based][progress]") {
  progress p = progress::starting(0, at(0));
  p.acknowledged(5, 5, 5, 5, ack_on::flushed, at(1));
  p.sent_entries(9);
  p.stalled();
  CHECK(p.current() == st::probe);
  CHECK(p.inflight == 0);
  CHECK(p.next == 6);
}

TEST_CASE("progress: the window counts appends and bytes, one large entry goes alone", "[leader_based][progress]") {
  const fake_log log{.n = 10, .bytes = 10};
  progress p = progress::starting(0, at(0));
  p.next = 1;
  CHECK(p.window_open(log, 2, 25));
  p.sent_entries(2);  // 20 bytes in flight
  CHECK(p.inflight_bytes(log) == 20);
  CHECK_FALSE(p.window_open(log, 2, 25));  // 20 + 10 > 25
  CHECK(p.window_open(log, 2, 30));
  p.sent_entries(3);
  CHECK_FALSE(p.window_open(log, 2, 1000));  // two appends in flight
  const fake_log big{.n = 10, .bytes = 100};
  progress q = progress::starting(0, at(0));
  q.next = 1;
  CHECK(q.window_open(big, 2, 50));  // nothing in flight: the large entry goes alone
  CHECK(p.match(ack_on::received) == p.match_received);
}
