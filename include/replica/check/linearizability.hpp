#pragma once
/// \file
/// Linearizability of register and key-value histories (read, write, compare-and-set), with
/// Wing & Gong's search as improved by Lowe (a cache of (linearized set, state) pairs), one key
/// at a time (a key-value store is linearizable iff each key is: Herlihy & Wing's locality).
///
/// The cache holds each linearized set as a 128-bit fingerprint, kept up to date as operations
/// are placed and lifted (the XOR of a pseudo-random 128-bit word per operation; Zobrist
/// hashing), not as a bitset of every operation: a step costs the same at the 100,000th
/// operation as at the first, and memory grows with the steps taken, not with steps times the
/// history's length (a bitset per entry made 100,000 operations over 10 processes need 14 GB).
/// Two different sets share a fingerprint with probability 2^-128 per pair of cache entries;
/// at the default budget of 2*10^7 steps, below 10^-23 for a whole check.
///
/// The cache is a fixed-size table (`linearizability_options::cache_bytes`, 64 MiB by default,
/// 16 bytes an entry), grown from small as it fills, that forgets old entries when full: it only
/// prunes, so forgetting costs search time, never a wrong answer, and memory stays within the
/// bound whatever the budget of steps.
///
/// As in Jepsen and Knossos: a `fail` operation did not take effect and is dropped; an `info`
/// write or cas may take effect at any time after its invocation, or never; an `info` read
/// constrains nothing and is dropped. Registers start as nil.

#include <replica/check/history.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace replica::check {

/// The verdict of a linearizability check.
struct linearizability_result {
  enum class verdict : std::uint8_t { linearizable, not_linearizable, unknown };
  verdict outcome = verdict::linearizable;
  /// When not linearizable: the operation the search could not place (on the deepest path
  /// it found), and its key.
  std::optional<operation> culprit{};
  std::uint64_t steps = 0;  ///< search steps taken, over all keys

  [[nodiscard]] bool linearizable() const noexcept { return outcome == verdict::linearizable; }
};

struct linearizability_options {
  /// Search steps allowed per key before giving up with `unknown` (the problem is NP-complete).
  std::uint64_t max_steps_per_key = 20'000'000;
  /// Wall-clock time allowed for the whole check before giving up with `unknown` (0: no limit).
  std::chrono::milliseconds time_limit{0};
  /// Memory for the search's cache of visited configurations, per key (grown up to this as
  /// needed; beyond it old entries are forgotten, which costs time, never a wrong answer).
  std::size_t cache_bytes = std::size_t{64} << 20;
};

namespace detail {

using reg = std::optional<value_type>;

/// Applies `op` to register state `s`; whether it is possible there, and the new state.
inline bool apply_register(const operation& op, reg& s) {
  switch (op.f) {
    case op_kind::read:
      if (!op.siblings.empty()) return false;  // a register never holds two values at once
      return op.value == s;
    case op_kind::write:
      s = op.value;
      return true;
    case op_kind::cas:
      if (s != op.expected) return false;
      s = op.value;
      return true;
    case op_kind::remove:
      s.reset();
      return true;
    case op_kind::add: {  // on a register: add to the stored number (nil counts as 0)
      value_type sum = 0;
      if (__builtin_add_overflow(s.value_or(0), op.value.value_or(0), &sum)) return false;  // no 64-bit register holds it
      s = sum;
      return true;
    }
  }
  return false;
}

/// A linearized set's fingerprint: the XOR of `mark(i)` over its operations.
struct fingerprint {
  std::uint64_t lo = 0, hi = 0;
  friend bool operator==(const fingerprint&, const fingerprint&) = default;
};
inline std::uint64_t splitmix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
/// Adds operation `i` to the set `f` stands for, or takes it out.
inline void toggle(fingerprint& f, std::size_t i) noexcept {
  f.lo ^= splitmix(2 * static_cast<std::uint64_t>(i));
  f.hi ^= splitmix(2 * static_cast<std::uint64_t>(i) + 1);
}

/// The search's cache: a set of (linearized set, register state) configurations, each kept as
/// one 128-bit key (the set's fingerprint XOR a mix of the state), in buckets of four (one cache
/// line). It doubles when half full or when a key's bucket is full, up to `max_bytes`; at that
/// size a key whose bucket is full replaces one of its four, so memory is bounded.
class seen_table {
 public:
  explicit seen_table(std::size_t max_bytes)
      : max_buckets_(std::bit_floor(std::max<std::size_t>(max_bytes / sizeof(bucket), 1))),
        slots_(std::min<std::size_t>(max_buckets_, 256)) {}

  /// Adds `(set, state)`; false if it was there already.
  bool insert(const fingerprint& set, const reg& state) {
    fingerprint k = set;
    const std::uint64_t v = state ? static_cast<std::uint64_t>(*state) : 0;
    k.lo ^= splitmix(v ^ (state ? 0x243f6a8885a308d3ULL : 0x13198a2e03707344ULL));
    k.hi ^= splitmix(splitmix(v) ^ 0xa4093822299f31d0ULL);
    if (k == fingerprint{}) k.lo = 1;  // all zeros marks an empty entry
    for (;;) {
      bucket& b = slots_[k.lo & (slots_.size() - 1)];
      for (auto& e : b.keys) {
        if (e == k) return false;
        if (e == fingerprint{}) {
          e = k;
          if (++size_ * 2 > slots_.size() * 4 && slots_.size() < max_buckets_) grow();
          return true;
        }
      }
      if (slots_.size() >= max_buckets_) {
        b.keys[(k.hi >> 62) & 3] = k;  // a full bucket at the bound: forget one of its keys
        return true;
      }
      grow();  // a full bucket below the bound: make room
    }
  }

 private:
  struct alignas(64) bucket {
    fingerprint keys[4]{};
  };
  void grow() {
    std::vector<bucket> old(slots_.size() * 2);
    old.swap(slots_);
    for (const auto& b : old)
      for (const auto& k : b.keys) {
        if (k == fingerprint{}) continue;
        for (auto& e : slots_[k.lo & (slots_.size() - 1)].keys)
          if (e == fingerprint{}) {
            e = k;
            break;
          }  // four entries of a bucket split between two new buckets: always room
      }
  }
  std::size_t max_buckets_;
  std::vector<bucket> slots_;
  std::size_t size_ = 0;
};

/// Whether the check has run past its deadline (looked at every 2^16 steps).
struct deadline {
  std::chrono::steady_clock::time_point at{};
  bool set = false;
  [[nodiscard]] bool passed(std::uint64_t steps) const {
    return set && (steps & 0xffff) == 0 && std::chrono::steady_clock::now() >= at;
  }
};

/// Checks the operations of one key (already filtered to ok and info ones that matter).
inline linearizability_result check_one_register(const std::vector<operation>& ops, std::uint64_t max_steps,
                                                 const deadline& until = {},
                                                 std::size_t cache_bytes = linearizability_options{}.cache_bytes) {
  linearizability_result res;
  const std::size_t n = ops.size();
  if (n == 0) return res;

  // The entry list: a call and (for completed operations) a return per operation, in history
  // order, as a doubly linked list so operations can be lifted out and put back.
  struct entry {
    std::size_t op;
    bool is_call;
    std::size_t pos;  // history position, for ordering
    int prev = -1, next = -1;
    int match = -1;  // call: its return entry (-1 for info); return: its call
  };
  std::vector<entry> es;
  es.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    es.push_back({i, true, ops[i].invoke_index});
    if (ops[i].outcome == event_type::ok) es.push_back({i, false, ops[i].complete_index});
  }
  std::sort(es.begin(), es.end(), [](const entry& a, const entry& b) {
    return a.pos != b.pos ? a.pos < b.pos : a.is_call > b.is_call;
  });
  std::vector<int> call_of(n, -1), ret_of(n, -1);
  for (std::size_t k = 0; k < es.size(); ++k) {
    es[k].prev = static_cast<int>(k) - 1;
    es[k].next = k + 1 < es.size() ? static_cast<int>(k) + 1 : -1;
    (es[k].is_call ? call_of : ret_of)[es[k].op] = static_cast<int>(k);
  }
  for (std::size_t i = 0; i < n; ++i) {
    es[call_of[i]].match = ret_of[i];
    if (ret_of[i] >= 0) es[ret_of[i]].match = call_of[i];
  }
  int head = 0;
  auto unlink = [&](int k) {
    if (es[k].prev >= 0) es[es[k].prev].next = es[k].next; else head = es[k].next;
    if (es[k].next >= 0) es[es[k].next].prev = es[k].prev;
  };
  auto relink = [&](int k) {
    if (es[k].prev >= 0) es[es[k].prev].next = k; else head = k;
    if (es[k].next >= 0) es[es[k].next].prev = k;
  };
  auto lift = [&](int call) {
    unlink(call);
    if (es[call].match >= 0) unlink(es[call].match);
  };
  auto unlift = [&](int call) {  // in reverse order of lift
    if (es[call].match >= 0) relink(es[call].match);
    relink(call);
  };

  std::size_t remaining_ok = 0;
  for (const auto& op : ops) remaining_ok += op.outcome == event_type::ok;

  fingerprint placed;
  seen_table cache(cache_bytes);
  struct frame {
    int call;
    reg state;
  };
  std::vector<frame> stack;
  reg state{};
  int cur = head;
  std::size_t deepest = 0;
  std::optional<std::size_t> culprit;

  while (remaining_ok > 0) {
    if (++res.steps > max_steps || until.passed(res.steps)) {
      res.outcome = linearizability_result::verdict::unknown;
      return res;
    }
    if (cur >= 0 && es[cur].is_call) {
      reg next = state;
      const std::size_t o = es[cur].op;
      if (apply_register(ops[o], next)) {
        toggle(placed, o);
        // The cache only prunes (a configuration on the current path cannot come back deeper:
        // the set grows along it), so what it forgets costs work, never a wrong answer.
        if (cache.insert(placed, next)) {
          stack.push_back({cur, state});
          state = next;
          if (ops[o].outcome == event_type::ok) --remaining_ok;
          lift(cur);
          cur = head;
          continue;
        }
        toggle(placed, o);
      }
      cur = es[cur].next;
      continue;
    }
    // A return entry (an operation that had to be linearized by now and was not), or the end of
    // the list with completed operations still open: backtrack.
    if (cur >= 0 && (stack.size() > deepest || !culprit)) {
      deepest = std::max(deepest, stack.size());
      culprit = es[cur].op;
    }
    if (stack.empty()) {
      res.outcome = linearizability_result::verdict::not_linearizable;
      if (!culprit) {  // no return entry was reached: the first completed operation is to blame
        for (std::size_t i = 0; i < n; ++i)
          if (ops[i].outcome == event_type::ok) {
            culprit = i;
            break;
          }
      }
      res.culprit = ops[*culprit];
      return res;
    }
    const frame f = stack.back();
    stack.pop_back();
    const std::size_t o = es[f.call].op;
    toggle(placed, o);
    if (ops[o].outcome == event_type::ok) ++remaining_ok;
    unlift(f.call);
    state = f.state;
    cur = es[f.call].next;
  }
  return res;
}

}  // namespace detail

/// Checks paired operations (see `pair_operations`), key by key.
inline linearizability_result check_linearizable(const std::vector<operation>& all,
                                                 linearizability_options opt = {}) {
  std::map<key_type, std::vector<operation>> by_key;
  for (const auto& op : all) {
    if (op.outcome == event_type::fail) continue;                       // did not happen
    if (op.outcome == event_type::info && op.f == op_kind::read) continue;  // observed nothing
    by_key[op.key].push_back(op);
  }
  linearizability_result total;
  detail::deadline until;
  if (opt.time_limit.count() > 0) {
    until.at = std::chrono::steady_clock::now() + opt.time_limit;
    until.set = true;
  }
  for (auto& [key, ops] : by_key) {
    auto r = detail::check_one_register(ops, opt.max_steps_per_key, until, opt.cache_bytes);
    total.steps += r.steps;
    if (!r.linearizable()) {
      r.steps = total.steps;
      return r;
    }
  }
  return total;
}

/// Checks a history (invocations and completions), key by key.
inline linearizability_result check_linearizable(const history& h, linearizability_options opt = {}) {
  return check_linearizable(pair_operations(h), opt);
}

}  // namespace replica::check
