#pragma once
/// \file
/// A contiguous run of log entries, shared and immutable: the unit a leader ships and a
/// replica persists. The leader copies a new batch out of its log once; every follower's
/// append message and the persisted write then share it (a slice of it, when a follower needs
/// only part), and a follower persists the slice it appended without copying it again. A
/// `batch_pool` recycles the buffers of batches nobody holds any more, so in steady state a
/// batch costs no allocation at all.
///
///   entry_batch<E> b{e1, e2, e3};     // tests and hand-made messages
///   for (const E& e : b.slice(1)) ... // e2, e3, sharing b's storage

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <utility>
#include <vector>

namespace replica::leader_based_detail {

/// The storage batches share: the entries and a count of the batches (and pools) holding it.
/// (An intrusive count: a batch holds one pointer to it. With a `std::shared_ptr` GCC 12 moved
/// the pointer's two words as one 16-byte load right after storing them apart, a
/// store-forwarding stall on every message.)
template <class Entry>
struct batch_buffer {
  std::atomic<std::size_t> refs{1};
  std::vector<Entry> items;
};

template <class Entry>
class entry_batch {
 public:
  using value_type = Entry;

  entry_batch() = default;
  entry_batch(std::initializer_list<Entry> es) : entry_batch(std::vector<Entry>(es)) {}
  entry_batch(std::vector<Entry> es) {  // NOLINT(google-explicit-constructor): a batch is its entries
    count_ = es.size();
    if (count_ > 0) {
      buf_ = new batch_buffer<Entry>{{1}, std::move(es)};
      data_ = buf_->items.data();
    }
  }
  entry_batch(const entry_batch& o) noexcept : buf_{o.buf_}, data_{o.data_}, count_{o.count_} { retain(); }
  entry_batch(entry_batch&& o) noexcept
      : buf_{std::exchange(o.buf_, nullptr)}, data_{std::exchange(o.data_, nullptr)}, count_{std::exchange(o.count_, 0)} {}
  entry_batch& operator=(entry_batch o) noexcept {
    std::swap(buf_, o.buf_);
    std::swap(data_, o.data_);
    std::swap(count_, o.count_);
    return *this;
  }
  ~entry_batch() { release(buf_); }

  /// Copies [first, last) into a new shared batch (one allocation for the storage).
  template <class It>
  static entry_batch copy_of(It first, It last) {
    return entry_batch{std::vector<Entry>(first, last)};
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] const Entry* begin() const noexcept { return data_; }
  [[nodiscard]] const Entry* end() const noexcept { return begin() + count_; }
  [[nodiscard]] const Entry& operator[](std::size_t i) const noexcept { return begin()[i]; }
  [[nodiscard]] const Entry& front() const noexcept { return begin()[0]; }
  [[nodiscard]] const Entry& back() const noexcept { return begin()[count_ - 1]; }
  /// Entries [from, from + count) of this batch (count clamped), sharing its storage.
  [[nodiscard]] entry_batch slice(std::size_t from, std::size_t count = SIZE_MAX) const {
    if (from >= count_) return {};
    return entry_batch{buf_, data_ + from, std::min(count, count_ - from)};
  }

  friend bool operator==(const entry_batch& a, const entry_batch& b) {
    if (a.count_ != b.count_) return false;
    for (std::size_t i = 0; i < a.count_; ++i)
      if (!(a[i] == b[i])) return false;
    return true;
  }

  /// Drops one hold on `b` (nullptr: nothing), deleting it with the last.
  static void release(batch_buffer<Entry>* b) noexcept {
    if (b && b->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete b;
  }

 private:
  template <class, std::size_t>
  friend class batch_pool;
  /// A batch of `count` entries of `b` from `first` (one of b's items), taking one more hold on it.
  entry_batch(batch_buffer<Entry>* b, const Entry* first, std::size_t count) noexcept : buf_{b}, data_{first}, count_{count} {
    retain();
  }
  void retain() const noexcept {
    if (buf_) buf_->refs.fetch_add(1, std::memory_order_relaxed);
  }

  batch_buffer<Entry>* buf_ = nullptr;
  /// The first entry, in buf_'s items (null when empty). A buffer's items are not touched while
  /// a batch holds it (the pool refills only buffers nobody holds), so the pointer stays valid;
  /// kept rather than an offset so that reading an entry is one load, not a branch and a chase.
  const Entry* data_ = nullptr;
  std::size_t count_ = 0;
};

/// Buffers for new batches, reused once every batch made from them is gone (the persistence
/// layer and the network dropped their copies): a node owns one, and its batches stop
/// allocating once as many are in flight as ever will be. At most `Slots` buffers are kept
/// (the entries of the last batch made in each stay alive until it is reused). A copy of a
/// pool starts empty: the buffers are a cache, not state.
template <class Entry, std::size_t Slots = 64>
class batch_pool {
 public:
  batch_pool() = default;
  batch_pool(const batch_pool&) noexcept {}
  batch_pool(batch_pool&& o) noexcept : slots_{std::move(o.slots_)} { o.slots_.clear(); }
  batch_pool& operator=(const batch_pool& o) noexcept {
    if (this != &o) drop_all();
    return *this;
  }
  batch_pool& operator=(batch_pool&& o) noexcept {
    if (this != &o) {
      drop_all();
      slots_ = std::move(o.slots_);
      o.slots_.clear();
    }
    return *this;
  }
  ~batch_pool() { drop_all(); }

  /// Copies [first, last) into a free buffer (or a new one) and shares it as a batch.
  template <class It>
  entry_batch<Entry> copy_of(It first, It last) {
    if (first == last) return {};
    // The first free buffer: in a steady state the same two or three are reused.
    for (batch_buffer<Entry>* s : slots_) {
      if (s->refs.load(std::memory_order_acquire) == 1) {  // only the pool holds it: no batch made from it is alive
        s->items.assign(first, last);
        return entry_batch<Entry>{s, s->items.data(), s->items.size()};
      }
    }
    if (slots_.size() < Slots) {
      slots_.push_back(new batch_buffer<Entry>{{1}, std::vector<Entry>(first, last)});
      return entry_batch<Entry>{slots_.back(), slots_.back()->items.data(), slots_.back()->items.size()};
    }
    return entry_batch<Entry>::copy_of(first, last);  // every buffer is in use: a fresh one
  }

 private:
  void drop_all() noexcept {
    for (batch_buffer<Entry>* s : slots_) entry_batch<Entry>::release(s);
    slots_.clear();
  }
  std::vector<batch_buffer<Entry>*> slots_;
};

}  // namespace replica::leader_based_detail
