#pragma once
/// \file
/// The simplest replicated register, for exercising the simulator and the checkers (tests,
/// benchmarks, the lab): each replica holds a last-writer-wins register per key (Lamport
/// stamps), applies client operations locally (so a cluster whose clients all talk to one node
/// is a single-copy register, hence linearizable), broadcasts each write, and gossips its whole
/// state every `gossip_every` ticks so replicas converge after partitions heal. Not a topology:
/// reads at other replicas are stale, and concurrent writes lose one side, by design.

#include <replica/core/client.hpp>
#include <replica/core/effects.hpp>
#include <replica/sim/node.hpp>
#include <replica/versioning/lamport_clock.hpp>

#include <map>
#include <optional>
#include <vector>

namespace replica::sim {

/// A value with the Lamport stamp of the write that made it.
struct stamped {
  value_type value = 0;
  lamport_clock version{};
};

/// A replica of the broadcast register (models `simulated_node`).
struct broadcast_register {
  struct message {
    std::vector<std::pair<key_type, stamped>> writes;
  };
  using persist_entry = std::pair<key_type, stamped>;
  using durable_state = std::map<key_type, stamped>;
  struct config {
    std::size_t nodes = 3;
    int gossip_every = 10;  // ticks
  };
  struct event {
    local_time tick_reading;
  };

  broadcast_register(replica_id self, const config& cfg, const durable_state& disk) : self_{self}, cfg_{cfg}, data_{disk} {
    for (const auto& [k, s] : data_) clock_.merge(s.version);
  }

  status step(const envelope<message>& m, local_time) {
    if (m.from.value() >= cfg_.nodes) return error{errc::unknown_replica, "sender not in the cluster"};
    for (const auto& [k, s] : m.payload.writes) apply(k, s);
    return {};
  }
  void tick(local_time now) {
    last_tick_ = now;
    out_.events.push_back({now});
    if (++ticks_ % cfg_.gossip_every == 0 && !data_.empty()) {
      message m;
      for (const auto& kv : data_) m.writes.push_back(kv);
      broadcast(m);
    }
  }
  void submit(const client_request<kv_op>& req, local_time) {
    client_reply r{req.client, req.id};
    const auto it = data_.find(req.op.key);
    const std::optional<value_type> cur = it == data_.end() ? std::nullopt : std::optional{it->second.value};
    switch (req.op.kind) {
      case op_kind::read:
        if (cur) r.result.push_back(*cur);
        break;
      case op_kind::add:
      case op_kind::remove:  // this reference register has no tombstones
        r.status = reply_status::fail;
        r.error = errc::out_of_range;
        break;
      case op_kind::cas:
        if (cur != req.op.expected) {
          r.status = reply_status::fail;
          break;
        }
        [[fallthrough]];
      case op_kind::write: {
        (void)clock_.advance(self_, {});
        const stamped s{req.op.value, clock_};
        apply(req.op.key, s);
        broadcast(message{{{req.op.key, s}}});
        break;
      }
    }
    out_.replies.push_back(std::move(r));
  }
  effects_of<broadcast_register>& effects() { return out_; }
  static void persist(durable_state& d, const persist_entry& e) { d[e.first] = e.second; }

  std::uint64_t digest() const {
    std::uint64_t h = 1469598103934665603ULL;
    for (const auto& [k, s] : data_) h = (h ^ (k * 31 + static_cast<std::uint64_t>(s.value))) * 1099511628211ULL;
    return h;
  }
  std::optional<value_type> value(key_type k) const {
    auto it = data_.find(k);
    return it == data_.end() ? std::nullopt : std::optional{it->second.value};
  }
  local_time last_tick() const { return last_tick_; }

 private:
  void apply(key_type k, const stamped& s) {
    clock_.merge(s.version);
    auto [it, fresh] = data_.try_emplace(k, s);
    if (!fresh) {
      if (it->second.version.compare(s.version) != causal_order::before) return;
      it->second = s;
    }
    out_.persist.emplace_back(k, s);
  }
  void broadcast(const message& m) {
    for (std::uint32_t i = 0; i < cfg_.nodes; ++i)
      if (i != self_.value()) out_.messages.push_back({self_, replica_id{i}, group_id{0}, term{0}, m});
  }

  replica_id self_;
  config cfg_;
  durable_state data_;
  lamport_clock clock_{};
  effects_of<broadcast_register> out_;
  int ticks_ = 0;
  local_time last_tick_{};
};

static_assert(simulated_node<broadcast_register>);

}  // namespace replica::sim
