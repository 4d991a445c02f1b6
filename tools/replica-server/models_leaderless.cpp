// replica-server's leaderless models: dynamo, cassandra (docs/server.md).
#include "model.hpp"

#include <replica/data/kv_store.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <chrono>
#include <cstdio>

namespace replica_server {
namespace {

namespace rp = replica;
using dynamo = rp::replicator<rp::leaderless<rp::n<3>, rp::w<2>, rp::r<2>>, rp::keep_siblings, rp::dotted_version_vector>;
using cassandra = rp::replicator<rp::leaderless<rp::n<3>, rp::w<1>, rp::r<1>>, rp::last_write_wins, rp::hybrid_logical_clock>;

// Any replica coordinates; versions carry time, so the node reads the wall clock.
template <class R>
model leaderless(std::string name) {
  return {name, what_of<R>(), [name](options o) {
            using node = rp::leaderless_node<R, rp::kv_store>;
            typename node::config cfg;
            cfg.nodes = o.peers.size();
            cfg.anti_entropy_interval = std::chrono::seconds{1};  // keys nobody reads converge too
            o.contexts = !node::lww;  // siblings: a write passes the context of what it read
            o.levels = true;
            o.clock = rp::io::runner_options::clock_kind::wall;
            if (auto ok = node::validate(cfg); !ok) {
              std::fprintf(stderr, "replica-server: model %s: %s\n", name.c_str(), std::string{ok.err().detail}.c_str());
              return 2;
            }
            return serve<node>(o, name, cfg);
          }};
}

}  // namespace

std::vector<model> leaderless_models() { return {leaderless<dynamo>("dynamo"), leaderless<cassandra>("cassandra")}; }

}  // namespace replica_server
