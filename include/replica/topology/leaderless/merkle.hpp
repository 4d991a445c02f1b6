#pragma once
/// \file
/// Anti-entropy summary for leaderless replication (Dynamo's and Cassandra's Merkle trees): the
/// key space is cut into 2^Depth buckets by key hash; a bucket's hash combines (key, version
/// digest) of every key in it, and each inner node hashes its two children. Two replicas
/// compare roots and descend only where hashes differ, so finding the buckets to repair costs
/// about 2 x Depth hashes per differing bucket instead of one per key; then only the keys of
/// those buckets are exchanged. Keys nobody reads converge this way.
///
/// Updates are incremental: a bucket's hash is the XOR of its keys' hashes, so replacing a
/// key's version (or adding, or deleting it) is one XOR. The inner nodes are rehashed lazily,
/// all at once, the next time one is read (an exchange, every anti-entropy interval), as Riak's
/// hash trees do: a write pays three hashes (the key once, its old and new digests with it),
/// not Depth re-hashes up to the root.
///
///   merkle_tree<10> t;
///   t.update(key, old_digest, new_digest);   // 0 = absent
///   auto leaves = differing_buckets(mine, theirs, &hashes_compared);

#include <replica/core/client.hpp>
#include <replica/core/hash.hpp>

#include <cstdint>
#include <vector>

namespace replica {

template <std::size_t Depth = 10>
class merkle_tree {
  static_assert(Depth >= 1 && Depth <= 20, "replica::merkle_tree: Depth must be 1 to 20 (2 to a million buckets)");

 public:
  static constexpr std::size_t depth = Depth;
  static constexpr std::size_t buckets = std::size_t{1} << Depth;

  merkle_tree() : nodes_(2 * buckets, 0) {}

  /// The bucket a key falls in.
  static constexpr std::size_t bucket_of(std::uint64_t k) noexcept { return bucket_of_hash(mix64(k)); }

  /// The key's version digest changed from `before` to `after` (0: absent).
  void update(std::uint64_t k, std::uint64_t before, std::uint64_t after) {
    if (before == after) return;
    const std::uint64_t kh = mix64(k);  // the key hashed once: its bucket and both digests' hashes
    std::uint64_t& bucket = nodes_[buckets + bucket_of_hash(kh)];
    if (before != 0) bucket ^= mix64(kh ^ before);
    if (after != 0) bucket ^= mix64(kh ^ after);
    stale_ = true;
  }

  [[nodiscard]] std::uint64_t root() const noexcept { return node(1); }
  /// Node `i` in heap order: 1 is the root, i's children are 2i and 2i + 1, buckets are
  /// [buckets, 2 buckets).
  [[nodiscard]] std::uint64_t node(std::size_t i) const noexcept {
    if (stale_ && i < buckets) rehash();
    return nodes_[i];
  }
  friend bool operator==(const merkle_tree& a, const merkle_tree& b) noexcept {
    a.rehash();
    b.rehash();
    return a.nodes_ == b.nodes_;
  }

 private:
  /// A bucket from the key's hash: its top bits (the low ones go into the digests' hashes).
  static constexpr std::size_t bucket_of_hash(std::uint64_t kh) noexcept { return static_cast<std::size_t>(kh >> (64 - Depth)); }
  static constexpr std::uint64_t combine(std::uint64_t l, std::uint64_t r) noexcept {
    // An empty subtree hashes to 0 on both sides, so empty trees compare equal cheaply.
    return (l | r) == 0 ? 0 : mix64(l ^ mix64(r + 0x2545f4914f6cdd1dULL));
  }

  /// Recomputes every inner node from the buckets (if a bucket changed since the last time).
  void rehash() const noexcept {
    if (!stale_) return;
    for (std::size_t i = buckets - 1; i >= 1; --i) nodes_[i] = combine(nodes_[2 * i], nodes_[2 * i + 1]);
    stale_ = false;
  }

  mutable std::vector<std::uint64_t> nodes_;  ///< heap order, nodes_[0] unused; inner nodes valid unless stale_
  mutable bool stale_ = false;
};

/// The buckets where `a` and `b` differ, descending from the root; `compared` (optional)
/// receives how many node hashes were compared, i.e. what the exchange would send.
template <std::size_t Depth>
std::vector<std::size_t> differing_buckets(const merkle_tree<Depth>& a, const merkle_tree<Depth>& b,
                                           std::size_t* compared = nullptr) {
  std::vector<std::size_t> out;
  std::size_t looked = 0;
  std::vector<std::size_t> stack{1};
  while (!stack.empty()) {
    const std::size_t i = stack.back();
    stack.pop_back();
    ++looked;
    if (a.node(i) == b.node(i)) continue;
    if (i >= merkle_tree<Depth>::buckets) {
      out.push_back(i - merkle_tree<Depth>::buckets);
      continue;
    }
    stack.push_back(2 * i + 1);
    stack.push_back(2 * i);
  }
  if (compared) *compared = looked;
  return out;
}

}  // namespace replica
