#pragma once
// A client of a simulated cluster of nodes over any operation type (a state machine's, a data
// model's): it sends requests through `cluster::submit` and keeps the replies by request id.
#include <replica/core/node.hpp>
#include <replica/sim/cluster.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

namespace test {

template <class Node>
struct client {
  using operation = replica::operation_t<Node>;
  using reply = replica::reply_t<Node>;

  replica::sim::cluster<Node>& c;
  std::map<std::uint64_t, reply> replies{};
  std::uint64_t next = 0;
  /// Client id 100: the cluster's own sessions count from 0.
  replica::client_id id{100};

  explicit client(replica::sim::cluster<Node>& cl) : c{cl} {
    c.on_reply([this](const reply& r) { replies[r.id.value()] = r; });
  }
  /// Sends `op` (with a read's `context`) to `to`; its request id.
  std::uint64_t send(replica::replica_id to, operation op, replica::payload context = {}) {
    const std::uint64_t rid = ++next;
    replica::client_request<operation> req{id, replica::request_id{rid}, std::move(op)};
    req.context = std::move(context);
    c.submit(to, std::move(req));
    return rid;
  }
  /// Sends `op` and runs until its reply comes (or 2 s pass): the reply, if any. With
  /// `follow_redirects`, a redirect is sent again to its leader hint (or, with none yet, after
  /// 100 ms), up to 8 times.
  std::optional<reply> call(replica::replica_id to, const operation& op, replica::payload context = {}, bool follow_redirects = false) {
    for (int hop = 0; hop < 8; ++hop) {
      const std::uint64_t rid = send(to, op, context);
      c.run_until([&](auto&) { return replies.count(rid) > 0; }, c.now() + 2'000'000);
      if (!replies.count(rid)) return std::nullopt;
      const reply r = replies[rid];
      if (!follow_redirects || r.status != replica::reply_status::redirect) return r;
      if (r.leader_hint)
        to = *r.leader_hint;
      else
        c.run_for(std::chrono::milliseconds{100});  // no leader known yet: wait for the election
    }
    return std::nullopt;
  }
};

}  // namespace test
