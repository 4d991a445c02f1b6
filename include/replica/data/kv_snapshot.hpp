#pragma once
/// \file
/// `kv_snapshot`: a sorted map of strings to strings held as one flat buffer, what
/// `kv_store::snapshot()` returns. A leader-based node copies its machine's snapshot several
/// times per compaction (its compaction state, the disk's image, a checkpoint's bytes, a
/// lagging follower's message); as a vector of string pairs each copy of 100,000 keys cost
/// 200,000 allocations and tens of milliseconds on the event loop (docs/benchmarks.md), as one
/// buffer it costs one allocation and one `memcpy`.
///
/// The buffer is a sequence of records `key length, key, value length, value` (lengths 32-bit
/// little-endian), keys strictly increasing. Decoding checks that (`well_formed`), so a
/// malformed snapshot from a peer or a disk is refused before it reaches a machine.
///
///   replica::kv_snapshot s{{"a", "1"}, {"b", "2"}};
///   for (auto [key, value] : s) ...  // std::string_view pairs, in key order

#include <replica/core/fields.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace replica {

class kv_snapshot {
 public:
  using value_type = std::pair<std::string_view, std::string_view>;

  /// Walks the records; requires a well-formed buffer (every snapshot made here or decoded is).
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = kv_snapshot::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = value_type;

    iterator() = default;
    value_type operator*() const noexcept {
      const std::uint32_t kl = read32(p_);
      const std::uint32_t vl = read32(p_ + 4 + kl);
      return {std::string_view{p_ + 4, kl}, std::string_view{p_ + 8 + kl, vl}};
    }
    iterator& operator++() noexcept {
      const std::uint32_t kl = read32(p_);
      p_ += 8 + kl + read32(p_ + 4 + kl);
      return *this;
    }
    iterator operator++(int) noexcept {
      iterator t = *this;
      ++*this;
      return t;
    }
    friend bool operator==(const iterator&, const iterator&) = default;

   private:
    friend class kv_snapshot;
    explicit iterator(const char* p) noexcept : p_{p} {}
    const char* p_ = nullptr;
  };

  kv_snapshot() = default;
  /// From pairs in any order (a later duplicate key is ignored).
  kv_snapshot(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
    std::map<std::string_view, std::string_view> sorted;
    for (const auto& [k, v] : pairs) sorted.emplace(k, v);
    *this = from_sorted(sorted);
  }
  /// From a range of (key, value) pairs sorted by key with unique keys (a `std::map`): one
  /// pass to size, one to write, one allocation.
  template <class Range>
  static kv_snapshot from_sorted(const Range& r) {
    kv_snapshot s;
    std::size_t n = 0;
    for (const auto& [k, v] : r) n += 8 + k.size() + v.size();
    s.bytes_.reserve(n);
    for (const auto& [k, v] : r) {
      s.append(k);
      s.append(v);
      ++s.count_;
    }
    return s;
  }

  [[nodiscard]] iterator begin() const noexcept { return iterator{bytes_.data()}; }
  [[nodiscard]] iterator end() const noexcept { return iterator{bytes_.data() + bytes_.size()}; }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  /// The buffer's size in bytes.
  [[nodiscard]] std::size_t bytes() const noexcept { return bytes_.size(); }
  friend bool operator==(const kv_snapshot& a, const kv_snapshot& b) noexcept { return a.bytes_ == b.bytes_; }

  REPLICA_FIELDS(count_, bytes_);
  /// Every record inside the buffer, `count` of them, keys strictly increasing (what decoding
  /// checks).
  [[nodiscard]] bool well_formed() const noexcept {
    const char* p = bytes_.data();
    const char* const e = p + bytes_.size();
    std::string_view last;
    std::uint64_t n = 0;
    while (p != e) {
      std::string_view k, v;
      if (!field(p, e, k) || !field(p, e, v)) return false;
      if (n > 0 && !(last < k)) return false;
      last = k;
      ++n;
    }
    return n == count_;
  }

 private:
  static std::uint32_t read32(const char* p) noexcept {
    std::uint32_t x = 0;
    for (int i = 3; i >= 0; --i) x = (x << 8) | static_cast<unsigned char>(p[i]);
    return x;
  }
  /// Reads one length-prefixed field at `p` (advanced past it); false if it runs past `e`.
  static bool field(const char*& p, const char* e, std::string_view& out) noexcept {
    if (e - p < 4) return false;
    const std::uint32_t len = read32(p);
    p += 4;
    if (static_cast<std::size_t>(e - p) < len) return false;
    out = {p, len};
    p += len;
    return true;
  }
  void append(std::string_view s) {
    const auto len = static_cast<std::uint32_t>(s.size());  // (the codec bounds a string far below 4 GiB)
    const char le[4] = {static_cast<char>(len), static_cast<char>(len >> 8), static_cast<char>(len >> 16), static_cast<char>(len >> 24)};
    bytes_.append(le, 4);
    bytes_.append(s);
  }

  std::uint64_t count_ = 0;
  std::string bytes_;
};

}  // namespace replica
