// `quorum`: the seed's N, W, R trade-off, measured on the leaderless node over the simulator.
// For each (W, R) of a grid, with a strict and a sloppy quorum: five nodes, N replicas per key,
// closed-loop clients reading and writing a few keys (LWW on a hybrid logical clock, so a read
// returns one value), links of 1-3 ms with a 5 % tail of 10-40 ms.
// - latency p50/p99 of acknowledged writes and successful reads, and the stale read rate
//   (a read returning a value older than a write acknowledged before it began), all nodes up;
// - availability: the share of operations that succeed with one node crashed, with two, and
//   during a partition of the five nodes into 3 + 2 (clients on both sides);
// - the stale read rate during that partition (where sloppy quorums give up the overlap).
#include "experiment.hpp"

#include <replica/check/staleness.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace lab {
namespace {

using namespace replica;
using namespace std::chrono_literals;
using sim::sim_time;

struct params {
  std::size_t n = 3;
  std::vector<std::size_t> ws{1, 2, 3}, rs{1, 2, 3};
  std::string quorum = "both";
  double seconds = 2;
  std::size_t clients = 20;
  std::size_t keys = 100;
};

struct measured {
  std::vector<sim_time> write_lat, read_lat;
  std::size_t ok = 0, total = 0;
  std::size_t reads = 0, stale = 0;
};

enum class fault { none, one_failed, two_failed, partition };

template <class Node>
measured run_once(const params& p, std::size_t w, std::size_t r, fault f, std::uint64_t seed) {
  constexpr std::size_t nodes = 5;
  sim::cluster_options o;
  o.nodes = nodes;
  o.seed = seed;
  o.link.latency = sim::latency_model::mixture({{0.95, sim::uniform_latency{1ms, 3ms}}, {0.05, sim::uniform_latency{10ms, 40ms}}});
  typename Node::config cfg;
  cfg.nodes = nodes;
  cfg.write_quorum = w;
  cfg.read_quorum = r;
  cfg.request_timeout = 300ms;
  cfg.replica_timeout = 50ms;
  sim::cluster<Node> c{o, cfg};
  const sim_time start = 100'000;
  const sim_time stop = start + static_cast<sim_time>(p.seconds * 1e6);
  sim::session_options s;
  s.clients = p.clients;
  s.keys = p.keys;
  s.timeout = 1s;
  s.think = sim::uniform_latency{1ms, 10ms};
  s.start = start;
  s.stop = stop;
  s.sticky = true;
  switch (f) {
    case fault::none: break;
    case fault::one_failed:
      c.crash(replica_id{0});
      s.targets = {replica_id{1}, replica_id{2}, replica_id{3}, replica_id{4}};
      break;
    case fault::two_failed:
      c.crash(replica_id{0});
      c.crash(replica_id{1});
      s.targets = {replica_id{2}, replica_id{3}, replica_id{4}};
      break;
    case fault::partition: c.net().split({replica_id{0}, replica_id{1}}); break;
  }
  c.add_sessions(s);
  c.run_until(stop + 2'000'000);
  measured m;
  std::map<std::uint64_t, sim_time> started;
  for (const auto& e : c.history()) {
    if (e.type == check::event_type::invoke) {
      started[e.process] = e.time;
      ++m.total;
      continue;
    }
    if (e.type != check::event_type::ok) continue;
    ++m.ok;
    (e.f == op_kind::read ? m.read_lat : m.write_lat).push_back(e.time - started[e.process]);
  }
  // The workload's values grow with time of invocation: rank a value by itself (nil first).
  const auto st = check::check_staleness(c.history(), [](key_type, std::optional<value_type> v) -> std::optional<std::int64_t> {
    return v ? *v : 0;
  });
  m.reads = st.reads;
  m.stale = st.stale_reads;
  return m;
}

double percentile_ms(std::vector<sim_time> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
  return std::round(static_cast<double>(v[i]) / 10.0) / 100.0;
}
double ratio(std::size_t a, std::size_t b) { return b == 0 ? 0.0 : std::round(1000.0 * static_cast<double>(a) / static_cast<double>(b)) / 1000.0; }

template <class Node>
nlohmann::json row(const params& p, std::size_t w, std::size_t r, const char* quorum, std::uint64_t seed, std::uint64_t seeds) {
  measured all, one, two, part;
  auto add = [](measured& into, const measured& m) {
    into.write_lat.insert(into.write_lat.end(), m.write_lat.begin(), m.write_lat.end());
    into.read_lat.insert(into.read_lat.end(), m.read_lat.begin(), m.read_lat.end());
    into.ok += m.ok;
    into.total += m.total;
    into.reads += m.reads;
    into.stale += m.stale;
  };
  for (const std::uint64_t s : seeds_from(seed, seeds)) {
    add(all, run_once<Node>(p, w, r, fault::none, s));
    add(one, run_once<Node>(p, w, r, fault::one_failed, s));
    add(two, run_once<Node>(p, w, r, fault::two_failed, s));
    add(part, run_once<Node>(p, w, r, fault::partition, s));
  }
  return {{"n", p.n},
          {"w", w},
          {"r", r},
          {"quorum", quorum},
          {"overlap", w + r > p.n},
          {"write_latency_p50_ms", percentile_ms(all.write_lat, 0.50)},
          {"write_latency_p99_ms", percentile_ms(all.write_lat, 0.99)},
          {"read_latency_p50_ms", percentile_ms(all.read_lat, 0.50)},
          {"read_latency_p99_ms", percentile_ms(all.read_lat, 0.99)},
          {"stale_read_rate", ratio(all.stale, all.reads)},
          {"availability", {{"one_failed", ratio(one.ok, one.total)}, {"two_failed", ratio(two.ok, two.total)},
                            {"partition", ratio(part.ok, part.total)}}},
          {"stale_read_rate_partition", ratio(part.stale, part.reads)}};
}

template <std::size_t N, class Quorum>
using node_t = leaderless_node<replicator<leaderless<n<N>, w<1>, r<1>, Quorum>, last_write_wins, hybrid_logical_clock>>;

class quorum_experiment final : public experiment {
 public:
  std::string name() const override { return "quorum"; }
  std::string summary() const override { return "N, W, R grid: latency, stale reads, availability with failures and a partition"; }
  void add_options(CLI::App& app) override {
    app.add_option("--n", p_.n, "replicas per key (3 or 5; the cluster has 5 nodes)")->capture_default_str()->check(CLI::IsMember({3, 5}));
    app.add_option("--w", p_.ws, "write quorums, one row each (with every --r)")->capture_default_str()->check(CLI::Range(1, 5));
    app.add_option("--r", p_.rs, "read quorums")->capture_default_str()->check(CLI::Range(1, 5));
    app.add_option("--quorum", p_.quorum, "strict, sloppy or both")->capture_default_str()->check(CLI::IsMember({"strict", "sloppy", "both"}));
    app.add_option("--seconds", p_.seconds, "simulated seconds of client load per run")->capture_default_str()->check(CLI::Range(0.2, 60.0));
    app.add_option("--clients", p_.clients, "closed-loop clients")->capture_default_str()->check(CLI::Range(1, 500));
    app.add_option("--keys", p_.keys, "keys the clients use")->capture_default_str()->check(CLI::Range(1, 100000));
  }
  std::string validate() const override {
    for (std::size_t x : p_.ws)
      if (x > p_.n) return "--w: at most --n";
    for (std::size_t x : p_.rs)
      if (x > p_.n) return "--r: at most --n";
    return {};
  }
  figure plot(const outcome& o) const override {
    figure f = bars_by_row(o,
                           [](const auto& row) {
                             return "W=" + row.at("w").dump() + " R=" + row.at("r").dump() + " " +
                                    row.at("quorum").template get<std::string>();
                           },
                           {{"write_latency_p99_ms", "write latency p99 (ms)"}, {"read_latency_p99_ms", "read latency p99 (ms)"}});
    figure::series stale{"stale read rate (share)", {}, true};
    for (std::size_t i = 0; i < o.rows.size(); ++i) stale.points.emplace_back(i, o.rows[i].at("stale_read_rate").get<double>());
    f.data.push_back(std::move(stale));
    f.title = "quorum: latency and stale reads per W and R \n(" + params_text(o, {"n", "nodes", "clients", "seconds"}) + ")";
    f.xlabel = "quorum";
    f.ylabel = "p99 latency (ms)";
    f.y2label = "stale read rate";
    return f;
  }
  outcome run(std::uint64_t seed, std::uint64_t seeds) const override {
    outcome o;
    o.params = {{"n", p_.n}, {"nodes", 5}, {"seconds", p_.seconds}, {"clients", p_.clients}, {"keys", p_.keys}};
    meter().start(name(), (p_.quorum == "both" ? 2 : 1) * p_.ws.size() * p_.rs.size() * seeds, "runs");
    for (const char* q : {"strict", "sloppy"}) {
      if (p_.quorum != "both" && p_.quorum != q) continue;
      const bool sloppy = std::string_view{q} == "sloppy";
      for (std::size_t w : p_.ws)
        for (std::size_t r : p_.rs) {
          if (p_.n == 3)
            o.rows.push_back(sloppy ? row<node_t<3, sloppy_quorum>>(p_, w, r, q, seed, seeds)
                                    : row<node_t<3, strict_quorum>>(p_, w, r, q, seed, seeds));
          else
            o.rows.push_back(sloppy ? row<node_t<5, sloppy_quorum>>(p_, w, r, q, seed, seeds)
                                    : row<node_t<5, strict_quorum>>(p_, w, r, q, seed, seeds));
        }
    }
    o.columns = {"n", "w", "r", "quorum", "write_latency_p50_ms", "write_latency_p99_ms", "read_latency_p50_ms",
                 "read_latency_p99_ms", "stale_read_rate", "availability", "stale_read_rate_partition"};
    o.note = "availability: share of operations that succeeded (one_failed, two_failed: nodes 0 and 1 crashed, clients on "
             "the others; partition: {0,1} | {2,3,4}, clients on both sides); stale: a read older than a write "
             "acknowledged before it began";
    return o;
  }

 private:
  params p_;
};

}  // namespace

std::unique_ptr<experiment> make_quorum_experiment() { return std::make_unique<quorum_experiment>(); }

}  // namespace lab
