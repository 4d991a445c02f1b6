#pragma once
/// \file
/// Where shards live: which shard a key belongs to (by hash, or by range), which nodes host a
/// shard's replication group, and which of them is its home leader. Pure functions of the
/// configuration, the same on every node.
///
/// - Groups: shard s is replicated on nodes s, s+d, ..., s+(rf-1)d (mod nodes), with the stride
///   d = nodes / rf, so that consecutive shards share as few nodes as possible (with 8 nodes
///   and 3 replicas, shards 0 and 1 live on {0,2,4} and {1,3,5}); within the group they are
///   local replicas 0..rf-1, so local 0 (node s mod nodes) is the shard's *home*: leaders
///   spread evenly, and with at least as many shards as nodes every node leads some shards and
///   follows others.
/// - By hash: shard = mix64(key) mod shards. By range: shard s owns keys in
///   [starts[s], starts[s+1]) (the last up to `key_space`); by default the key space is cut into
///   equal ranges. A key at or past `key_space` is outside every range: `wrong_key`.

#include <replica/core/client.hpp>
#include <replica/core/hash.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace replica {

/// How keys map to shards and shards to nodes.
class shard_map {
 public:
  /// `starts`: by range, the first key of each shard (strictly increasing, starting at 0); empty:
  /// equal ranges (or by hash if `by_hash`).
  static result<shard_map> make(std::size_t nodes, std::size_t shards, std::size_t replicas_per_shard, bool by_hash,
                                std::uint64_t key_space = std::uint64_t{1} << 32, std::vector<std::uint64_t> starts = {}) {
    if (nodes == 0 || shards == 0 || shards > 65535) return error{errc::out_of_range, "need 1..65535 shards and at least one node"};
    if (replicas_per_shard == 0 || replicas_per_shard > nodes) return error{errc::out_of_range, "replicas per shard must be 1..nodes"};
    if (key_space == 0 || key_space > (std::uint64_t{1} << 32)) return error{errc::out_of_range, "key space must be 1..2^32"};
    shard_map m;
    m.nodes_ = nodes;
    m.shards_ = shards;
    m.rf_ = replicas_per_shard;
    m.by_hash_ = by_hash;
    m.key_space_ = key_space;
    if (!by_hash) {
      if (starts.empty()) {
        for (std::size_t s = 0; s < shards; ++s) starts.push_back(key_space / shards * s);
      }
      if (starts.size() != shards || starts.front() != 0 || !std::is_sorted(starts.begin(), starts.end(), std::less_equal<>{}) ||
          std::adjacent_find(starts.begin(), starts.end()) != starts.end() || starts.back() >= key_space)
        return error{errc::out_of_range, "range starts must be strictly increasing from 0, one per shard, below the key space"};
      m.starts_ = std::move(starts);
    }
    return m;
  }

  /// The shard of `k`; `wrong_key` if it is outside every range.
  [[nodiscard]] result<std::uint32_t> shard_of(std::uint64_t k) const noexcept {
    if (k >= key_space_) return error{errc::wrong_key, "the key is outside every shard's range"};
    if (by_hash_) return shard_of_id(k);
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), k);
    return static_cast<std::uint32_t>(it - starts_.begin() - 1);
  }
  /// By hash: the shard of a key whose 64-bit id is `id` (a data model's `key_id`; any id).
  [[nodiscard]] std::uint32_t shard_of_id(std::uint64_t id) const noexcept { return static_cast<std::uint32_t>(mix64(id) % shards_); }
  /// The node that is local replica `i` of shard `s`.
  [[nodiscard]] replica_id member(std::uint32_t s, std::size_t i) const noexcept {
    return replica_id{static_cast<std::uint32_t>((s + i * stride()) % nodes_)};
  }
  /// `n`'s local replica id in shard `s`, if it hosts it.
  [[nodiscard]] std::optional<replica_id> local_id(std::uint32_t s, replica_id n) const noexcept {
    if (n.value() >= nodes_) return std::nullopt;
    const std::size_t d = (n.value() + nodes_ - s % nodes_) % nodes_;
    if (d % stride() != 0 || d / stride() >= rf_) return std::nullopt;
    return replica_id{static_cast<std::uint32_t>(d / stride())};
  }
  /// The shard's home leader (local replica 0).
  [[nodiscard]] replica_id home(std::uint32_t s) const noexcept { return member(s, 0); }
  /// The shards node `n` hosts, ascending.
  [[nodiscard]] std::vector<std::uint32_t> hosted_by(replica_id n) const {
    std::vector<std::uint32_t> out;
    for (std::uint32_t s = 0; s < shards_; ++s)
      if (local_id(s, n)) out.push_back(s);
    return out;
  }
  [[nodiscard]] std::size_t shards() const noexcept { return shards_; }
  [[nodiscard]] std::size_t nodes() const noexcept { return nodes_; }
  [[nodiscard]] std::size_t replicas_per_shard() const noexcept { return rf_; }
  /// The distance between a shard's consecutive replicas (distinct: (rf-1) * stride < nodes).
  [[nodiscard]] std::size_t stride() const noexcept { return nodes_ / rf_; }

 private:
  std::size_t nodes_ = 1, shards_ = 1, rf_ = 1;
  bool by_hash_ = true;
  std::uint64_t key_space_ = std::uint64_t{1} << 32;
  std::vector<std::uint64_t> starts_;
};

}  // namespace replica
