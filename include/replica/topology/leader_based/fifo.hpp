#pragma once
/// \file
/// A first-in first-out queue over one vector that keeps its capacity: popping advances a
/// head, and the storage is reset once empty (or compacted once half consumed). Unlike
/// std::deque it allocates nothing in a steady state where the queue drains regularly (a
/// leader's pending writes, replied to batch by batch).

#include <cstddef>
#include <utility>
#include <vector>

namespace replica::leader_based_detail {

template <class T>
class fifo {
 public:
  [[nodiscard]] bool empty() const noexcept { return head_ == items_.size(); }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size() - head_; }
  [[nodiscard]] T& front() noexcept { return items_[head_]; }
  [[nodiscard]] const T& front() const noexcept { return items_[head_]; }
  void push_back(T t) { items_.push_back(std::move(t)); }
  /// Appends a `T` made from `args` where it lies (no temporary to copy in).
  template <class... A>
  T& emplace_back(A&&... args) {
    return items_.emplace_back(std::forward<A>(args)...);
  }
  void pop_front() {
    if (++head_ == items_.size()) {
      clear();
    } else if (head_ > 64 && head_ * 2 > items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  void clear() noexcept {
    items_.clear();
    head_ = 0;
  }
  [[nodiscard]] auto begin() noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  [[nodiscard]] auto end() noexcept { return items_.end(); }
  [[nodiscard]] auto begin() const noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  [[nodiscard]] auto end() const noexcept { return items_.end(); }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;
};

}  // namespace replica::leader_based_detail
