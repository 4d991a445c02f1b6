// replica-server's leader-based models: raft, async, semi-sync (docs/server.md).
#include "model.hpp"

#include <replica/commit/ack_on.hpp>
#include <replica/commit/asynchronous.hpp>
#include <replica/commit/majority.hpp>
#include <replica/commit/semi_synchronous.hpp>
#include <replica/data/kv_store.hpp>
#include <replica/reads/eventual_reads.hpp>
#include <replica/reads/strong_reads.hpp>
#include <replica/replicator.hpp>
#include <replica/topology/leader_based_node.hpp>

namespace replica_server {
namespace {

namespace rp = replica;
using raft = rp::replicator<rp::leader_based, rp::majority, rp::strong_reads>;
// Asynchronous replicas that serve reads from what they have applied, as PostgreSQL's and
// MySQL's asynchronous replicas do: the model that shows replication lag, and tokens against it.
using async = rp::replicator<rp::leader_based, rp::asynchronous, rp::eventual_reads>;
using semi_sync = rp::replicator<rp::leader_based, rp::semi_synchronous<1, rp::ack_on::flushed>>;

// One leader; followers forward to it. The node reads a monotonic clock (timeouts, leases).
template <class R>
model leader_based(std::string name) {
  return {name, what_of<R>(), [name](options o) {
            using node = rp::leader_based_node<R, rp::kv_store>;
            typename node::config cfg;
            cfg.nodes = o.peers.size();
            cfg.seed = o.id.value() + 1;
            cfg.election_min = o.election;
            cfg.election_max = 2 * o.election;
            cfg.heartbeat = o.heartbeat;
            cfg.compact_every = 100'000;  // fold applied entries into a snapshot, keeping the log short
            cfg.compact_keep = 10'000;
            o.tokens = true;
            return serve<node>(o, name, cfg);
          }};
}

}  // namespace

std::vector<model> leader_based_models() {
  return {leader_based<raft>("raft"), leader_based<async>("async"), leader_based<semi_sync>("semi-sync")};
}

}  // namespace replica_server
