#pragma once
/// \file
/// One follower's replication progress as its leader tracks it (etcd's `tracker.Progress`):
/// how far its log matches, what is in flight to it, and which of three states it is in. Every
/// change of state goes through a method here, so the transitions are in one place:
///
///   probe ──acknowledged──▶ replicate ──rejected / stalled──▶ probe
///     │                                                          ▲
///     └─rejected (needs a snapshot)──▶ snapshot ──sent_snapshot──┘
///
/// - probe: the leader does not know where the follower's log matches its own (it just took
///   office, or the follower refused an append, or went silent): appends go from `next` and may
///   be refused with a hint.
/// - replicate: the follower acknowledged an append; appends are pipelined from `next` within
///   the window (`max_inflight` appends, `max_inflight_bytes`).
/// - snapshot: the entries the follower needs are compacted away (or it diverged below its own
///   compaction point): the leader sends its snapshot instead, then probes from after it.

#include <replica/commit/ack_on.hpp>
#include <replica/core/time.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace replica::leader_based_detail {

class progress {
 public:
  enum class state : std::uint8_t { probe, replicate, snapshot };

  /// A follower as a new leader first sees it: probing from after the leader's last entry.
  static progress starting(std::uint64_t last_index, local_time now) noexcept {
    progress p;
    p.next = last_index + 1;
    p.last_heard = now;
    p.caught_up_at = now;
    return p;
  }

  /// Any answer from the follower: it is alive, and confirms read rounds up to `read_round`.
  void heard(local_time now, std::uint64_t read_round_seen) noexcept {
    last_heard = now;
    read_round = std::max(read_round, read_round_seen);
  }
  /// A successful append response: the follower's log holds the leader's up to `received`
  /// (`flushed` durable, `applied` applied); positions past `last_index` are not believed.
  void acknowledged(std::uint64_t received, std::uint64_t flushed, std::uint64_t applied, std::uint64_t last_index, ack_on point,
                    local_time now) noexcept {
    st_ = state::replicate;
    const std::uint64_t had = match_received;
    match_received = std::max(match_received, std::min(received, last_index));
    if (snapshot_out && match_received >= snapshot_out->index) snapshot_out.reset();  // it installed the one sent
    // The window: nothing is in flight once it holds everything sent; otherwise this answered
    // one append of entries if it moved the match (an answer to an empty append, a heartbeat
    // or a commit notice, frees nothing).
    if (match_received + 1 >= next)
      inflight = 0;
    else if (match_received > had && inflight > 0)
      --inflight;
    match_flushed = std::max(match_flushed, std::min(flushed, last_index));
    match_applied = std::max(match_applied, std::min(applied, last_index));
    next = std::max(next, match_received + 1);
    if (match(point) >= last_index) caught_up_at = now;
  }
  /// A refused append: retry from `hint + 1`, or send a snapshot if the follower needs one (it
  /// diverged at its compaction point, or compacted past the leader's whole log).
  void rejected(std::uint64_t hint, bool needs_snapshot, std::uint64_t last_index) noexcept {
    if (needs_snapshot || hint > last_index) {
      st_ = state::snapshot;
    } else {
      st_ = state::probe;
      if (hint + 1 > next)
        next = hint + 1;  // it compacted past what we sent: resume after its compaction point
      else
        next = std::max<std::uint64_t>(1, std::min(next, hint + 1));
    }
    inflight = 0;
  }
  /// No answer for a while (lost messages): forget what is in flight, resend from the match.
  void stalled() noexcept {
    if (st_ == state::replicate) st_ = state::probe;
    inflight = 0;
    next = std::min(next, match_received + 1);
  }
  /// Entries through `upto` were sent.
  void sent_entries(std::uint64_t upto) noexcept {
    next = upto + 1;
    ++inflight;
  }
  /// The snapshot at `index` was sent: nothing else goes (the window is shut at
  /// `max_inflight`) until the follower answers; then probing resumes after it.
  void sent_snapshot(std::uint64_t index, std::size_t max_inflight, local_time now) noexcept {
    st_ = state::probe;
    next = index + 1;
    inflight = max_inflight;
    snapshot_out = snapshot_sent{index, now};
  }
  /// Whether a snapshot sent less than `retry` ago has not been installed yet (another copy
  /// would only queue behind it).
  [[nodiscard]] bool snapshot_on_its_way(local_time now, duration retry) const noexcept {
    return snapshot_out && now - snapshot_out->at < retry;
  }
  /// The highest commit index sent to it is at least `commit`.
  void sent_commit(std::uint64_t commit) noexcept { commit_sent = std::max(commit_sent, commit); }
  /// What its answer says of its disk: rebuilding a lost one, or not. True when it starts (the
  /// leader's log then ends at `last_index`, the mark: whatever it acknowledged before it lost
  /// its disk lies at or below it).
  bool said_rebuilding(bool now_rebuilding, std::uint64_t last_index) noexcept {
    const bool started = now_rebuilding && !rebuilding;
    if (started) rebuild_mark = last_index;
    rebuilding = now_rebuilding;
    return started;
  }
  /// Whether a rebuilding follower may count again: an entry after the mark is committed (by
  /// replicas other than it: it is not counted while rebuilding), and it holds `commit` durably.
  [[nodiscard]] bool rebuilt(std::uint64_t commit) const noexcept {
    return rebuilding && commit > rebuild_mark && match_flushed >= commit;
  }

  [[nodiscard]] state current() const noexcept { return st_; }
  /// Whether it must get a snapshot: it asked for one, or it needs entries compacted away.
  [[nodiscard]] bool wants_snapshot(std::uint64_t snapshot_index) const noexcept {
    return st_ == state::snapshot || next <= snapshot_index;
  }
  /// The position it acknowledged at the ack point.
  [[nodiscard]] std::uint64_t match(ack_on point) const noexcept {
    return point == ack_on::received ? match_received : match_flushed;
  }
  /// Bytes sent and not yet acknowledged; `Log` has `bytes_through(index)`.
  template <class Log>
  [[nodiscard]] std::uint64_t inflight_bytes(const Log& log) const noexcept {
    const std::uint64_t sent = next - 1;
    return sent > match_received ? log.bytes_through(sent) - log.bytes_through(match_received) : 0;
  }
  /// Whether the window lets the entry at `next` go now: fewer than `max_inflight` appends in
  /// flight and its bytes within `max_bytes` (an entry larger than the byte window goes alone
  /// once nothing else is in flight).
  template <class Log>
  [[nodiscard]] bool window_open(const Log& log, std::size_t max_inflight, std::uint64_t max_bytes) const noexcept {
    if (inflight >= max_inflight) return false;
    const std::uint64_t in_flight = inflight_bytes(log);
    return in_flight == 0 || (next <= log.last_index() && in_flight + log.bytes_through(next) - log.bytes_through(next - 1) <= max_bytes);
  }

  std::uint64_t next = 1;  ///< the next index to send. Invariant: match_received < next
  std::uint64_t match_received = 0, match_flushed = 0, match_applied = 0;
  std::size_t inflight = 0;  ///< appends of entries sent and not yet answered
  local_time last_heard{};
  local_time caught_up_at{};  ///< when it last held everything the leader had (at the ack point)
  std::uint64_t read_round = 0;  ///< the highest read-index round it confirmed
  std::uint64_t commit_sent = 0;  ///< the highest commit index sent to it
  std::uint64_t rebuild_mark = 0;  ///< the leader's last index when it said it was rebuilding
  bool rebuilding = false;  ///< it lost its disk: not counted for commits, reads or check-quorum
  struct snapshot_sent {
    std::uint64_t index;
    local_time at;
  };
  std::optional<snapshot_sent> snapshot_out;  ///< the last snapshot sent and not known installed

 private:
  state st_ = state::probe;
};

constexpr std::string_view to_string(progress::state s) noexcept {
  switch (s) {
    case progress::state::probe: return "probe";
    case progress::state::replicate: return "replicate";
    case progress::state::snapshot: return "snapshot";
  }
  return "?";
}

}  // namespace replica::leader_based_detail
