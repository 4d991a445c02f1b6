#pragma once
/// \file
/// What a leaderless replica stores: per key, what its strategy holds (store_strategy.hpp),
/// with the key's fingerprint kept in a Merkle tree for anti-entropy, and the keys that hold only
/// deletes for tombstone collection. I/O-free: a change appends the write to persist to the
/// caller's list (`Write{key, state}`; an empty state: the key was collected).
///
///   replica_store<strategy, kv_register, store_write, 6> s;   // (the data model: key type and ids)
///   s.put(k, incoming, now, persist);      // merge; false (unchanged) if not one key's versions
///   s.collect(now, grace, persist);        // keys that were only tombstones for `grace`
///   const state* held = s.find(k);

#include <replica/core/client.hpp>
#include <replica/core/time.hpp>
#include <replica/topology/leaderless/merkle.hpp>
#include <replica/topology/leaderless/store_strategy.hpp>
#include <replica/topology/leaderless/tombstones.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <utility>

namespace replica::leaderless_detail {

template <class Strategy, class Model, class Write, std::size_t MerkleDepth>
class replica_store {
 public:
  using state = typename Strategy::state;
  using key_type = typename Model::key_type;
  using tree_type = merkle_tree<MerkleDepth>;

  /// A store holding `disk` (a durable state's map of key to state).
  template <class Map>
  void restore(const Map& disk) {
    for (const auto& [k, vs] : disk) {
      const std::uint64_t fp = Strategy::fingerprint(vs);
      store_.emplace_hint(store_.end(), k, held{vs, fp});
      tree_.update(Model::key_id(k), 0, fp);
      if (Strategy::only_tombstones(vs)) tombstones_.mark(k, local_time{});
    }
  }

  /// Merges `incoming` into what is held for `k`, appending the write to `persist` if it
  /// changed. False (nothing changed) if the versions cannot be one key's.
  template <class Persist>
  [[nodiscard]] bool put(const key_type& k, const state& incoming, local_time now, Persist& persist) {
    held& h = store_[k];
    state& mine = h.versions;
    const arrival a = Strategy::arrival_of(incoming, mine);
    if (a == arrival::known) return true;  // a replica hearing again what it has
    const std::uint64_t before = h.fingerprint;
    if (a == arrival::newer) {
      // A newer write (or the first): the maximal versions are the incoming ones. (The same
      // result as merged()'s, `mine` being maximal already, without building the union.)
      mine = incoming;
      Strategy::keep_maximal_of(mine);
    } else {
      std::optional<state> all = Strategy::merged(mine, incoming);
      if (!all) return false;
      if (Strategy::same_set(*all, mine)) return true;
      mine = std::move(*all);
    }
    h.fingerprint = Strategy::fingerprint(mine);
    tree_.update(Model::key_id(k), before, h.fingerprint);
    persist.emplace_back(std::in_place_type<Write>, k, mine);
    if (Strategy::only_tombstones(mine))
      tombstones_.mark(k, now);
    else
      tombstones_.clear(k);
    return true;
  }
  /// Collects the keys that have been only tombstones for `grace`.
  template <class Persist>
  void collect(local_time now, duration grace, Persist& persist) {
    tombstones_.collect_due(now, grace, [&](const key_type& k) {
      if (auto s = store_.find(k); s != store_.end()) {
        tree_.update(Model::key_id(k), s->second.fingerprint, 0);
        store_.erase(s);
      }
      persist.push_back(Write{k, {}});
    });
  }

  /// What is held for `k` (nothing: never written, or collected).
  [[nodiscard]] const state* find(const key_type& k) const {
    auto it = store_.find(k);
    return it == store_.end() ? nullptr : &it->second.versions;
  }
  /// Calls `f(key, state)` for every key held, in key order.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [k, h] : store_) f(k, h.versions);
  }
  [[nodiscard]] const tree_type& tree() const noexcept { return tree_; }
  [[nodiscard]] std::size_t size() const noexcept { return store_.size(); }

 private:
  /// What a key holds, with its fingerprint (what its Merkle leaf sums; kept so that an update
  /// takes the old one out without hashing the old versions again).
  struct held {
    state versions{};
    std::uint64_t fingerprint = 0;  ///< Strategy::fingerprint(versions)
  };
  std::map<key_type, held> store_;
  tombstones<key_type> tombstones_;
  tree_type tree_;
};

}  // namespace replica::leaderless_detail
