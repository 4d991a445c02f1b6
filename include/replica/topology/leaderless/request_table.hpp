#pragma once
/// \file
/// A coordinator's requests in flight, by request id: what a leaderless coordinator looks up on
/// every acknowledgement and reply.
///
///   request_table<request> pending;
///   request& q = pending.add(id);       // ids increase: a recycled slot, filled by the caller
///   if (request* q = pending.find(id))  // an acknowledgement for a request still in flight
///   pending.drop(id);                   // answered: the slot is reused by a later request
///
/// Requests live in slots that are never freed (each its own allocation: their addresses stay
/// put while others come and go, and a slot is found by one load), so a steady state allocates
/// nothing. The index is a vector of (id, slot) sorted by id: ids are handed out in increasing
/// order, so adding appends, a lookup checks the newest and then binary-searches the requests in
/// flight (a handful), and iterating visits the oldest first, as the `std::map` it replaces did
/// (a timeout sweep answers in request order).

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace replica {

template <class T>
class request_table {
 public:
  /// A slot for request `id` (ids are expected in increasing order; an out-of-order one is
  /// placed where it sorts, an id already in flight gets its slot back). Its contents are what the
  /// slot last held (or a default T): the caller fills every field.
  T& add(std::uint64_t id) {
    const bool in_order = index_.empty() || index_.back().first < id;
    if (!in_order)
      if (T* held = find(id)) return *held;
    std::uint32_t slot;
    if (free_.empty()) {
      slot = static_cast<std::uint32_t>(slots_.size());
      slots_.push_back(std::make_unique<T>());
    } else {
      slot = free_.back();
      free_.pop_back();
    }
    index_.insert(in_order ? index_.end() : lower(id), {id, slot});
    return *slots_[slot];
  }
  /// The request `id`, or null if it is not in flight (answered, expired, never added).
  [[nodiscard]] T* find(std::uint64_t id) noexcept {
    const auto it = position(id);
    return it == index_.end() ? nullptr : slots_[it->second].get();
  }
  /// Ends request `id` (nothing if it is not in flight); its slot is reused.
  void drop(std::uint64_t id) {
    if (const auto it = position(id); it != index_.end()) erase(it);
  }

  /// In flight, oldest first: `id_at(i)` and `at(i)` for i < size(); `drop_at(i)` moves the
  /// later ones down by one.
  [[nodiscard]] std::size_t size() const noexcept { return index_.size(); }
  [[nodiscard]] bool empty() const noexcept { return index_.empty(); }
  [[nodiscard]] std::uint64_t id_at(std::size_t i) const noexcept { return index_[i].first; }
  [[nodiscard]] T& at(std::size_t i) noexcept { return *slots_[index_[i].second]; }
  void drop_at(std::size_t i) { erase(index_.begin() + static_cast<std::ptrdiff_t>(i)); }

 private:
  using entry = std::pair<std::uint64_t, std::uint32_t>;
  typename std::vector<entry>::iterator lower(std::uint64_t id) noexcept {
    return std::lower_bound(index_.begin(), index_.end(), id, [](const entry& e, std::uint64_t x) { return e.first < x; });
  }
  typename std::vector<entry>::iterator position(std::uint64_t id) noexcept {
    // Most lookups are for the newest requests: check the last one before searching.
    if (!index_.empty() && index_.back().first == id) return index_.end() - 1;
    const auto it = lower(id);
    return it != index_.end() && it->first == id ? it : index_.end();
  }
  void erase(typename std::vector<entry>::iterator it) {
    free_.push_back(it->second);
    index_.erase(it);
  }

  std::vector<std::unique_ptr<T>> slots_;  ///< (each slot its own allocation: addresses stay put)
  std::vector<std::uint32_t> free_;
  std::vector<entry> index_;
};

}  // namespace replica
