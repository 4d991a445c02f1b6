#pragma once
/// \file
/// What a multi-leader node knows of the other leaders' progress, and the writes it
/// acknowledges on that progress:
/// - `leaders_to_wait_for<Commit>::of(n)`: how many *other* leaders of `n` must apply a write
///   before it is acknowledged (asynchronous: none; semi_synchronous<K> and first<K>: K;
///   majority: n / 2, which with this leader makes a majority; synchronous: all the others);
/// - `ack_book`: per peer, the changes it has applied (its contiguous prefix per origin, as it
///   last said), and this leader's own writes waiting for enough of them.
///
///   ack_book book{3};
///   book.await(seq, client, id, now + timeout);
///   book.heard(peer, applied);                               // a ship_ack
///   book.confirm(self, 1, [&](client_id c, request_id r) { /* ok */ });
///   book.expire(now, [&](client_id c, request_id r) { /* unknown */ });

#include <replica/commit/asynchronous.hpp>
#include <replica/commit/first.hpp>
#include <replica/commit/majority.hpp>
#include <replica/commit/semi_synchronous.hpp>
#include <replica/commit/synchronous.hpp>
#include <replica/core/client.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/time.hpp>
#include <replica/versioning/version_vector.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace replica::multi_leader_detail {

/// How many *other* leaders must apply a write before it is acknowledged, of `n` leaders.
template <class Commit>
struct leaders_to_wait_for {
  static_assert(sizeof(Commit) == 0,
                "replica::multi_leader_node: the commit mode must be asynchronous, semi_synchronous<K>, first<K>, "
                "majority or synchronous (other leaders that must apply a write before it is acknowledged)");
};
template <>
struct leaders_to_wait_for<asynchronous> {
  static constexpr std::size_t of(std::size_t) noexcept { return 0; }
};
template <std::size_t K, ack_on A, class M>
struct leaders_to_wait_for<semi_synchronous<K, A, M>> {
  static constexpr std::size_t of(std::size_t) noexcept { return K; }
};
template <std::size_t K, ack_on A, class M>
struct leaders_to_wait_for<first<K, A, M>> {
  static constexpr std::size_t of(std::size_t) noexcept { return K; }
};
template <ack_on A>
struct leaders_to_wait_for<majority_with<A>> {
  static constexpr std::size_t of(std::size_t n) noexcept { return n / 2; }
};
template <std::size_t M, ack_on A, class W>
struct leaders_to_wait_for<synchronous_with<M, A, W>> {
  static constexpr std::size_t of(std::size_t n) noexcept { return n == 0 ? 0 : n - 1; }
};

/// Per peer what it has applied; this leader's writes waiting for other leaders.
class ack_book {
 public:
  explicit ack_book(std::size_t nodes) : applied_(nodes) {}

  /// What `p` has applied, as it last said (every change up to `applied(p).counter(o)` of o).
  [[nodiscard]] const version_vector<>& applied(replica_id p) const noexcept { return applied_[p.value()]; }
  /// `p` says it has applied `what` (acknowledgements only ever grow: a late one changes nothing).
  void heard(replica_id p, const version_vector<>& what) { applied_[p.value()].merge(what); }

  /// This leader's write `seq` (its own sequence number) waits for other leaders until `deadline`.
  void await(std::uint64_t seq, client_id client, request_id id, local_time deadline) {
    pending_.emplace(seq, pending_write{client, id, deadline});
  }
  [[nodiscard]] bool waiting() const noexcept { return !pending_.empty(); }
  /// Calls `done(client, id)` for, and forgets, each waiting write of `self` that at least
  /// `need` other leaders have applied.
  template <class Done>
  void confirm(replica_id self, std::size_t need, Done done) {
    for (auto it = pending_.begin(); it != pending_.end();) {
      std::size_t have = 0;
      for (std::size_t p = 0; p < applied_.size(); ++p)
        if (p != self.value() && applied_[p].counter(self) >= it->first) ++have;
      if (have < need) {
        ++it;
        continue;
      }
      done(it->second.client, it->second.id);
      it = pending_.erase(it);
    }
  }
  /// Calls `late(client, id)` for, and forgets, each waiting write whose deadline is not after `now`.
  template <class Late>
  void expire(local_time now, Late late) {
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (now < it->second.deadline) {
        ++it;
        continue;
      }
      late(it->second.client, it->second.id);
      it = pending_.erase(it);
    }
  }

 private:
  struct pending_write {
    client_id client{};
    request_id id{};
    local_time deadline{};
  };
  std::vector<version_vector<>> applied_;
  std::map<std::uint64_t, pending_write> pending_;  ///< by this leader's sequence number
};

}  // namespace replica::multi_leader_detail
