#pragma once
/// \file
/// Client sessions: what makes a retried write apply at most once (Raft thesis §6.3, LogCabin's
/// session table). Every replica keeps, per client, the id of the last write of that client it
/// applied and what that write returned. It is part of the replicated state: changed only by
/// applying log entries, in log order, so every replica holds the same table at the same index;
/// it travels in snapshots and on disk with the machine's state.
///
/// Applying an entry that carries (client, request):
/// - request 0: no session (the entry is applied, nothing is remembered);
/// - a request above the client's last (or a client without a session): applied, remembered;
/// - the client's last request again (a retry after a timeout, a failover, a restart): not
///   applied; answered with the first outcome;
/// - a request below the client's last: not applied (the client has moved on since); answered
///   `unknown` with `errc::duplicate`, as its outcome is no longer kept.
///
/// Bounded, by leader time carried in the log: each entry holds the leader's clock as
/// "cluster time" (it continues from the last entry's at each election, as LogCabin's does, so
/// it never goes back and does not depend on any one replica's clock). A session idle for
/// longer than `expiry` of cluster time is forgotten, and when `max` sessions are held the one
/// idle longest goes first. A retry of a forgotten session's write applies again: the
/// guarantee holds within the expiry and the bound (docs/models/leader_based.md, "Retries").

#include <replica/core/client.hpp>
#include <replica/core/fields.hpp>
#include <replica/core/result.hpp>
#include <replica/topology/leader_based/config.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace replica::leader_based_detail {

/// The session table as a value: in snapshots, in messages and on disk.
template <class Result>
struct session_image {
  struct record {
    client_id client{};
    request_id last{};         ///< the last write applied for this client
    std::int64_t active = 0;   ///< cluster time of its last write (µs)
    std::optional<errc> error{};  ///< that write's refusal, if the machine refused it
    Result result{};           ///< what it returned, when applied
    REPLICA_FIELDS(client, last, active, error, result);
    friend bool operator==(const record&, const record&) = default;
  };
  std::int64_t time = 0;        ///< the cluster time of the last entry applied (µs)
  std::vector<record> records;  ///< ordered by client id
  REPLICA_FIELDS(time, records);
  friend bool operator==(const session_image&, const session_image&) = default;
};

template <class Result>
class session_table {
 public:
  using image = session_image<Result>;
  using outcome = replica::result<Result>;

  session_table() = default;
  explicit session_table(const image& im) { restore(im); }

  /// What applying a write of (client, request) at cluster time `at` comes to: `nullopt`,
  /// apply it (then call `remember`); otherwise the answer to give instead of applying.
  std::optional<outcome> check(client_id client, request_id request, std::int64_t at, const session_limits& lim) {
    advance(at, lim);
    if (request.value() == 0 || lim.max == 0) return std::nullopt;
    auto it = sessions_.find(client);
    if (it == sessions_.end() || request > it->second.last) return std::nullopt;
    it->second.active = time_;
    if (request < it->second.last) return outcome{error{errc::duplicate, "a retry of a request older than the client's last write"}};
    if (it->second.error) return outcome{error{*it->second.error, "the first attempt's outcome"}};
    return outcome{it->second.result};
  }
  /// Records what the write of (client, request) returned (after `check` said to apply it).
  void remember(client_id client, request_id request, const outcome& r, const session_limits& lim) {
    if (request.value() == 0 || lim.max == 0) return;
    auto it = sessions_.find(client);
    if (it == sessions_.end()) {
      if (sessions_.size() >= lim.max) evict_idlest();
      it = sessions_.emplace(client, session{}).first;
    }
    session& s = it->second;
    s.last = request;
    s.active = time_;
    if (r.ok()) {
      s.error.reset();
      s.result = *r;
    } else {
      s.error = r.code();
      s.result = Result{};
    }
  }
  /// Moves cluster time to `at` (never back) and forgets the sessions idle past the expiry.
  /// Sweeps when cluster time crosses a multiple of expiry / 8: a function of the log alone,
  /// so every replica forgets the same sessions at the same entry.
  void advance(std::int64_t at, const session_limits& lim) {
    if (at <= time_) return;
    const std::int64_t step = std::max<std::int64_t>(1, lim.expiry_us / 8);
    const bool sweep = at / step != time_ / step;
    time_ = at;
    if (sweep) std::erase_if(sessions_, [&](const auto& kv) { return time_ - kv.second.active > lim.expiry_us; });
  }

  [[nodiscard]] std::int64_t time() const noexcept { return time_; }
  [[nodiscard]] std::size_t size() const noexcept { return sessions_.size(); }
  /// The last write remembered for `client`, if it has a session.
  [[nodiscard]] std::optional<request_id> last_of(client_id client) const {
    auto it = sessions_.find(client);
    return it == sessions_.end() ? std::nullopt : std::optional{it->second.last};
  }

  [[nodiscard]] image snapshot() const {
    image im;
    im.time = time_;
    im.records.reserve(sessions_.size());
    for (const auto& [c, s] : sessions_) im.records.push_back({c, s.last, s.active, s.error, s.result});
    return im;
  }
  void restore(const image& im) {
    sessions_.clear();
    time_ = im.time;
    for (const auto& r : im.records) sessions_[r.client] = session{r.last, r.active, r.error, r.result};
  }

 private:
  struct session {
    request_id last{};
    std::int64_t active = 0;
    std::optional<errc> error{};
    Result result{};
  };
  /// Forgets the session idle longest (the lowest client id among equals: deterministic).
  void evict_idlest() {
    auto idlest = std::min_element(sessions_.begin(), sessions_.end(),
                                   [](const auto& a, const auto& b) { return a.second.active < b.second.active; });
    if (idlest != sessions_.end()) sessions_.erase(idlest);
  }

  std::int64_t time_ = 0;
  std::map<client_id, session> sessions_;
};

}  // namespace replica::leader_based_detail
