#pragma once
/// \file
/// `kv_parts`: a map of strings to strings cut into parts by a hash of the key, each part
/// shared, copy-on-write, between a `kv_store` and the snapshots taken of it (data/kv_store.hpp,
/// data/kv_snapshot.hpp). Taking a snapshot copies one pointer a part; the store copies a part
/// the first time it writes to it while a snapshot still holds it. So a compaction no longer
/// walks and copies the whole machine on the event loop (30-80 ms for 100,000 keys of 256 bytes,
/// docs/benchmarks.md): the copy is spread over the writes that follow, one part at a time,
/// and the walk happens where the snapshot is encoded.
///
/// A part's owners are counted by an atomic: a snapshot may be encoded on another thread (a
/// checkpoint) while the store goes on. A part with one owner is written in place; one with
/// more is never written (the writer copies it first), so what another thread reads does not
/// change under it.
///
///   replica::kv_detail::kv_parts p;
///   p.set("k", "v");                          // into the part of "k", copied first if shared
///   const std::string* v = p.find(std::string{"k"});  // nullptr if absent
///   replica::kv_detail::kv_parts q = p;       // shares every part: p's next write copies one

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace replica::kv_detail {

/// The entries of one part.
using part_map = std::unordered_map<std::string, std::string>;

/// One part and the count of its owners (stores and snapshots).
struct part {
  std::atomic<std::uint32_t> owners{1};
  part_map entries;
  part() = default;
  explicit part(const part_map& m) : entries{m} {}
};

/// An owner's handle on a part (an intrusive shared pointer; never null but moved from).
class part_ref {
 public:
  part_ref() : p_{new part} {}
  explicit part_ref(const part_map& m) : p_{new part{m}} {}
  part_ref(const part_ref& o) noexcept : p_{o.p_} { p_->owners.fetch_add(1, std::memory_order_relaxed); }
  part_ref(part_ref&& o) noexcept : p_{std::exchange(o.p_, nullptr)} {}
  part_ref& operator=(part_ref o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~part_ref() {
    if (p_ != nullptr && p_->owners.fetch_sub(1, std::memory_order_acq_rel) == 1) delete p_;
  }
  [[nodiscard]] const part_map& get() const noexcept { return p_->entries; }
  /// The part to write to: copied first unless this is its only owner. (The acquire pairs with
  /// the other owners' release as they let go: what they read happened before this writes.)
  part_map& writable() {
    if (p_->owners.load(std::memory_order_acquire) != 1) *this = part_ref{p_->entries};
    return p_->entries;
  }

 private:
  part* p_;
};

/// The parts, found through a directory indexed by the top bits of a key's hash (extendible
/// hashing): `2^bits` slots, each naming a part; a part of depth `d` holds the keys whose hash
/// begins with its `d`-bit prefix and owns the `2^(bits - d)` slots that begin with it. A part
/// that grows past `split_at` keys is split in two by the next bit of the hash, alone: the
/// directory doubles (slots copied, no key moved) when the part's depth reaches its bits. So a
/// write moves at most one part's keys, where doubling every part at once (as a hash table
/// rehashes) moved them all: 5 ms at 65,000 keys on the loop of a replica of this machine, and
/// ten times that at ten times the keys.
class kv_parts {
 public:
  static constexpr std::size_t split_at = 48;  ///< keys in a part before it splits (about 24 each after)

  kv_parts() = default;  // (no part yet: the first write makes one)
  kv_parts(const kv_parts&) = default;  // (shares every part; copies the directory)
  kv_parts& operator=(const kv_parts&) = default;
  kv_parts(kv_parts&& o) noexcept
      : parts_{std::exchange(o.parts_, {})}, depth_{std::exchange(o.depth_, {})}, dir_{std::exchange(o.dir_, {})},
        bits_{std::exchange(o.bits_, 0U)}, size_{std::exchange(o.size_, std::size_t{0})} {}
  kv_parts& operator=(kv_parts&& o) noexcept {
    parts_ = std::exchange(o.parts_, {});
    depth_ = std::exchange(o.depth_, {});
    dir_ = std::exchange(o.dir_, {});
    bits_ = std::exchange(o.bits_, 0U);
    size_ = std::exchange(o.size_, std::size_t{0});
    return *this;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// Every part, each once.
  [[nodiscard]] const std::vector<part_ref>& parts() const noexcept { return parts_; }
  /// The directory's slots (`2^bits`; 0 while empty).
  [[nodiscard]] std::size_t directory_size() const noexcept { return dir_.size(); }

  [[nodiscard]] const std::string* find(const std::string& key) const {
    if (parts_.empty()) return nullptr;
    const part_map& m = parts_[dir_[slot_of(hash_of(key))]].get();
    const auto it = m.find(key);
    return it == m.end() ? nullptr : &it->second;
  }
  /// Sets `key` to `value` (an existing value's buffer is reused when it is large enough).
  template <class Value>
  void set(const std::string& key, Value&& value) {
    const std::uint64_t h = hash_of(key);
    const std::uint32_t p = part_for(h);
    part_map& m = parts_[p].writable();
    const auto [it, fresh] = m.try_emplace(key, std::forward<Value>(value));
    if (!fresh) {
      it->second = std::forward<Value>(value);
      return;
    }
    ++size_;
    if (m.size() > split_at) split(p, h);
  }
  /// Removes `key`; its value, if it was there. (Parts never merge.)
  std::optional<std::string> erase(const std::string& key) {
    if (parts_.empty()) return std::nullopt;
    const std::uint32_t p = dir_[slot_of(hash_of(key))];
    if (parts_[p].get().find(key) == parts_[p].get().end()) return std::nullopt;  // (no copy of a shared part)
    auto node = parts_[p].writable().extract(key);
    --size_;
    return std::move(node.mapped());
  }
  /// Adds a key not yet present (building from records, moving their strings in); a key
  /// already present keeps its value.
  void insert_new(std::string key, std::string value) {
    const std::uint64_t h = hash_of(key);
    const std::uint32_t p = part_for(h);
    part_map& m = parts_[p].writable();
    if (!m.emplace(std::move(key), std::move(value)).second) return;
    ++size_;
    if (m.size() > split_at) split(p, h);
  }
  /// Room for `n` keys in an empty store: as many parts of equal depth as `n` fills by half
  /// (a store that already holds keys grows as it goes).
  void reserve(std::size_t n) {
    if (!parts_.empty()) return;
    unsigned b = 0;
    while (b < max_bits && (std::size_t{1} << b) * (split_at / 2) < n) ++b;
    bits_ = b;
    parts_.resize(std::size_t{1} << b);
    depth_.assign(parts_.size(), static_cast<std::uint8_t>(b));
    dir_.resize(parts_.size());
    for (std::uint32_t i = 0; i < dir_.size(); ++i) dir_[i] = i;
  }

  /// Every entry, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (const part_ref& p : parts_)
      for (const auto& [k, v] : p.get()) f(k, v);
  }

 private:
  static constexpr unsigned max_bits = 24;
  /// A split that needs the directory doubled happens only while it has fewer than this many
  /// slots a part (so fewer than twice that after): keys that share a long prefix of their
  /// hashes (chosen to, by a hostile client) would otherwise double the directory at every
  /// split without spreading; their part grows instead.
  static constexpr std::size_t max_slots_per_part = 16;

  static std::uint64_t hash_of(std::string_view key) noexcept {
    return static_cast<std::uint64_t>(std::hash<std::string_view>{}(key)) * 0x9E3779B97F4A7C15ULL;  // (mixed: the top bits count)
  }
  [[nodiscard]] std::size_t slot_of(std::uint64_t h) const noexcept {
    return bits_ == 0 ? 0 : static_cast<std::size_t>(h >> (64 - bits_));
  }
  /// The part of hash `h`, the first one made if there is none.
  std::uint32_t part_for(std::uint64_t h) {
    if (parts_.empty()) {
      parts_.resize(1);
      depth_.assign(1, 0);
      dir_.assign(1, 0);
    }
    return dir_[slot_of(h)];
  }
  /// Splits part `p` (which holds hash `h`) by the next bit of its keys' hashes: those with it
  /// set move, their nodes relinked (a part shared with a snapshot is copied once first), to a
  /// new part that takes the upper half of `p`'s slots.
  void split(std::uint32_t p, std::uint64_t h) {
    const unsigned d = depth_[p];
    if (d >= max_bits) return;
    if (d == bits_) {
      if (dir_.size() >= max_slots_per_part * parts_.size()) return;
      std::vector<std::uint32_t> twice(dir_.size() * 2);
      for (std::size_t i = 0; i < dir_.size(); ++i) twice[2 * i] = twice[2 * i + 1] = dir_[i];
      dir_.swap(twice);
      ++bits_;
    }
    const auto q = static_cast<std::uint32_t>(parts_.size());
    parts_.emplace_back();
    depth_.push_back(static_cast<std::uint8_t>(d + 1));
    depth_[p] = static_cast<std::uint8_t>(d + 1);
    part_map& from = parts_[p].writable();
    part_map& to = parts_[q].writable();
    const unsigned bit = 63 - d;  // the hash bit after the part's prefix
    for (auto it = from.begin(); it != from.end();) {
      const auto next = std::next(it);
      if ((hash_of(it->first) >> bit) & 1U) to.insert(from.extract(it));
      it = next;
    }
    // p's slots: those beginning with its d-bit prefix; the upper half now q's.
    const std::size_t span = std::size_t{1} << (bits_ - d);
    const std::size_t first = d == 0 ? 0 : static_cast<std::size_t>(h >> (64 - d)) << (bits_ - d);
    for (std::size_t i = first + span / 2; i < first + span; ++i) dir_[i] = q;
  }

  std::vector<part_ref> parts_;
  std::vector<std::uint8_t> depth_;  ///< each part's depth: the bits of the hash its keys share
  std::vector<std::uint32_t> dir_;   ///< slot (top `bits_` bits of a hash) -> part
  unsigned bits_ = 0;
  std::size_t size_ = 0;
};

}  // namespace replica::kv_detail
