// replica-server's multi-leader model: active-active (docs/server.md).
#include "model.hpp"

#include <replica/data/kv_store.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/topology/multi_leader.hpp>
#include <replica/topology/multi_leader_node.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

namespace replica_server {
namespace {

namespace rp = replica;
using active_active = rp::replicator<rp::multi_leader, rp::last_write_wins, rp::hybrid_logical_clock>;

// Every replica takes writes and sends them to all the others; last-writer-wins by hybrid
// logical clock (the node reads the wall clock), each discarded write counted.
template <class R>
model multi_leader(std::string name) {
  return {name, what_of<R>(), [name](options o) {
            using node = rp::multi_leader_node<R, rp::kv_store>;
            typename node::config cfg;
            cfg.nodes = o.peers.size();
            o.clock = rp::io::runner_options::clock_kind::wall;
            return serve<node>(o, name, cfg);
          }};
}

}  // namespace

std::vector<model> multi_leader_models() { return {multi_leader<active_active>("active-active")}; }

}  // namespace replica_server
