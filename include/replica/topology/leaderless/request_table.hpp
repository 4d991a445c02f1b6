#pragma once
/// \file
/// A coordinator's requests in flight, by request id: what a leaderless coordinator looks up on
/// every acknowledgement and reply.
///
///   request_table<request> pending;
///   request& q = pending.add(id);       // ids increase: a recycled slot, filled by the caller
///   if (request* q = pending.find(id))  // an acknowledgement for a request still in flight
///   pending.drop(id);                   // answered: the slot is reused by a later request
///   for (std::uint64_t id : pending.oldest_first()) ...   // a timeout sweep, in request order
///
/// Direct-mapped, as a hand-written coordinator's ring of slots: request `id` lives in slot
/// `id mod capacity` (a power of two), so adding, finding and dropping are one masked load and a
/// compare. When a new id falls on a slot an older request still holds, the table doubles until
/// every request in flight has a slot of its own (with ids handed out in increasing order and
/// requests ending within a timeout, the table settles at the next power of two above the most
/// requests a timeout can hold). Ids in flight further apart than 2^22 (which a coordinator
/// counting its ids up never has) make `add` throw `std::length_error`, the table unchanged.
///
/// Requests live in the slots themselves: a reference from `add` or `find` stays valid until the
/// next `add` (which may grow the table and move them). A dropped request's slot keeps its old
/// contents, and so its buffers: a steady state allocates nothing, and the caller fills every
/// field on `add`.

#include <algorithm>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace replica {

template <class T>
class request_table {
 public:
  request_table() : slots_(min_capacity) { mark_free(); }

  /// A slot for request `id` (an id already in flight gets its slot back). Its contents are
  /// what the slot last held (or a default T): the caller fills every field.
  T& add(std::uint64_t id) {
    slot* s = &slots_[id & mask_];
    if (!is_free(*s, id & mask_)) [[unlikely]] {
      if (s->id == id) return s->value;  // in flight already
      grow(id);
      s = &slots_[id & mask_];
    }
    s->id = id;
    return s->value;
  }
  /// The request `id`, or null if it is not in flight (answered, expired, never added).
  [[nodiscard]] T* find(std::uint64_t id) noexcept {
    slot& s = slots_[id & mask_];
    return s.id == id ? &s.value : nullptr;
  }
  /// Ends request `id` (nothing if it is not in flight); its slot is reused.
  void drop(std::uint64_t id) noexcept {
    const std::size_t i = id & mask_;
    if (slots_[i].id == id) slots_[i].id = free_mark(i);
  }

  /// How many requests are in flight (a walk over the slots: not kept as a count, which would
  /// cost every add and drop a read-modify-write).
  [[nodiscard]] std::size_t size() const noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < slots_.size(); ++i) n += is_free(slots_[i], i) ? 0 : 1;
    return n;
  }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  /// How many slots the table has (a power of two; it only grows).
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
  /// The ids in flight, oldest first: a snapshot (dropping or adding while iterating it is
  /// fine; `find` tells whether one is still in flight). Allocates only when more requests are
  /// in flight than ever before.
  std::span<const std::uint64_t> oldest_first() {
    order_.clear();
    for (std::size_t i = 0; i < slots_.size(); ++i)
      if (!is_free(slots_[i], i)) order_.push_back(slots_[i].id);
    std::sort(order_.begin(), order_.end());
    return order_;
  }

 private:
  static constexpr std::size_t min_capacity = 8;
  static constexpr std::size_t max_capacity = std::size_t{1} << 22;
  struct slot {
    std::uint64_t id = 0;  ///< the request's id, or free_mark(its index): no id maps there
    T value{};
  };
  /// What a free slot `i` holds for an id: i + 1, which falls on slot i + 1 (or 0), never on i
  /// (capacities are at least 8). So `find` and `drop` need one compare, and no id is reserved.
  static constexpr std::uint64_t free_mark(std::size_t i) noexcept { return static_cast<std::uint64_t>(i) + 1; }
  static constexpr bool is_free(const slot& s, std::size_t i) noexcept { return s.id == free_mark(i); }
  void mark_free() noexcept {
    for (std::size_t i = 0; i < slots_.size(); ++i) slots_[i].id = free_mark(i);
  }
  /// Doubles the table until `id` and every id in flight have slots of their own. (Cold: it
  /// happens as often as the most requests in flight reaches a new power of two.)
  [[gnu::noinline, gnu::cold]] void grow(std::uint64_t id) {
    std::size_t n = slots_.size() * 2;
    auto fits = [&](std::size_t cap) {
      std::vector<bool> taken(cap);
      taken[id & (cap - 1)] = true;
      for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (is_free(slots_[i], i)) continue;
        const std::size_t j = slots_[i].id & (cap - 1);
        if (taken[j]) return false;
        taken[j] = true;
      }
      return true;
    };
    while (!fits(n)) {
      // Ids in flight that far apart are not a coordinator's (its ids count up by one, and a
      // request ends within its timeout): refuse rather than allocate without bound.
      if (n >= max_capacity) throw std::length_error("request_table: ids in flight span more than 2^22 (ids must count up, requests end)");
      n *= 2;
    }
    std::vector<slot> bigger(n);
    for (std::size_t i = 0; i < n; ++i) bigger[i].id = free_mark(i);
    // Free slots' contents first, to the same index (their buffers are kept), then the requests
    // in flight to their new slots (distinct: `fits`), over whatever a free one left there.
    for (std::size_t i = 0; i < slots_.size(); ++i)
      if (is_free(slots_[i], i)) bigger[i].value = std::move(slots_[i].value);
    for (std::size_t i = 0; i < slots_.size(); ++i)
      if (!is_free(slots_[i], i)) {
        slot& to = bigger[slots_[i].id & (n - 1)];
        to.id = slots_[i].id;
        to.value = std::move(slots_[i].value);
      }
    slots_ = std::move(bigger);
    mask_ = n - 1;
  }

  std::vector<slot> slots_;
  std::size_t mask_ = min_capacity - 1;  ///< slots_.size() - 1
  std::vector<std::uint64_t> order_;  ///< oldest_first's snapshot (kept: no allocation per sweep)
};

}  // namespace replica
