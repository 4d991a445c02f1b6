#pragma once
/// \file
/// Hinted handoff's book: the writes a fallback holds for replicas it stood in for (sloppy
/// quorum), one hint per (target, key), persisted. A hint is handed off every
/// `handoff_interval` and dropped once the target acknowledges that handoff's contents; a write
/// that joined the hint while the handoff was in flight changes its stamp, so the hint stays
/// until the next handoff carries it too.
///
///   hint_book<strategy, hint, hint_drop> book;
///   book.keep(h, persist)          // merge into the (target, key) hint; false if not one key's
///   book.stamp(h)                  // what a handoff of h carries and its acknowledgement echoes
///   book.handed_off(from, k, stamp, persist)   // true: dropped

#include <replica/core/client.hpp>
#include <replica/core/hash.hpp>
#include <replica/core/ids.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace replica::leaderless_detail {

template <class Strategy, class Hint, class Drop>
class hint_book {
 public:
  using state = typename Strategy::state;
  using key_type = std::remove_cvref_t<decltype(std::declval<Hint&>().key)>;

  explicit hint_book(std::vector<Hint> restored = {}) : hints_{std::move(restored)} {
    for (const Hint& h : hints_) serial_ = std::max(serial_, h.serial);
  }

  /// Keeps `h` for its target, appending what to persist; false (nothing kept) if its versions
  /// and a hint already held for the same key cannot be one key's. `added`: a new hint (not
  /// merged into one held).
  template <class Persist>
  [[nodiscard]] bool keep(const Hint& h, Persist& persist, bool* added = nullptr) {
    if (added) *added = false;
    auto it = std::find_if(hints_.begin(), hints_.end(), [&](const Hint& x) { return x.target == h.target && x.key == h.key; });
    if (it != hints_.end()) {
      // One hint per (target, key): merge the versions, as the store would.
      std::optional<state> all = Strategy::merged(it->versions, h.versions);
      if (!all) return false;
      if (Strategy::same_set(*all, it->versions)) return true;
      it->versions = std::move(*all);
      it->serial = ++serial_;
      persist.push_back(Drop{h.target, h.key});
      persist.push_back(*it);
      return true;
    }
    hints_.push_back(h);
    hints_.back().serial = ++serial_;
    persist.push_back(hints_.back());
    if (added) *added = true;
    return true;
  }
  /// What a handoff of `h` carries in `put::req` and its acknowledgement echoes: the hint's
  /// serial and its contents' fingerprint. (The serial alone could repeat after a restart, a
  /// dropped hint's number being given again; the fingerprint alone misses a CRDT state that
  /// changed without changing how it reads.)
  static std::uint64_t stamp(const Hint& h) { return mix64(h.serial ^ Strategy::fingerprint(h.versions)); }
  /// `from` stored what this fallback held for it under `k`, as of `stamp`: drops the hint
  /// unless a newer write joined it since (then the next handoff sends it). True if dropped.
  /// (Out of line: the acknowledgement handler is on every write's path, handoffs are not.)
  template <class Persist>
  [[gnu::noinline, gnu::cold]] bool handed_off(replica_id from, const key_type& k, std::uint64_t stamp_seen, Persist& persist) {
    auto it = std::find_if(hints_.begin(), hints_.end(), [&](const Hint& h) { return h.target == from && h.key == k; });
    if (it == hints_.end() || stamp(*it) != stamp_seen) return false;
    hints_.erase(it);
    persist.push_back(Drop{from, k});
    return true;
  }
  [[nodiscard]] const std::vector<Hint>& all() const noexcept { return hints_; }

 private:
  std::vector<Hint> hints_;
  std::uint64_t serial_ = 0;  ///< the last `Hint::serial` given (restored hints: their highest)
};

}  // namespace replica::leaderless_detail
