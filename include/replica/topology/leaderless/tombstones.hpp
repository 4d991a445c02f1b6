#pragma once
/// \file
/// The keys of a leaderless replica that hold only deletes, and since when: after
/// `tombstone_grace` (Cassandra's gc_grace_seconds) they are collected. Collected before every
/// replica has the tombstone, the value comes back from a replica that missed the delete
/// (FAULTS.md B9). After a restart the grace starts again (the time a key became only
/// tombstones is not persisted: keeping a tombstone longer is always safe).

#include <replica/core/client.hpp>
#include <replica/core/time.hpp>

#include <map>

namespace replica::leaderless_detail {

template <class Key>
class tombstones {
 public:
  /// `k` now holds only deletes (since `now`, unless it did already).
  void mark(const Key& k, local_time now) { since_.try_emplace(k, now); }
  /// `k` holds a live value again, or nothing.
  void clear(const Key& k) {
    if (!since_.empty()) since_.erase(k);
  }
  /// Calls `collect(k)` for, and forgets, every key marked at least `grace` before `now`.
  template <class F>
  void collect_due(local_time now, duration grace, F&& collect) {
    for (auto it = since_.begin(); it != since_.end();) {
      if (now - it->second < grace) {
        ++it;
        continue;
      }
      collect(it->first);
      it = since_.erase(it);
    }
  }
  [[nodiscard]] std::size_t size() const noexcept { return since_.size(); }

 private:
  std::map<Key, local_time> since_;
};

}  // namespace replica::leaderless_detail
