#pragma once
/// \file
/// The leader's view of its followers (etcd's `tracker.ProgressTracker`): one `progress` per
/// replica, and what the commit mode's rule, check-quorum and read-index need worked out from
/// them: the positions acknowledged at the ack point, the in-sync set, who is connected, the
/// highest round a majority echoed. The arithmetic itself is commit/quorum.hpp's and the
/// commit mode's; each computation has its own scratch buffer, and none allocates.

#include <replica/commit/ack_on.hpp>
#include <replica/commit/quorum.hpp>
#include <replica/core/extent.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/time.hpp>
#include <replica/topology/leader_based/progress.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

namespace replica::leader_based_detail {

/// `FixedN`: the compile-time cluster size, or `dynamic_extent`.
template <std::size_t FixedN>
class tracker {
 public:
  /// Per replica: an array under a compile-time cluster size (no indirection), else a vector
  /// sized when the tracker is made.
  template <class T>
  using per_replica = std::conditional_t<FixedN != dynamic_extent, std::array<T, FixedN == dynamic_extent ? 1 : FixedN>, std::vector<T>>;

  tracker(replica_id self, std::size_t n) : self_{self}, n_{n} {
    if constexpr (FixedN == dynamic_extent) {
      progress_.resize(n_);
      match_buf_.resize(n_);
      probe_buf_.resize(n_);
      round_buf_.resize(n_);
    }
    isr_buf_ = std::make_unique<bool[]>(n_);
    conn_buf_ = std::make_unique<bool[]>(n_);
  }

  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  progress& operator[](replica_id r) noexcept { return progress_[r.value()]; }
  const progress& operator[](replica_id r) const noexcept { return progress_[r.value()]; }
  auto begin() noexcept { return progress_.begin(); }
  auto end() noexcept { return progress_.end(); }

  /// A new leader's view: every follower probing from after `last_index`, heard `now`.
  void reset(std::uint64_t last_index, local_time now) {
    for (auto& p : progress_) p = progress::starting(last_index, now);
  }

  /// Caught up within `max_lag` (the leader always is).
  [[nodiscard]] bool in_sync(std::uint32_t i, local_time now, duration max_lag) const {
    return i == self_.value() || now - progress_[i].caught_up_at <= max_lag;
  }
  /// Heard from within `within` (the leader always is).
  [[nodiscard]] bool connected(std::uint32_t i, local_time now, duration within) const {
    return i == self_.value() || now - progress_[i].last_heard <= within;
  }
  /// Check quorum: whether a majority (the leader included) was heard from within `within`.
  /// A follower rebuilding a lost disk counts for none of what follows: not this, not read
  /// rounds, not commits (before it lost its disk it may have promised a newer leader).
  [[nodiscard]] bool quorum_heard(local_time now, duration within) const {
    std::size_t heard = 1;
    for (std::uint32_t i = 0; i < n_; ++i)
      if (i != self_.value() && !progress_[i].rebuilding && now - progress_[i].last_heard < within) ++heard;
    return is_majority(heard, n_);
  }
  /// The highest read round a majority has echoed (the leader's own: `own_round`).
  [[nodiscard]] std::uint64_t confirmed_round(std::uint64_t own_round) const {
    for (std::uint32_t i = 0; i < n_; ++i)
      round_buf_[i] = i == self_.value() ? own_round : progress_[i].rebuilding ? 0 : progress_[i].read_round;
    return detail::majority_point(round_buf_);
  }
  /// Per replica, the position acknowledged at `point` (or applied, if `applied`); the
  /// leader's own is `own`.
  [[nodiscard]] std::span<const std::uint64_t> matches(ack_on point, bool applied, std::uint64_t own) const {
    for (std::uint32_t i = 0; i < n_; ++i) {
      const progress& p = progress_[i];
      match_buf_[i] = i == self_.value() ? own : p.rebuilding ? 0 : applied ? p.match_applied : p.match(point);
    }
    return match_buf_;
  }

  /// Where the clock and configuration stand when a rule is asked.
  struct view_context {
    local_time now{};
    duration max_lag{};     ///< in-sync: caught up within this
    duration connected{};   ///< connected: heard from within this
  };
  /// The commit mode's rule over `match` (per replica, the leader's included). The in-sync set
  /// and connectivity are worked out only for a mode that reads them.
  template <class Commit>
  [[nodiscard]] std::optional<std::uint64_t> commit_point(std::span<const std::uint64_t> match, const view_context& at) const {
    constexpr bool isr = commit_reads_in_sync<Commit>, conn = commit_reads_connected<Commit>;
    if constexpr (isr || conn) {
      for (std::uint32_t i = 0; i < n_; ++i) {
        if constexpr (isr) isr_buf_[i] = in_sync(i, at.now, at.max_lag);
        if constexpr (conn) conn_buf_[i] = connected(i, at.now, at.connected);
      }
    }
    const replication_view v{match, self_, isr ? std::span<const bool>{isr_buf_.get(), n_} : std::span<const bool>{},
                             conn ? std::span<const bool>{conn_buf_.get(), n_} : std::span<const bool>{}};
    return Commit::commit_point(v);
  }
  /// Could the rule commit `position` if every connected replica caught up now? (Fail-fast.)
  template <class Commit>
  [[nodiscard]] bool satisfiable(std::uint64_t position, const view_context& at) const {
    for (std::uint32_t i = 0; i < n_; ++i)
      probe_buf_[i] = connected(i, at.now, at.connected) && (i == self_.value() || !progress_[i].rebuilding) ? position : 0;
    const auto c = commit_point<Commit>(probe_buf_, at);
    return c && *c >= position;
  }

 private:
  replica_id self_;
  /// How many replicas: a constant under a compile-time cluster size (loops over it unroll).
  [[no_unique_address]] extent_count<FixedN> n_;
  per_replica<progress> progress_{};
  mutable per_replica<std::uint64_t> match_buf_{};  ///< the commit rule's positions
  mutable per_replica<std::uint64_t> probe_buf_{};  ///< fail-fast's "if everyone connected caught up"
  mutable per_replica<std::uint64_t> round_buf_{};  ///< read rounds echoed
  mutable std::unique_ptr<bool[]> isr_buf_, conn_buf_;
};

}  // namespace replica::leader_based_detail
