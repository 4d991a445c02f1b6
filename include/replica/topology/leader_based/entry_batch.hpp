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

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

namespace replica::leader_based_detail {

template <class Entry>
class entry_batch {
 public:
  entry_batch() = default;
  entry_batch(std::initializer_list<Entry> es) : entry_batch(std::vector<Entry>(es)) {}
  entry_batch(std::vector<Entry> es) {  // NOLINT(google-explicit-constructor): a batch is its entries
    count_ = es.size();
    if (count_ > 0) items_ = std::make_shared<const std::vector<Entry>>(std::move(es));
  }
  /// Copies [first, last) into a new shared batch (one allocation for the storage).
  template <class It>
  static entry_batch copy_of(It first, It last) {
    return entry_batch{std::vector<Entry>(first, last)};
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] const Entry* begin() const noexcept { return items_ ? items_->data() + first_ : nullptr; }
  [[nodiscard]] const Entry* end() const noexcept { return begin() + count_; }
  [[nodiscard]] const Entry& operator[](std::size_t i) const noexcept { return begin()[i]; }
  [[nodiscard]] const Entry& front() const noexcept { return begin()[0]; }
  [[nodiscard]] const Entry& back() const noexcept { return begin()[count_ - 1]; }
  /// Entries [from, from + count) of this batch (count clamped), sharing its storage.
  [[nodiscard]] entry_batch slice(std::size_t from, std::size_t count = SIZE_MAX) const {
    entry_batch b;
    if (from >= count_) return b;
    b.items_ = items_;
    b.first_ = first_ + from;
    b.count_ = std::min(count, count_ - from);
    return b;
  }

  /// A batch of all of `items` (shared, not copied).
  static entry_batch sharing(std::shared_ptr<const std::vector<Entry>> items) {
    entry_batch b;
    b.count_ = items ? items->size() : 0;
    if (b.count_ > 0) b.items_ = std::move(items);
    return b;
  }

  friend bool operator==(const entry_batch& a, const entry_batch& b) {
    if (a.count_ != b.count_) return false;
    for (std::size_t i = 0; i < a.count_; ++i)
      if (!(a[i] == b[i])) return false;
    return true;
  }

 private:
  std::shared_ptr<const std::vector<Entry>> items_;
  std::size_t first_ = 0, count_ = 0;
};

/// Buffers for new batches, reused once every batch made from them is gone (the persistence
/// layer and the network dropped their copies): a node owns one, and its batches stop
/// allocating once as many are in flight as ever will be. At most `Slots` buffers are kept
/// (the entries of the last batch made in each stay alive until it is reused).
template <class Entry, std::size_t Slots = 64>
class batch_pool {
 public:
  /// Copies [first, last) into a free buffer (or a new one) and shares it as a batch.
  template <class It>
  entry_batch<Entry> copy_of(It first, It last) {
    if (first == last) return {};
    // The first free buffer: in a steady state the same two or three are reused.
    for (auto& s : slots_) {
      if (s.use_count() == 1) {  // only the pool holds it: no batch made from it is alive
        s->assign(first, last);
        return entry_batch<Entry>::sharing(s);
      }
    }
    if (slots_.size() < Slots) {
      slots_.push_back(std::make_shared<std::vector<Entry>>(first, last));
      return entry_batch<Entry>::sharing(slots_.back());
    }
    return entry_batch<Entry>::copy_of(first, last);  // every buffer is in use: a fresh one
  }

 private:
  std::vector<std::shared_ptr<std::vector<Entry>>> slots_;
};

}  // namespace replica::leader_based_detail
