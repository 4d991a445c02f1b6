#pragma once
/// \file
/// The client vocabulary every topology speaks: operations on a key-value register (read,
/// write, compare-and-set), requests that carry them, and the reply a node gives. The simulator
/// records these as Jepsen-style histories, and the checkers read them.

#include <replica/core/consistency.hpp>
#include <replica/core/fields.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/payload.hpp>
#include <replica/core/result.hpp>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace replica {

struct client_id_tag {};
struct request_id_tag {};
/// A client (a Jepsen "process"): issues one operation at a time.
using client_id = strong_id<client_id_tag, std::uint32_t>;
/// A request of one client; unique per client, increasing.
using request_id = strong_id<request_id_tag, std::uint64_t>;

/// A key of the replicated key-value store.
using key_type = std::uint32_t;
/// A register value; registers start as nil (`std::nullopt`).
using value_type = std::int64_t;

/// The kind of a register operation.
enum class op_kind : std::uint8_t { read, write, cas, remove, add };

constexpr std::string_view to_string(op_kind k) noexcept {
  switch (k) {
    case op_kind::read: return "read";
    case op_kind::write: return "write";
    case op_kind::cas: return "cas";
    case op_kind::remove: return "remove";
    case op_kind::add: return "add";
  }
  return "?";
}

/// One operation on one key: read; write `value`; compare-and-set from `expected` to `value`;
/// remove (the key reads as nil afterwards; leaderless replicas keep a tombstone; on a set,
/// removes the element `value`); or add `value` (to a counter: increment by it; to a set: add
/// the element; a leader-based register adds it to the stored number).
struct kv_op {
  op_kind kind = op_kind::read;
  key_type key = 0;
  value_type value = 0;     ///< written value (write, cas), amount or element (add, set remove)
  value_type expected = 0;  ///< the value a cas requires (cas)
  /// An opaque body carried with a write (shared, not copied, as it is replicated); empty in
  /// the simulator's register workloads.
  replica::payload data{};
  REPLICA_FIELDS(kind, key, value, expected, data);

  friend bool operator==(const kv_op&, const kv_op&) noexcept = default;
};

/// A client request as a node receives it.
template <class Op = kv_op>
struct client_request {
  client_id client{};
  request_id id{};
  Op op{};
  /// A read-your-writes token (a log position, a causal context, ...), if the client has one.
  std::optional<std::uint64_t> token{};
  /// How many replicas must answer (leaderless topologies; `configured`: the compile-time W or R).
  consistency_level level = consistency_level::configured;
  /// The causal context of the read this write follows (leaderless topologies: what the read's
  /// reply carried), empty for a blind write.
  replica::payload context{};
  REPLICA_FIELDS(client, id, op, token, level, context);
  friend bool operator==(const client_request&, const client_request&) = default;
};

/// How a node answers a request.
enum class reply_status : std::uint8_t {
  ok,        ///< done; `values` holds what a read saw
  fail,      ///< definitely not done (a cas whose precondition failed, a refused write)
  unknown,   ///< may or may not be done (the node lost track, e.g. it stepped down)
  redirect,  ///< not done; ask `leader_hint` instead
};

/// A node's answer to one request. `Result` is what the operation returned: for the register
/// vocabulary (`client_reply`), the values a read saw (nothing for nil, one value, or several
/// concurrent siblings); for a user's state machine, its `result` type.
template <class Result>
struct basic_client_reply {
  // The constructors are written out (not an aggregate, not `= default`) so that making a reply
  // stores each member's initial value and nothing else: value-initializing a 112-byte aggregate,
  // as `replies.emplace_back()` does, zero-fills all of it first, and GCC does that with
  // `rep stos`, slow to start on short lengths (docs/benchmarks.md, coordinator fan-out).
  basic_client_reply() noexcept {}  // NOLINT(modernize-use-equals-default): the point, above
  basic_client_reply(client_id c, request_id i) noexcept : client{c}, id{i} {}

  using result_type = Result;

  client_id client{};
  request_id id{};
  reply_status status = reply_status::ok;
  /// What the operation returned (a read's values; a state machine's `result`).
  Result result{};
  /// A token naming the state the reply reflects (a write's log position, say), if any.
  std::optional<std::uint64_t> token{};
  /// Where to send the request instead (redirect), if known.
  std::optional<replica_id> leader_hint{};
  /// Why it failed or was redirected.
  std::optional<errc> error{};
  /// A read's causal context (leaderless topologies): pass it with the write that follows.
  replica::payload context{};
  /// A sloppy-quorum write: how many of its acknowledgements came from fallback replicas.
  std::uint32_t fallback_acks = 0;
  REPLICA_FIELDS(client, id, status, result, token, leader_hint, error, context, fallback_acks);
  friend bool operator==(const basic_client_reply&, const basic_client_reply&) = default;
};

/// The register vocabulary's reply: `result` holds what a read saw (nothing for nil, one value,
/// or several concurrent siblings).
using client_reply = basic_client_reply<std::vector<value_type>>;

}  // namespace replica
