// `bottleneck`: the seed's "the leader as bottleneck". The same simulated nodes run one
// leader-based group (every write goes through one leader) or the key space split into 2, 4
// and 8 shards, each a majority-commit group of 3 with its home leader on a different node.
// Every node has a service time per message and request it handles (one at a time), so a
// node saturates. Closed-loop clients route each write to its shard's leader (a smart client)
// and write as fast as they are answered; leaders ship what arrives within --linger-us in one
// append. After a warm-up (elections, leaders moving home) the acknowledged writes are counted
// over a window, and each node's utilization (busy time / window) is reported.
#include "experiment.hpp"

#include <replica/commit/majority.hpp>
#include <replica/replicator.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/sharded_node.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace lab {
namespace {

using namespace replica;
using namespace std::chrono_literals;

using sim::sim_time;
using shard_node = sharded_node<replicator<sharded<leader_based, by_hash>, majority>>;

struct params {
  std::size_t nodes = 8;
  std::vector<std::size_t> shard_counts{1, 2, 4, 8};
  std::int64_t service_us = 100;
  std::size_t clients = 256;
  double seconds = 1;
  std::int64_t linger_us = 1000;
};

struct result_row {
  double writes_per_second = 0;
  double p99_ms = 0;
  double max_util = 0, mean_util = 0;
};

result_row run_once(const params& p, std::size_t shards, std::uint64_t seed) {
  sim::cluster_options o;
  o.nodes = p.nodes;
  o.seed = seed;
  o.link.latency = sim::uniform_latency{200us, 400us};
  o.service_time = duration{p.service_us};
  shard_node::config cfg;
  cfg.nodes = p.nodes;
  cfg.shards = shards;
  cfg.replicas_per_shard = std::min<std::size_t>(3, p.nodes);
  cfg.group.seed = seed;
  cfg.group.ship_interval = duration{p.linger_us};  // leaders batch what arrives within this (Kafka's linger.ms)
  cfg.group.compact_every = 4'000;  // logs fold into snapshots, so memory does not grow with the run
  cfg.group.compact_keep = 500;
  sim::cluster<shard_node> c{o, cfg};
  const shard_map map = shard_map::make(p.nodes, shards, cfg.replicas_per_shard, true).value();
  const sim_time warm = 1'500'000;  // elections, then leaders moved home
  const sim_time stop = warm + static_cast<sim_time>(p.seconds * 1e6);
  sim::session_options s;
  s.clients = p.clients;
  s.keys = 4096;
  s.read_weight = 0;
  s.write_weight = 1;
  s.think = sim::constant_latency{0us};
  s.timeout = 2s;
  s.start = warm;
  s.stop = stop;
  s.route = [map](const kv_op& op) { return map.home(map.shard_of(op.key).value()); };
  c.add_sessions(s);
  c.run_until(warm);
  // Latencies from the history, read a simulated second at a time so memory stays flat.
  std::map<std::uint64_t, sim_time> started;
  std::vector<sim_time> lat;
  std::size_t acked = 0;
  auto drain = [&] {
    for (const auto& e : c.take_history()) {
      if (e.type == check::event_type::invoke) {
        started[e.process] = e.time;
        continue;
      }
      if (e.type != check::event_type::ok || e.time > stop) continue;
      ++acked;
      lat.push_back(e.time - started[e.process]);
    }
    (void)c.take_events();
  };
  std::vector<std::uint64_t> served;
  for (std::uint32_t i = 0; i < p.nodes; ++i) served.push_back(c.inputs_served(replica_id{i}));
  for (sim_time t = warm; t < stop;) {
    t = std::min(stop, t + 1'000'000);
    c.run_until(t);
    drain();
  }
  result_row r;
  for (std::uint32_t i = 0; i < p.nodes; ++i) {
    const double u = static_cast<double>(c.inputs_served(replica_id{i}) - served[i]) * static_cast<double>(p.service_us) / (p.seconds * 1e6);
    r.max_util = std::max(r.max_util, u);
    r.mean_util += u / static_cast<double>(p.nodes);
  }
  c.run_until(stop + 2'000'000);  // what was in flight at the end completes (counted only if by `stop`)
  drain();
  std::sort(lat.begin(), lat.end());
  r.writes_per_second = static_cast<double>(acked) / p.seconds;
  r.p99_ms = lat.empty() ? 0 : static_cast<double>(lat[std::min(lat.size() - 1, lat.size() * 99 / 100)]) / 1000.0;
  return r;
}

class bottleneck_experiment final : public experiment {
 public:
  std::string name() const override { return "bottleneck"; }
  std::string summary() const override { return "the leader as bottleneck: write throughput of 1 leader vs 2, 4, 8 shards"; }
  void add_options(CLI::App& app) override {
    app.add_option("--nodes", p_.nodes, "simulated nodes")->capture_default_str()->check(CLI::Range(3, 16));
    app.add_option("--shards", p_.shard_counts, "shard counts, one row each")->capture_default_str()->check(CLI::Range(1, 64));
    app.add_option("--service-us", p_.service_us, "per-node service time per message or request (us)")->capture_default_str()->check(CLI::Range(1, 100000));
    app.add_option("--clients", p_.clients, "closed-loop clients")->capture_default_str()->check(CLI::Range(1, 4096));
    app.add_option("--linger-us", p_.linger_us, "leaders ship what arrived within this, in one append (0: every write at once)")
        ->capture_default_str()->check(CLI::Range(0, 1000000));
    app.add_option("--seconds", p_.seconds, "measured window (simulated)")->capture_default_str()->check(CLI::Range(0.1, 60.0));
  }
  figure plot(const outcome& o) const override {
    figure f;
    figure::series wps{"writes per second", {}, false}, util{"busiest node's utilisation", {}, true};
    for (const auto& row : o.rows) {
      wps.points.emplace_back(row.at("shards").get<double>(), row.at("writes_per_second").get<double>());
      util.points.emplace_back(row.at("shards").get<double>(), row.at("busiest_node_util").get<double>());
    }
    f.data = {std::move(wps), std::move(util)};
    f.title = "bottleneck: write throughput against shards \n(" +
              params_text(o, {"nodes", "clients", "service_us", "linger_us", "seconds"}) + ")";
    f.xlabel = "shards (leaders spread over the nodes)";
    f.ylabel = "writes per second";
    f.y2label = "busiest node's utilisation (1 = saturated)";
    return f;
  }
  outcome run(std::uint64_t seed, std::uint64_t seeds) const override {
    outcome o;
    o.params = {{"nodes", p_.nodes}, {"service_us", p_.service_us}, {"clients", p_.clients}, {"seconds", p_.seconds},
                {"linger_us", p_.linger_us}};
    meter().start(name(), p_.shard_counts.size() * seeds, "runs");
    double base = 0;
    for (std::size_t k : p_.shard_counts) {
      double wps = 0, p99 = 0, umax = 0, umean = 0;
      for (const std::uint64_t s : seeds_from(seed, seeds)) {
        const auto r = run_once(p_, k, s);
        wps += r.writes_per_second / static_cast<double>(seeds);
        p99 = std::max(p99, r.p99_ms);
        umax += r.max_util / static_cast<double>(seeds);
        umean += r.mean_util / static_cast<double>(seeds);
      }
      if (base == 0) base = wps;
      o.rows.push_back({{"shards", k}, {"nodes", p_.nodes}, {"writes_per_second", std::round(wps)},
                        {"speedup", std::round(wps / base * 100) / 100}, {"write_latency_p99_ms", p99},
                        {"busiest_node_util", std::round(umax * 100) / 100}, {"mean_node_util", std::round(umean * 100) / 100}});
    }
    o.columns = {"shards", "nodes", "writes_per_second", "speedup", "write_latency_p99_ms", "busiest_node_util", "mean_node_util"};
    o.note = "speedup: against the first row; util: a node's busy time over the window (1e6 / service_us inputs per second "
             "at 1.00); a write costs its leader one request, and each batch of writes one append per follower and one "
             "acknowledgement back";
    return o;
  }

 private:
  params p_;
};

}  // namespace

std::unique_ptr<experiment> make_bottleneck_experiment() { return std::make_unique<bottleneck_experiment>(); }

}  // namespace lab
