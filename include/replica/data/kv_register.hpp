#pragma once
/// \file
/// `kv_register`: integer registers under integer keys, the vocabulary the simulator's workloads
/// and the history checkers speak (read, write, compare-and-set, remove, add). The default state
/// machine of `leader_based_node`.
///
///   replica::leader_based_node<pg_like> node{self, config, disk};  // = <pg_like, replica::kv_register>
///   node.machine().value(7);                                       // the applied value of key 7

#include <replica/core/client.hpp>
#include <replica/core/inline.hpp>
#include <replica/core/result.hpp>
#include <replica/core/state_machine.hpp>
#include <replica/data/data_model.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace replica {

/// A map of integer registers: a `state_machine` whose commands and queries are `kv_op`s, and a
/// `data_model` (the default of the leaderless node, and what the simulator's workloads speak).
class kv_register {
 public:
  // ---- as a data model (data/data_model.hpp) ----
  using key_type = replica::key_type;
  using value_type = replica::value_type;
  static constexpr data_access kind_of(const kv_op& op) noexcept {
    switch (op.kind) {
      case op_kind::read: return data_access::read;
      case op_kind::write: return data_access::write;
      case op_kind::remove: return data_access::remove;
      case op_kind::add: return data_access::add;
      case op_kind::cas: return data_access::cas;
    }
    return data_access::other;
  }
  static constexpr const key_type& key_of(const kv_op& op) noexcept { return op.key; }
  static constexpr value_type value_of(const kv_op& op) noexcept { return op.value; }
  /// The key itself: the placement every integer-keyed test and experiment was written against.
  static constexpr std::uint64_t key_id(key_type k) noexcept { return k; }
  /// A register holds an integer: a write carrying an opaque body (`kv_op::data`) is refused
  /// rather than acknowledged and its body dropped.
  static status admit(const kv_op& op) {
    if (op.kind != op_kind::read && !op.data.empty())
      return error{errc::unsupported, "kv_register stores integers: a write carrying an opaque body (kv_op::data) is refused, not acknowledged and dropped"};
    return {};
  }

  // ---- as a state machine (core/state_machine.hpp) ----
  using command = kv_op;     ///< write, cas, remove or add
  using query = kv_op;       ///< read
  using operation = kv_op;   ///< a request carries one `kv_op`; `read` is the query
  /// A read: nothing for nil, else the value. A command: nothing.
  using result = std::vector<value_type>;
  using snapshot_type = std::vector<std::pair<key_type, value_type>>;  ///< sorted by key

  static bool is_query(const kv_op& op) noexcept { return op.kind == op_kind::read; }
  static const kv_op& command_of(const kv_op& op) noexcept { return op; }
  static const kv_op& query_of(const kv_op& op) noexcept { return op; }
  /// The command's variable size on the wire (its opaque body), for flow control.
  static std::uint64_t body_bytes(const kv_op& op) noexcept { return op.data.size(); }

  /// Applies a command. A cas whose expected value is not the register's (or whose register is
  /// nil) is refused with `precondition` and changes nothing.
  REPLICA_ALWAYS_INLINE replica::result<result> apply(const kv_op& op) {
    switch (op.kind) {
      case op_kind::write: state_[op.key] = op.value; return result{};
      case op_kind::cas: {
        auto it = state_.find(op.key);
        if (it == state_.end() || it->second != op.expected) return error{errc::precondition, "cas: the register does not hold the expected value"};
        it->second = op.value;
        return result{};
      }
      case op_kind::remove: state_.erase(op.key); return result{};
      case op_kind::add: state_[op.key] += op.value; return result{};  // a counter: no lost update under one leader
      case op_kind::read: return result{};
    }
    return error{errc::unsupported, "kv_register: unknown operation kind"};
  }
  [[nodiscard]] result read(const kv_op& q) const {
    result r;
    if (auto v = value(q.key)) r.push_back(*v);
    return r;
  }
  [[nodiscard]] snapshot_type snapshot() const { return {state_.begin(), state_.end()}; }
  void restore(const snapshot_type& s) { state_ = {s.begin(), s.end()}; }

  /// The value of `k` (nil: nullopt).
  [[nodiscard]] std::optional<value_type> value(key_type k) const {
    auto it = state_.find(k);
    return it == state_.end() ? std::nullopt : std::optional{it->second};
  }
  [[nodiscard]] const std::map<key_type, value_type>& registers() const noexcept { return state_; }
  /// FNV-1a over the registers: equal states give equal digests.
  [[nodiscard]] std::uint64_t digest() const {
    std::uint64_t h = 1469598103934665603ULL;
    for (const auto& [k, v] : state_) h = (h ^ (static_cast<std::uint64_t>(k) * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(v))) * 1099511628211ULL;
    return h;
  }
  friend bool operator==(const kv_register&, const kv_register&) = default;

 private:
  std::map<key_type, value_type> state_;
};

static_assert(state_machine<kv_register>);

/// Every (key, value) that a `kv_register` log node applied and still knows: the registers of
/// its compaction snapshot, then each write and compare-and-set applied after it that took
/// effect (a refused cas is not listed). What `check::check_lost_writes` compares with the
/// acknowledged writes. `Node`: a log-based node over `kv_register` (`compacted_state()`,
/// `snapshot_index()`, `applied_index()`, `entry_at(i)`).
template <class Node>
std::vector<std::pair<key_type, value_type>> applied_writes(const Node& n) {
  std::vector<std::pair<key_type, value_type>> out(n.compacted_state().begin(), n.compacted_state().end());
  kv_register m;
  m.restore(n.compacted_state());
  for (std::uint64_t i = n.snapshot_index() + 1; i <= n.applied_index(); ++i) {
    const auto* e = n.entry_at(i);
    if (e == nullptr || e->noop()) continue;
    const kv_op& op = e->op;
    const bool took_effect = m.apply(op).ok();
    if (took_effect && (op.kind == op_kind::write || op.kind == op_kind::cas)) out.emplace_back(op.key, op.value);
  }
  return out;
}

static_assert(data_model<kv_register>);

}  // namespace replica
