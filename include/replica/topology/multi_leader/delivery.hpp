#pragma once
/// \file
/// Causal delivery for a multi-leader node (FAULTS C5): a change is *deliverable* once its
/// origin's previous change and everything its origin had applied when it made it (`deps`)
/// have been applied here. One that arrives early waits in the buffer; applying a change may
/// release others, which may release more.
///
///   causal_buffer<change> buf;
///   if (!causal_buffer<change>::deliverable(c, delivered)) buf.hold(c);
///   else { apply(c); buf.release([&] -> const version_vector<>& { return delivered; }, apply); }

#include <replica/versioning/dot.hpp>
#include <replica/versioning/version_vector.hpp>

#include <algorithm>
#include <cstddef>
#include <map>
#include <utility>

namespace replica::multi_leader_detail {

/// `Change`: has `origin`, `seq` and `deps` (a version vector).
template <class Change>
class causal_buffer {
 public:
  /// Whether `c` may be applied on top of `have` (the contiguous prefix applied per origin).
  [[nodiscard]] static bool deliverable(const Change& c, const version_vector<>& have) {
    if (have.counter(c.origin) + 1 != c.seq) return false;
    return std::all_of(c.deps.entries().begin(), c.deps.entries().end(),
                       [&](const auto& e) { return have.counter(e.id) >= e.counter; });
  }
  void hold(Change c) {
    const dot d{c.origin, c.seq};
    held_.emplace(d, std::move(c));
  }
  [[nodiscard]] bool holds(const dot& d) const { return held_.contains(d); }
  [[nodiscard]] std::size_t size() const noexcept { return held_.size(); }
  /// Applies, with `apply(change)`, each held change deliverable on `have()` (asked again after
  /// every one applied), until none is.
  template <class Have, class Apply>
  void release(Have have, Apply apply) {
    for (bool progress = true; progress;) {
      progress = false;
      for (auto it = held_.begin(); it != held_.end(); ++it) {
        if (!deliverable(it->second, have())) continue;
        Change next = std::move(it->second);
        held_.erase(it);
        apply(next);
        progress = true;
        break;
      }
    }
  }

 private:
  std::map<dot, Change> held_;
};

}  // namespace replica::multi_leader_detail
