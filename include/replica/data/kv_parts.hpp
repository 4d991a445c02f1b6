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

/// The parts: none while empty, then `2^bits` of them, a key in the part its hash's top `bits`
/// name. Parts double when they hold more than `max_load` keys on average (as a hash table
/// rehashes).
class kv_parts {
 public:
  static constexpr std::size_t max_load = 32;

  kv_parts() = default;  // (no part yet: the first write makes one)
  kv_parts(const kv_parts&) = default;  // (shares every part)
  kv_parts& operator=(const kv_parts&) = default;
  kv_parts(kv_parts&& o) noexcept
      : parts_{std::exchange(o.parts_, {})}, bits_{std::exchange(o.bits_, 0U)}, size_{std::exchange(o.size_, std::size_t{0})} {}
  kv_parts& operator=(kv_parts&& o) noexcept {
    parts_ = std::exchange(o.parts_, {});
    bits_ = std::exchange(o.bits_, 0U);
    size_ = std::exchange(o.size_, std::size_t{0});
    return *this;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] const std::vector<part_ref>& parts() const noexcept { return parts_; }

  [[nodiscard]] const std::string* find(const std::string& key) const {
    if (parts_.empty()) return nullptr;
    const part_map& m = parts_[index_of(key)].get();
    const auto it = m.find(key);
    return it == m.end() ? nullptr : &it->second;
  }
  /// Sets `key` to `value` (an existing value's buffer is reused when it is large enough).
  template <class Value>
  void set(const std::string& key, Value&& value) {
    if (parts_.empty()) parts_.resize(1);
    part_map& m = parts_[index_of(key)].writable();
    const auto [it, fresh] = m.try_emplace(key, std::forward<Value>(value));
    if (!fresh) {
      it->second = std::forward<Value>(value);
      return;
    }
    ++size_;
    if (size_ > parts_.size() * max_load && bits_ < max_bits) grow();
  }
  /// Removes `key`; its value, if it was there.
  std::optional<std::string> erase(const std::string& key) {
    if (parts_.empty()) return std::nullopt;
    const std::size_t i = index_of(key);
    if (parts_[i].get().find(key) == parts_[i].get().end()) return std::nullopt;  // (no copy of a shared part)
    auto node = parts_[i].writable().extract(key);
    --size_;
    return std::move(node.mapped());
  }
  /// Adds a key not yet present (building from records, moving their strings in); a key
  /// already present keeps its value.
  void insert_new(std::string key, std::string value) {
    if (parts_.empty()) parts_.resize(1);
    if (!parts_[index_of(key)].writable().emplace(std::move(key), std::move(value)).second) return;
    ++size_;
    if (size_ > parts_.size() * max_load && bits_ < max_bits) grow();
  }
  /// Room for `n` keys without growing.
  void reserve(std::size_t n) {
    if (parts_.empty()) parts_.resize(1);
    while (n > parts_.size() * max_load && bits_ < max_bits) grow();
  }

  /// Every entry, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (const part_ref& p : parts_)
      for (const auto& [k, v] : p.get()) f(k, v);
  }

 private:
  static constexpr unsigned max_bits = 24;

  [[nodiscard]] std::size_t index_of(std::string_view key) const noexcept {
    if (bits_ == 0) return 0;
    const std::uint64_t h = static_cast<std::uint64_t>(std::hash<std::string_view>{}(key)) * 0x9E3779B97F4A7C15ULL;  // (mixed: the top bits count)
    return static_cast<std::size_t>(h >> (64 - bits_));
  }
  /// Twice the parts: each entry moves to its new part (its node relinked, not copied, from a
  /// part this store alone owns; a shared part is copied once first).
  void grow() {
    std::vector<part_ref> old(std::size_t{1} << (bits_ + 1));
    old.swap(parts_);
    ++bits_;
    for (part_ref& p : old) {
      part_map& m = p.writable();
      while (!m.empty()) {
        auto node = m.extract(m.begin());
        parts_[index_of(node.key())].writable().insert(std::move(node));
      }
    }
  }

  std::vector<part_ref> parts_;
  unsigned bits_ = 0;
  std::size_t size_ = 0;
};

}  // namespace replica::kv_detail
