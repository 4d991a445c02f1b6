#pragma once
/// \file
/// The read side of a leader-based node (etcd's `read_only.go`): reads that wait, and the quorum
/// rounds that release them or renew the leader's lease.
///
/// - A read-index read (strong reads) remembers the commit index, opens a round that the next
///   heartbeat carries, and is served once a quorum has echoed that round (the leader is still
///   leader) and the read index is applied.
/// - With lease reads, each heartbeat opens a round; a quorum's echo of it extends the lease to
///   the round's send time plus the lease length (shortened by the clock drift bound).
/// - A follower read whose token is newer than what the follower applied waits, when the read
///   policy says so, until it is applied or a deadline passes.

#include <replica/core/client.hpp>
#include <replica/core/time.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace replica::leader_based_detail {

/// A read waiting to be served.
template <class Query>
struct waiting_read {
  client_id client{};
  request_id id{};
  Query q{};
  std::uint64_t read_index = 0;  ///< served once the applied index reaches it
  std::uint64_t round = 0;       ///< read-index: the round that confirms leadership (0: none needed)
  local_time deadline{};         ///< a follower read: failed after this
};

/// Reads waiting to be served, in arrival order.
template <class Query>
class read_queue {
 public:
  void push(waiting_read<Query> r) { reads_.push_back(std::move(r)); }
  [[nodiscard]] bool empty() const noexcept { return reads_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return reads_.size(); }

  /// Hands `serve` every read whose round is confirmed (`round <= confirmed`) and whose read
  /// index is applied, in arrival order; the others keep waiting.
  template <class F>
  void serve_ready(std::uint64_t confirmed, std::uint64_t applied, F&& serve) {
    if (reads_.empty()) return;
    std::erase_if(reads_, [&](const waiting_read<Query>& r) {
      if (r.round > confirmed || r.read_index > applied) return false;
      serve(r);
      return true;
    });
  }
  /// Hands `fail` every read for which `expired` holds, and forgets them.
  template <class P, class F>
  void drop_if(P&& expired, F&& fail) {
    if (reads_.empty()) return;
    std::vector<waiting_read<Query>> gone;
    std::erase_if(reads_, [&](const waiting_read<Query>& r) {
      if (!expired(r)) return false;
      gone.push_back(r);
      return true;
    });
    for (const auto& r : gone) fail(r);
  }
  /// Hands `fail` every read, and forgets them.
  template <class F>
  void drop_all(F&& fail) {
    drop_if([](const waiting_read<Query>&) { return true; }, std::forward<F>(fail));
  }

 private:
  std::vector<waiting_read<Query>> reads_;
};

/// How long a lease lasts after the round that renewed it was sent: the election timeout's
/// lower bound, shortened so that clocks drifting by up to `drift_ppm` apart cannot let two
/// leaders' leases overlap (see lease_reads.hpp).
constexpr duration lease_length(duration election_min, std::uint32_t drift_ppm) noexcept {
  const double rho = drift_ppm / 1e6;
  return duration{static_cast<duration::rep>(static_cast<double>(election_min.count()) * (1 - rho) / (1 + rho))};
}

/// The leader's confirmation rounds, and the lease they renew.
class read_rounds {
 public:
  /// The last round opened (the one heartbeats carry now).
  [[nodiscard]] std::uint64_t current() const noexcept { return round_; }
  /// Opens a round at `now`; `renews_lease`: its confirmation renews the lease.
  std::uint64_t open(local_time now, bool renews_lease) {
    ++round_;
    if (renews_lease) unconfirmed_.emplace_back(round_, now);
    return round_;
  }
  /// A quorum has echoed every round up to `confirmed`: the lease runs `length` from the send
  /// time of the latest such round that renews it.
  void confirm(std::uint64_t confirmed, duration length) {
    while (!unconfirmed_.empty() && unconfirmed_.front().first <= confirmed) {
      lease_until_ = std::max(lease_until_, unconfirmed_.front().second + length);
      unconfirmed_.pop_front();
    }
  }
  [[nodiscard]] bool lease_holds(local_time now) const noexcept { return now < lease_until_; }
  /// Whether a lease-renewing round waits for its confirmation.
  [[nodiscard]] bool renewing() const noexcept { return !unconfirmed_.empty(); }
  /// A change of role: the lease is gone and open rounds no longer renew it (the round counter
  /// keeps counting, so an old echo never confirms a new round).
  void reset() noexcept {
    lease_until_ = local_time{};
    unconfirmed_.clear();
  }

 private:
  std::uint64_t round_ = 0;
  std::deque<std::pair<std::uint64_t, local_time>> unconfirmed_;  ///< lease-renewing rounds and their send times
  local_time lease_until_{};
};

}  // namespace replica::leader_based_detail
