#pragma once
/// \file
/// Placement for leaderless replication: a consistent-hash ring with virtual nodes (Dynamo,
/// Cassandra's vnodes, Riak's ring). Each node owns `vnodes` tokens on a 64-bit ring; a key
/// hashes to a point, and walking clockwise from it gives the key's **preference list**: the
/// first N distinct nodes are its replicas, the distinct nodes after them its fallbacks (where a
/// sloppy quorum writes hints when a replica is down). Nodes carry a datacenter tag, which the
/// consistency levels LOCAL_QUORUM and EACH_QUORUM count by.
///
///   auto ring = replica::hash_ring::make({{replica_id{0}, datacenter{0}}, ...}, 64).value();
///   std::array<replica::ring_member, 5> out;
///   std::size_t k = ring.walk(key, out);   // out[0..3) replicas, out[3..5) fallbacks (N = 3)
///
/// Adding or removing a node moves only the keys whose arc it takes or gives back (about
/// 1/(nodes+1) of them), which is the point of consistent hashing (tested).

#include <replica/core/client.hpp>
#include <replica/core/hash.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace replica {

/// A node on the ring and the datacenter it lives in.
struct ring_member {
  replica_id id{};
  replica::datacenter dc{};
  friend constexpr bool operator==(const ring_member&, const ring_member&) noexcept = default;
};

class hash_ring {
 public:
  static constexpr std::size_t max_nodes = 1024;
  static constexpr std::size_t max_vnodes = 4096;

  /// A ring over `members` with `vnodes` tokens each. Errors: no members or more than
  /// max_nodes, vnodes outside 1..max_vnodes (`out_of_range`); a replica id twice (`malformed`).
  static result<hash_ring> make(std::vector<ring_member> members, std::size_t vnodes) {
    if (members.empty() || members.size() > max_nodes) return error{errc::out_of_range, "a ring needs 1 to 1024 members"};
    if (vnodes == 0 || vnodes > max_vnodes) return error{errc::out_of_range, "vnodes must be 1 to 4096"};
    for (std::size_t i = 0; i < members.size(); ++i)
      for (std::size_t j = i + 1; j < members.size(); ++j)
        if (members[i].id == members[j].id) return error{errc::malformed, "a replica id appears twice on the ring"};
    hash_ring r;
    r.members_ = std::move(members);
    std::vector<std::pair<std::uint64_t, std::uint32_t>> tokens;
    tokens.reserve(r.members_.size() * vnodes);
    for (std::uint32_t m = 0; m < r.members_.size(); ++m)
      for (std::uint64_t v = 0; v < vnodes; ++v)
        tokens.emplace_back(mix64(mix64(r.members_[m].id.value() + 1) ^ (v * 0x9e3779b97f4a7c15ULL)), m);
    std::sort(tokens.begin(), tokens.end());
    // Points and owners apart: the binary search touches only the points.
    for (const auto& [point, m] : tokens) {
      r.points_.push_back(point);
      r.owners_.push_back(m);
    }
    return r;
  }

  /// The point a key hashes to.
  static constexpr std::uint64_t point_of(std::uint64_t k) noexcept { return mix64(k ^ 0x5bd1e995ULL); }

  /// Writes the first out.size() distinct members clockwise from `key`'s point (fewer if the
  /// ring has fewer members); returns how many. No allocation.
  std::size_t walk(std::uint64_t key, std::span<ring_member> out) const noexcept {
    const std::size_t want = std::min(out.size(), members_.size());
    if (want == 0) return 0;
    std::size_t i = first_at_or_after(point_of(key));
    std::size_t got = 0;
    if (want <= small_walk) {
      // A preference list (N plus a few fallbacks): checking the few found so far is cheaper
      // than clearing a bitset.
      std::uint32_t found[small_walk];
      for (std::size_t step = 0; step < points_.size() && got < want; ++step, ++i) {
        if (i == points_.size()) i = 0;
        const std::uint32_t m = owners_[i];
        bool seen = false;
        for (std::size_t j = 0; j < got; ++j) seen |= found[j] == m;
        if (seen) continue;
        found[got] = m;
        out[got++] = members_[m];
      }
      return got;
    }
    std::uint64_t seen[max_nodes / 64] = {};  // longer walks: a bitset of members on the stack
    for (std::size_t step = 0; step < points_.size() && got < want; ++step, ++i) {
      if (i == points_.size()) i = 0;
      const std::uint32_t m = owners_[i];
      if (seen[m >> 6] & (std::uint64_t{1} << (m & 63))) continue;
      seen[m >> 6] |= std::uint64_t{1} << (m & 63);
      out[got++] = members_[m];
    }
    return got;
  }

  /// The key's N replicas (its preference list), into `out` (size >= n). Returns how many.
  std::size_t preference_list(std::uint64_t key, std::size_t n, std::span<ring_member> out) const noexcept {
    return walk(key, out.first(std::min(n, out.size())));
  }

  [[nodiscard]] std::span<const ring_member> members() const noexcept { return members_; }
  [[nodiscard]] std::size_t vnode_count() const noexcept { return members_.empty() ? 0 : points_.size() / members_.size(); }
  /// The member with id `r`, if it is on the ring.
  [[nodiscard]] const ring_member* find(replica_id r) const noexcept {
    for (const auto& m : members_)
      if (m.id == r) return &m;
    return nullptr;
  }

 private:
  static constexpr std::size_t small_walk = 16;

  /// The first token at or after point `p` (points_.size() if none): std::lower_bound without
  /// branches on the comparisons. A key's point is random, so a branching search mispredicts
  /// about half its steps; this one halves the range with a mask each step.
  [[nodiscard]] std::size_t first_at_or_after(std::uint64_t p) const noexcept {
    const std::uint64_t* base = points_.data();
    std::size_t len = points_.size();
    if (len == 0) return 0;
    while (len > 1) {
      const std::size_t half = len / 2;
      base += half & (std::size_t{0} - static_cast<std::size_t>(base[half - 1] < p));  // (a mask: GCC branches on a ?:)
      len -= half;
    }
    return static_cast<std::size_t>(base - points_.data()) + (*base < p ? 1 : 0);
  }

  std::vector<ring_member> members_;
  std::vector<std::uint64_t> points_;  ///< token points, sorted
  std::vector<std::uint32_t> owners_;  ///< owners_[i]: index into members_ of the token at points_[i]
};

}  // namespace replica
