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
/// longer than `expiry` of cluster time is forgotten, and when `max` sessions are held a new
/// one makes the idlest eighth of them go (at least one): one scan per max/8 new clients, so a
/// stream of one-shot clients costs a constant per write, not a scan of the table each. A retry of a forgotten session's write applies again: the
/// guarantee holds within the expiry and the bound (docs/models/leader_based.md, "Retries").

#include <replica/core/client.hpp>
#include <replica/core/fields.hpp>
#include <replica/core/inline.hpp>
#include <replica/core/result.hpp>
#include <replica/topology/leader_based/config.hpp>

#include <algorithm>
#include <concepts>
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
  struct session {
    request_id last{};  ///< 0: new (any request id applies)
    std::int64_t active = 0;
    std::optional<errc> error{};
    Result result{};
  };

 public:
  using image = session_image<Result>;
  using outcome = replica::result<Result>;
  using handle = session*;

  session_table() = default;
  explicit session_table(const image& im) { restore(im); }
  // (Copies and moves forget the cached session: it points into the other table.)
  session_table(const session_table& o) : time_{o.time_}, sessions_{o.sessions_} {}
  session_table(session_table&& o) noexcept : time_{o.time_}, sessions_{std::move(o.sessions_)} { o.cached_ = nullptr; }
  session_table& operator=(const session_table& o) {
    if (this != &o) {
      time_ = o.time_;
      sessions_ = o.sessions_;
      cached_ = nullptr;
    }
    return *this;
  }
  session_table& operator=(session_table&& o) noexcept {
    time_ = o.time_;
    sessions_ = std::move(o.sessions_);
    cached_ = o.cached_ = nullptr;
    return *this;
  }
  ~session_table() = default;

  /// Moves cluster time to `at` and gives the session a write of (client, request) is subject
  /// to, made if new: nullptr when none is (request 0, or sessions off).
  REPLICA_ALWAYS_INLINE handle open(client_id client, request_id request, std::int64_t at, const session_limits& lim) {
    if (at > time_) [[unlikely]]
      advance(at, lim);
    if (request.value() == 0 || lim.max == 0) return nullptr;
    if (cached_ != nullptr && cached_client_ == client) [[likely]]
      return cached_;  // (one client's writes in a row)
    return find_or_make(client, lim);
  }
  /// Whether `request` was seen already in session `s` (a retry, or an older request).
  static bool seen(handle s, request_id request) noexcept { return request <= s->last; }
  /// The answer to a request `seen` in `s`: the first outcome of its last request; for an
  /// older one, `errc::duplicate` (its outcome is no longer kept).
  outcome answer(handle s, request_id request) {
    s->active = time_;
    if (request < s->last) return outcome{error{errc::duplicate, "a retry of a request older than the client's last write"}};
    if (s->error) return outcome{error{*s->error, "the first attempt's outcome"}};
    return outcome{s->result};
  }
  /// Records what the write of `request` returned in session `s` (it was applied).
  REPLICA_ALWAYS_INLINE void record(handle s, request_id request, const outcome& r) {
    s->last = request;
    s->active = time_;
    if (r.ok()) {
      s->error.reset();
      assign(s->result, *r);
    } else {
      s->error = r.code();
      assign(s->result, Result{});
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
    if (sweep) {
      cached_ = nullptr;
      std::erase_if(sessions_, [&](const auto& held) { return time_ - held.second.active > lim.expiry_us; });
    }
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
    cached_ = nullptr;
    sessions_.clear();
    time_ = im.time;
    for (const auto& r : im.records) sessions_[r.client] = session{r.last, r.active, r.error, r.result};
  }

 private:
  handle find_or_make(client_id client, const session_limits& lim) {
    auto it = sessions_.find(client);
    if (it == sessions_.end()) {
      if (sessions_.size() >= lim.max) evict_idlest(lim.max);
      it = sessions_.emplace(client, session{}).first;
    }
    cached_client_ = client;
    return cached_ = &it->second;
  }
  /// (Most writes return the default result: comparing first spares the copy.)
  static void assign(Result& to, const Result& from) {
    if constexpr (std::equality_comparable<Result>) {
      if (to == from) return;
    }
    to = from;
  }
  /// Forgets the idlest eighth of `max` sessions, at least one (the lowest client ids among
  /// equals: every replica forgets the same ones).
  void evict_idlest(std::size_t max) {
    cached_ = nullptr;
    std::vector<std::pair<std::int64_t, client_id>> idle;
    idle.reserve(sessions_.size());
    for (const auto& [c, s] : sessions_) idle.emplace_back(s.active, c);
    if (idle.empty()) return;
    const std::size_t k = std::clamp<std::size_t>(max / 8, 1, idle.size());
    std::nth_element(idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(k - 1), idle.end());
    for (std::size_t i = 0; i < k; ++i) sessions_.erase(idle[i].second);
  }

  std::int64_t time_ = 0;
  std::map<client_id, session> sessions_;
  session* cached_ = nullptr;  ///< the session `open` gave last (map nodes do not move)
  client_id cached_client_{};
};

}  // namespace replica::leader_based_detail
