#pragma once
/// \file
/// One simulated client session over the register vocabulary (`kv_op`, `client_reply`): the
/// workload it draws operations from, the operation it has outstanding, and what replies taught
/// it (the last value seen, which a compare-and-set expects; a read-your-writes token; a causal
/// context). It decides and records; the cluster (sim/cluster.hpp) schedules it: sends its
/// requests, times them out, follows redirects and writes its history.

#include <replica/check/history.hpp>
#include <replica/core/client.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/payload.hpp>
#include <replica/sim/clock.hpp>
#include <replica/sim/options.hpp>
#include <replica/sim/random.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace replica::sim {

struct client_session {
  session_options opt;
  rng random;
  replica_id target{};   ///< the node its requests go to
  bool pending = false;  ///< whether an operation is outstanding
  request_id current{};  ///< the outstanding operation's request id
  std::uint64_t next_request = 1;
  kv_op op{};  ///< the outstanding (or last) operation
  int redirects = 0;
  std::optional<std::uint64_t> token{};     ///< the last reply's token (a write's log position)
  std::optional<value_type> last_seen{};    ///< the last value read or written
  replica::payload context{};               ///< the causal context of the last reply that had one
  key_type context_key{};                   ///< the key `context` is for

  /// The workload's next operation, by `opt`'s weights; written values are taken from
  /// `next_value`, which every session of a cluster shares (so that they are unique).
  kv_op generate(value_type& next_value) {
    const double total = opt.read_weight + opt.write_weight + opt.cas_weight + opt.add_weight;
    const double x = random.uniform01() * total;
    kv_op o;
    o.key = static_cast<key_type>(random.below(std::max<std::size_t>(1, opt.keys)));
    if (x < opt.read_weight) {
      o.kind = op_kind::read;
    } else if (x < opt.read_weight + opt.write_weight) {
      o.kind = op_kind::write;
      o.value = ++next_value;
    } else if (x < opt.read_weight + opt.write_weight + opt.cas_weight) {
      o.kind = op_kind::cas;
      o.expected = last_seen.value_or(0);
      o.value = ++next_value;
    } else {
      o.kind = op_kind::add;
      o.value = opt.add_amount_one ? 1 : ++next_value;
    }
    return o;
  }

  /// Makes `o` the outstanding operation, under a new request id.
  void start(const kv_op& o) {
    pending = true;
    current = request_id{next_request++};
    op = o;
    redirects = 0;
  }

  /// The request for the outstanding operation from client `self`, with the token and the
  /// context `opt` asks it to pass (a context only to a write of the key it was read for).
  [[nodiscard]] client_request<kv_op> request(client_id self) const {
    client_request<kv_op> req{self, current, op, opt.send_tokens ? token : std::nullopt, opt.level};
    if (opt.send_context && op.kind != op_kind::read && context_key == op.key) req.context = context;
    return req;
  }

  /// The history event of the outstanding operation as process `process`: its invocation, or
  /// its completion as `t`, at `now`.
  [[nodiscard]] check::event event(std::uint64_t process, check::event_type t, sim_time now) const {
    check::event e;
    e.process = process;
    e.type = t;
    e.f = op.kind;
    e.key = op.key;
    if (op.kind != op_kind::read && op.kind != op_kind::remove) e.value = op.value;
    if (op.kind == op_kind::cas) e.expected = op.expected;
    e.time = now;
    return e;
  }

  /// An `ok` reply `r` to the outstanding operation: keeps what it teaches (the value seen, its
  /// token, its context) and returns the completion event (a read's value, or its siblings).
  check::event learn(const client_reply& r, std::uint64_t process, sim_time now) {
    check::event e = event(process, check::event_type::ok, now);
    if (op.kind == op_kind::read) {
      e.value.reset();
      if (r.result.size() == 1) e.value = r.result.front();
      if (r.result.size() > 1) e.siblings = r.result;
      last_seen = e.value;
    } else {
      last_seen = op.value;
    }
    if (r.token) token = r.token;
    if (!r.context.empty()) {
      context = r.context;
      context_key = op.key;
    }
    return e;
  }

  /// Another node for the next operation: one of `opt.targets`, or of the cluster's `nodes`.
  void retarget(std::size_t nodes) {
    target = opt.targets.empty() ? replica_id{static_cast<std::uint32_t>(random.below(nodes))}
                                 : opt.targets[random.below(opt.targets.size())];
  }
};

}  // namespace replica::sim
