#pragma once
/// \file
/// Dotted version vectors (Preguiça, Baquero, Almeida et al., 2010-2012). A version is the
/// *dot* of the event that wrote it, (replica, n), plus the causal context that event had
/// seen. Because each concurrent sibling keeps its own dot, a write carrying a context removes
/// exactly the siblings whose dots that context covers, and no others; this is what keeps
/// sibling sets small where per-replica version vectors either lose writes or let siblings
/// grow without bound.
///
/// Representation: the causal history is a compact version vector (every dot 1..n of each
/// replica) plus a sorted "dot cloud" of dots above a gap. The history always includes the
/// version's own dot. Merging two versions takes the exact union of their histories (so
/// `merge` is a true least upper bound); the result of a merge of two different events is no
/// longer one event, and has no dot of its own.

#include <replica/core/fields.hpp>
#include <replica/core/hash.hpp>
#include <replica/versioning/dot.hpp>
#include <replica/versioning/version_vector.hpp>

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

namespace replica {

/// A dotted version vector over any replica ids.
class dotted_version_vector {
 public:
  using family = versioning_tag;
  static constexpr bool totally_ordered = false;
  static constexpr bool causal_advance = true;
  static constexpr std::string_view name = "dotted_version_vector";

  dotted_version_vector() = default;

  /// The version of a new event `d` that had seen `context` (a server's update: the dot is
  /// chosen by the replica that coordinates the write, the context comes from the client).
  /// `malformed` if `d` is already in `context` or has counter 0.
  static result<dotted_version_vector> event(const version_vector<>& context, dot d) { return event(context, {}, d); }
  /// The same for a context that is a compact part and dots `above` it (a history with gaps,
  /// as `base()` and `cloud()` give it): exactly that history, not the version vector that
  /// would also cover its gaps. `malformed` if a dot has counter 0 or `d` is in the history.
  static result<dotted_version_vector> event(const version_vector<>& context, std::span<const dot> above, dot d) {
    if (d.counter == 0) return error{errc::malformed, "a dot counter starts at 1"};
    dotted_version_vector v;
    v.base_ = context;
    for (const dot& a : above) {
      if (a.counter == 0) return error{errc::malformed, "a dot counter starts at 1"};
      v.insert(a);
    }
    if (v.contains(d)) return error{errc::malformed, "the dot is already in its context"};
    v.insert(d);
    v.dot_ = d;
    return v;
  }

  /// The dot of the event that produced this version, if it is a single event.
  [[nodiscard]] const std::optional<dot>& own_dot() const noexcept { return dot_; }
  /// The compact part of the history: every dot 1..n of each replica.
  [[nodiscard]] const version_vector<>& base() const noexcept { return base_; }
  /// Dots of the history above a gap in the compact part, sorted.
  [[nodiscard]] const std::vector<dot>& cloud() const noexcept { return cloud_; }
  /// Whether event `d` is in this version's causal history.
  [[nodiscard]] bool contains(dot d) const noexcept {
    return d.counter <= base_.counter(d.id) || std::binary_search(cloud_.begin(), cloud_.end(), d);
  }
  /// The history as a plain version vector (the context a client sends with its next write).
  /// Exact when there is no gap; otherwise an over-approximation that includes the gaps.
  [[nodiscard]] version_vector<> context() const {
    version_vector<> vv = base_;
    for (const dot& d : cloud_) vv.raise(d.id, d.counter);
    return vv;
  }
  /// The largest counter of replica `r` in the history.
  [[nodiscard]] std::uint64_t max_counter(replica_id r) const noexcept {
    std::uint64_t m = base_.counter(r);
    for (const dot& d : cloud_)
      if (d.id == r) m = std::max(m, d.counter);
    return m;
  }

  [[nodiscard]] causal_order compare(const dotted_version_vector& o) const noexcept {
    // The compact parts in one merged walk (it stops at the first sign of concurrency); then
    // each side's dot cloud against the other's history, only while that direction still holds.
    // (Both normalized: a history holds 1..n of a replica iff its compact counter is >= n.)
    bool le = true, ge = true;  // so far: my compact part within theirs; theirs within mine
    const auto& mine = base_.entries();
    const auto& theirs = o.base_.entries();
    auto a = mine.begin(), b = theirs.begin();
    const auto ae = mine.end(), be = theirs.end();
    while ((le || ge) && (a != ae || b != be)) {
      if (b == be || (a != ae && a->id < b->id)) {  // a replica only I have events of
        le &= a->counter == 0;
        ++a;
      } else if (a == ae || b->id < a->id) {  // one only they have
        ge &= b->counter == 0;
        ++b;
      } else {
        le &= a->counter <= b->counter;
        ge &= b->counter <= a->counter;
        ++a, ++b;
      }
    }
    if (!le && !ge) return causal_order::concurrent;
    if (le)
      for (const dot& d : cloud_)
        if (!o.contains(d)) {
          le = false;
          break;
        }
    if (ge)
      for (const dot& d : o.cloud_)
        if (!contains(d)) {
          ge = false;
          break;
        }
    if (le && ge) return causal_order::equal;
    if (le) return causal_order::before;
    if (ge) return causal_order::after;
    return causal_order::concurrent;
  }
  /// Union of the histories. Keeps the dot of whichever side includes the other.
  void merge(const dotted_version_vector& o) {
    const causal_order ord = compare(o);
    if (ord == causal_order::equal || ord == causal_order::after) return;
    if (ord == causal_order::before) {
      *this = o;
      return;
    }
    base_.merge(o.base_);
    for (const dot& d : o.cloud_) cloud_.push_back(d);
    std::sort(cloud_.begin(), cloud_.end());
    cloud_.erase(std::unique(cloud_.begin(), cloud_.end()), cloud_.end());
    normalize();
    dot_.reset();
  }
  /// A new event at `r` that has seen this whole history.
  status advance(replica_id r, local_time /*now*/ = {}) {
    const std::uint64_t n = max_counter(r);
    if (n == UINT64_MAX) return error{errc::out_of_range, "counter exhausted"};
    const dot d{r, n + 1};
    insert(d);
    dot_ = d;
    return {};
  }

  /// Equal causal histories (the own dot is derived from how the value was made, not compared).
  friend bool operator==(const dotted_version_vector& a, const dotted_version_vector& b) noexcept {
    return a.base_ == b.base_ && a.cloud_ == b.cloud_;
  }

  /// A hash of the history (what `==` compares: the own dot is left out).
  [[nodiscard]] std::uint64_t hash() const noexcept {
    std::uint64_t h = 0x84222325cbf29ce4ULL;
    auto mixin = [&h](std::uint64_t x) { h = (h ^ x) * 0x100000001b3ULL + (h >> 31); };
    for (const auto& e : base_.entries()) {
      mixin(e.id.value());
      mixin(e.counter);
    }
    for (const dot& d : cloud_) {
      mixin(d.id.value() + 0x5555);
      mixin(d.counter);
    }
    return h;
  }

  REPLICA_FIELDS(base_, cloud_, dot_);
  /// The cloud sorted, unique and beyond the compact part; the own dot in the history.
  [[nodiscard]] bool well_formed() const noexcept {
    return std::adjacent_find(cloud_.begin(), cloud_.end(), [](const dot& a, const dot& b) { return !(a < b); }) == cloud_.end() &&
           std::all_of(cloud_.begin(), cloud_.end(), [&](const dot& d) { return d.counter > base_.counter(d.id) + 1; }) &&
           (!dot_ || contains(*dot_));
  }
  /// Every counter below 2^63, where a correct replica's stay (versions::within_bounds).
  [[nodiscard]] bool within_bounds() const noexcept {
    return base_.within_bounds() &&
           std::all_of(cloud_.begin(), cloud_.end(), [](const dot& d) { return d.counter < (std::uint64_t{1} << 63); });
  }

 private:
  void insert(dot d) {
    if (contains(d)) return;
    cloud_.insert(std::lower_bound(cloud_.begin(), cloud_.end(), d), d);
    normalize();
  }
  /// Folds cloud dots that continue the compact part into it.
  void normalize() {
    bool changed = true;
    while (changed) {
      changed = false;
      for (auto it = cloud_.begin(); it != cloud_.end();) {
        const std::uint64_t have = base_.counter(it->id);
        if (it->counter <= have + 1) {
          base_.raise(it->id, it->counter);
          it = cloud_.erase(it);
          changed = true;
        } else {
          ++it;
        }
      }
    }
  }

  version_vector<> base_;
  std::vector<dot> cloud_;  // Invariant: sorted, unique, every dot's counter > base[id] + 1.
  std::optional<dot> dot_;  // Invariant: if set, contained in the history.
};

}  // namespace replica
