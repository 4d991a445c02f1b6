#pragma once
/// \file
/// G-Set: a grow-only set. Adds only; the join is the union. `add` returns the delta (the one
/// element, or nothing if it was present).

#include <replica/core/fields.hpp>

#include <algorithm>
#include <iterator>
#include <vector>

namespace replica {

/// A grow-only set of totally ordered elements.
template <class T>
class g_set {
 public:
  g_set add(const T& x) {
    g_set delta;
    auto it = std::lower_bound(items_.begin(), items_.end(), x);
    if (it != items_.end() && *it == x) return delta;
    items_.insert(it, x);
    delta.items_.push_back(x);
    return delta;
  }
  [[nodiscard]] bool contains(const T& x) const { return std::binary_search(items_.begin(), items_.end(), x); }
  [[nodiscard]] const std::vector<T>& elements() const noexcept { return items_; }
  [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
  void merge(const g_set& o) {
    if (o.items_.empty()) return;
    if (o.items_.size() == 1) {
      add(o.items_.front());
      return;
    }
    std::vector<T> out;
    out.reserve(items_.size() + o.items_.size());
    std::set_union(items_.begin(), items_.end(), o.items_.begin(), o.items_.end(), std::back_inserter(out));
    items_ = std::move(out);
  }

  friend bool operator==(const g_set&, const g_set&) = default;

  REPLICA_FIELDS(items_);
  /// Sorted and unique.
  [[nodiscard]] bool well_formed() const { return std::adjacent_find(items_.begin(), items_.end(), [](const auto& a, const auto& b) { return !(a < b); }) == items_.end(); }

 private:
  std::vector<T> items_;  ///< sorted, unique
};

}  // namespace replica
