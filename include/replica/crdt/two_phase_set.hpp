#pragma once
/// \file
/// 2P-Set: a G-Set of added elements and a G-Set of removed ones (tombstones). An element is in
/// the set if added and not removed. A removed element can never come back: adding it again
/// has no effect (FAULTS C4, documented in docs/policies/crdts.md). Removing an element that is
/// not present is refused, since the remove would otherwise win over a concurrent first add.

#include <replica/core/fields.hpp>
#include <replica/core/result.hpp>
#include <replica/crdt/g_set.hpp>

namespace replica {

/// A set with add and remove-once.
template <class T>
class two_phase_set {
 public:
  two_phase_set add(const T& x) {
    two_phase_set delta;
    delta.added_ = added_.add(x);
    return delta;
  }
  /// Removes a present element; `precondition` (nothing changes) if it is not in the set.
  result<two_phase_set> remove(const T& x) {
    if (!contains(x)) return error{errc::precondition, "2P-Set: only an element in the set can be removed"};
    two_phase_set delta;
    delta.removed_ = removed_.add(x);
    return delta;
  }
  [[nodiscard]] bool contains(const T& x) const { return added_.contains(x) && !removed_.contains(x); }
  [[nodiscard]] std::vector<T> elements() const {
    std::vector<T> out;
    for (const T& x : added_.elements())
      if (!removed_.contains(x)) out.push_back(x);
    return out;
  }
  void merge(const two_phase_set& o) {
    added_.merge(o.added_);
    removed_.merge(o.removed_);
  }
  [[nodiscard]] const g_set<T>& tombstones() const noexcept { return removed_; }

  friend bool operator==(const two_phase_set&, const two_phase_set&) = default;

  REPLICA_FIELDS(added_, removed_);

 private:
  g_set<T> added_, removed_;
};

}  // namespace replica
