#pragma once
/// \file
/// The user's replicated state: the seam between a log-based node and what it replicates
/// (etcd raftexample's apply loop, NuRaft's `state_machine`, hashicorp/raft's `FSM`).
/// docs/policies/state_machine.md documents the concept, its laws and the shipped models.

#include <replica/core/codec_traits.hpp>
#include <replica/core/result.hpp>

#include <concepts>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <variant>

namespace replica {

namespace machine_detail {
/// The operations and types of a state machine, before asking whether its types are encodable.
template <class M>
concept shaped =
    std::default_initializable<M> && std::copy_constructible<M> &&
    requires {
      typename M::command;
      typename M::query;
      typename M::result;
      typename M::snapshot_type;
    } &&
    requires(M& m, const M& cm, const typename M::command& c, const typename M::query& q, const typename M::snapshot_type& s) {
      { m.apply(c) } -> std::convertible_to<replica::result<typename M::result>>;
      { cm.read(q) } -> std::convertible_to<replica::result<typename M::result>>;
      { cm.snapshot() } -> std::same_as<typename M::snapshot_type>;
      { m.restore(s) } -> std::same_as<void>;
    };
/// Whether every type a machine hands the codec is encodable.
template <class M>
concept encodable_types = encodable<typename M::command> && encodable<typename M::query> &&
                          encodable<typename M::result> && encodable<typename M::snapshot_type> &&
                          (!requires { typename M::operation; } || encodable<typename M::operation>);
}  // namespace machine_detail

/// A deterministic state machine a leader-based node replicates.
///
/// Minimal complete definition:
/// - `command`: what a write carries (it goes through the log); `query`: what a read asks
///   (it never does); `result`: what both return; `snapshot_type`: the whole state as a value
/// - `apply(const command&)`, returning `result`, or `replica::result<result>` to refuse a
///   command (a compare-and-set whose precondition failed): the client then hears `fail` with
///   the error's code. A refused command must leave the state as it was.
/// - `read(const query&) const`, returning `result` (or `replica::result<result>`)
/// - `snapshot() const -> snapshot_type` and `restore(const snapshot_type&)`
/// - default-constructible: the empty state, before the first command
///
/// Laws (tests/laws/state_machine.cpp runs them on every model):
/// - determinism: the same commands applied in the same order to equal machines give equal
///   machines and equal results (no clocks, randomness or addresses inside `apply`);
/// - snapshot round trip: restoring `m.snapshot()` into any machine gives one equal to `m`
///   (equal reads, equal snapshots), and applying the same commands afterwards keeps them equal;
/// - reads do not change the state.
///
/// Optional:
/// - `operation`, with static `is_query(const operation&)`, `command_of` and `query_of`: the one
///   type a client request carries. Without it a request carries `std::variant<command, query>`.
/// - `std::uint64_t digest() const`: a hash of the state, for convergence checks.
/// - static `body_bytes(const command&)`: the command's variable size on the wire, for
///   byte-based flow control and lag (default 0: entries count by their fixed header).
/// - `static constexpr bool shares_on_copy = true` in `snapshot_type`: copying a snapshot (and
///   taking one) costs next to nothing, because it shares structure with the machine and its
///   other copies, and a copy may be read on another thread while the machine goes on (the
///   machine never writes what a snapshot shares: it copies first). `kv_snapshot` is one. The
///   runner then encodes checkpoints beside the event loop (core/node.hpp,
///   `durable_copy_shares`).
///
/// Every type above (and `operation`) is `encodable` (core/codec_traits.hpp): the library's codec
/// writes commands into log entries and snapshots into messages and files. Plain structs say
/// which fields they have with `REPLICA_FIELDS(...)` (core/fields.hpp); strings, integers,
/// enums, containers, optionals and variants of encodable types need nothing.

template <class M>
concept state_machine = machine_detail::shaped<M> && machine_detail::encodable_types<M>;

/// Whether snapshots of type `S` share on copy (the optional member above).
template <class S>
inline constexpr bool shares_on_copy = requires { requires S::shares_on_copy; };

/// What a node needs of a state machine beyond the concept, with the documented defaults.
template <state_machine M>
struct machine_traits {
  using command = typename M::command;
  using query = typename M::query;
  using result = typename M::result;
  using snapshot_type = typename M::snapshot_type;

  static constexpr bool declares_operation = requires { typename M::operation; };

  /// What a client request carries: `M::operation`, or either a command or a query.
  using operation = typename decltype([] {
    if constexpr (declares_operation)
      return std::type_identity<typename M::operation>{};
    else
      return std::type_identity<std::variant<command, query>>{};
  }())::type;

  static bool is_query(const operation& op) {
    if constexpr (declares_operation)
      return M::is_query(op);
    else
      return op.index() == 1;
  }
  /// The command `op` carries (requires !is_query(op)): a reference, or a value when the
  /// machine's operation type holds it in another form.
  static decltype(auto) command_of(const operation& op) {
    if constexpr (declares_operation)
      return M::command_of(op);
    else
      return static_cast<const command&>(*std::get_if<0>(&op));
  }
  static decltype(auto) query_of(const operation& op) {
    if constexpr (declares_operation)
      return M::query_of(op);
    else
      return static_cast<const query&>(*std::get_if<1>(&op));
  }
  /// The command's variable size on the wire, which byte-based flow control and lag count on
  /// top of a fixed header: `M::body_bytes(c)`, or 0 (entries then count by their header only).
  static std::uint64_t body_bytes(const command& c) noexcept {
    if constexpr (requires { { M::body_bytes(c) } -> std::convertible_to<std::uint64_t>; })
      return M::body_bytes(c);
    else
      return 0;
  }
};

}  // namespace replica
