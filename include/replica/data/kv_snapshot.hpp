#pragma once
/// \file
/// `kv_snapshot`: what `kv_store::snapshot()` returns: the store's parts (data/kv_parts.hpp),
/// shared with it, copy-on-write. Taking one costs a pointer per part (one per 24-48 keys),
/// not a walk of the machine; copying one costs a reference count. A leader-based node holds
/// its machine's snapshot several times per compaction (its compaction state, the disk's image,
/// a checkpoint, a lagging follower's message), and before this each was a walk or a copy of
/// the whole state on the event loop: 30-80 ms for 100,000 keys of 256 bytes
/// (docs/benchmarks.md, "The far tail is compactions").
///
/// The pairs are walked in key order: the first walk sorts views of them, once per snapshot
/// (on whichever thread first asks: a checkpoint encodes on its own), and its copies share
/// that order. Its encoding is one buffer of records `key length, key, value length, value`
/// (lengths 32-bit little-endian), keys strictly increasing, after the count of records: the
/// format of the flat snapshot it replaces, so data directories keep reading. Decoding checks
/// the records (each whole, keys increasing, as many as counted), so a malformed snapshot from
/// a peer or a disk is refused before it reaches a machine.
///
///   replica::kv_snapshot s{{"a", "1"}, {"b", "2"}};
///   for (auto [key, value] : s) ...  // std::string_view pairs, in key order

#include <replica/core/codec_traits.hpp>
#include <replica/data/kv_parts.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace replica {

class kv_snapshot {
 public:
  using value_type = std::pair<std::string_view, std::string_view>;
  using iterator = std::vector<value_type>::const_iterator;
  /// Copies share the parts, and the store never writes a part a snapshot holds
  /// (core/state_machine.hpp).
  static constexpr bool shares_on_copy = true;

  kv_snapshot() = default;
  /// A store's state: its parts, shared (data/kv_store.hpp).
  explicit kv_snapshot(kv_detail::kv_parts parts) : s_{std::make_shared<const shared>(std::move(parts))} {}
  /// From pairs in any order (a later duplicate key is ignored).
  kv_snapshot(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
    std::map<std::string_view, std::string_view> sorted;
    for (const auto& [k, v] : pairs) sorted.emplace(k, v);
    *this = from_sorted(sorted);
  }
  /// From a range of (key, value) pairs in any order (a later duplicate key is ignored).
  template <class Range>
  static kv_snapshot from_sorted(const Range& r) {
    kv_detail::kv_parts p;
    for (const auto& [k, v] : r) p.insert_new(std::string{k}, std::string{v});
    return kv_snapshot{std::move(p)};
  }

  /// The pairs in key order.
  [[nodiscard]] iterator begin() const { return sorted().begin(); }
  [[nodiscard]] iterator end() const { return sorted().end(); }
  [[nodiscard]] std::size_t size() const noexcept { return s_ ? s_->parts.size() : 0; }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  /// The bytes of its encoded records (two lengths, the key and the value each).
  [[nodiscard]] std::size_t bytes() const {
    (void)sorted();
    return s_ ? s_->bytes : 0;
  }
  /// The parts (what `kv_store::restore` shares).
  [[nodiscard]] const kv_detail::kv_parts& parts() const {
    static const kv_detail::kv_parts none;
    return s_ ? s_->parts : none;
  }
  /// Equal pairs.
  friend bool operator==(const kv_snapshot& a, const kv_snapshot& b) {
    if (a.s_ == b.s_) return true;
    if (a.size() != b.size()) return false;
    bool same = true;
    a.parts().for_each([&](const std::string& k, const std::string& v) {
      const std::string* w = same ? b.parts().find(k) : nullptr;
      same = w != nullptr && *w == v;
    });
    return same;
  }

 private:
  struct shared {
    explicit shared(kv_detail::kv_parts p) : parts{std::move(p)} {}
    kv_detail::kv_parts parts;
    mutable std::once_flag once;  // the order, computed by the first walk
    mutable std::vector<value_type> sorted;
    mutable std::size_t bytes = 0;
  };
  [[nodiscard]] const std::vector<value_type>& sorted() const {
    static const std::vector<value_type> none;
    if (!s_) return none;
    std::call_once(s_->once, [s = s_.get()] {
      s->sorted.reserve(s->parts.size());
      s->parts.for_each([&](const std::string& k, const std::string& v) {
        s->sorted.emplace_back(k, v);
        s->bytes += 8 + k.size() + v.size();
      });
      std::sort(s->sorted.begin(), s->sorted.end(), [](const value_type& x, const value_type& y) { return x.first < y.first; });
    });
    return s_->sorted;
  }

  std::shared_ptr<const shared> s_;  // null: the empty state
};

/// The count of records, then one buffer of them, keys increasing (the file comment).
template <>
struct codec_traits<kv_snapshot> {
  static void encode(auto& out, const kv_snapshot& s) {
    out.put(static_cast<std::uint64_t>(s.size()));
    out.put_length(s.bytes());
    for (const auto& [k, v] : s) {
      out.put_bytes(std::as_bytes(std::span{k.data(), k.size()}));
      out.put_bytes(std::as_bytes(std::span{v.data(), v.size()}));
    }
  }
  static bool decode(auto& in, kv_snapshot& s) {
    std::uint64_t count = 0;
    std::span<const std::byte> body;
    if (!in.get(count) || !in.get_bytes(body)) return false;
    if (count > body.size() / 8) return in.fail("kv_snapshot: more records counted than the buffer holds");
    kv_detail::kv_parts p;
    p.reserve(static_cast<std::size_t>(count));
    const char* at = reinterpret_cast<const char*>(body.data());
    const char* const end = at + body.size();
    std::string_view last;
    std::uint64_t n = 0;
    while (at != end) {
      std::string_view k, v;
      if (!field(at, end, k) || !field(at, end, v)) return in.fail("kv_snapshot: a record runs past the buffer");
      if (n > 0 && !(last < k)) return in.fail("kv_snapshot: keys not strictly increasing");
      if (++n > count) return in.fail("kv_snapshot: more records than counted");
      last = k;
      p.insert_new(std::string{k}, std::string{v});
    }
    if (n != count) return in.fail("kv_snapshot: fewer records than counted");
    s = kv_snapshot{std::move(p)};
    return true;
  }

 private:
  /// Reads one length-prefixed field at `p` (advanced past it); false if it runs past `e`.
  static bool field(const char*& p, const char* e, std::string_view& out) noexcept {
    if (e - p < 4) return false;
    std::uint32_t len = 0;
    for (int i = 3; i >= 0; --i) len = (len << 8) | static_cast<unsigned char>(p[i]);
    p += 4;
    if (static_cast<std::size_t>(e - p) < len) return false;
    out = {p, len};
    p += len;
    return true;
  }
};

}  // namespace replica
