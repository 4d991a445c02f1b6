// `regions`: the seed's claim that "multi-leader replication enables low-latency writes across
// geographic regions at the cost of inevitable conflicts", measured. Three regions, one replica
// each; one-way latency 20 ms between regions 0 and 1, 50 ms between 1 and 2, 80 ms between 0
// and 2 (each +-10%), and about 1 ms between a region's clients and its replica. Clients in
// every region write and read a few shared keys at their own region's replica. Rows:
// - leader-based, asynchronous and majority commit, with the leader in region 0 (clients
//   elsewhere are redirected to it and pay the distance);
// - multi-leader, every region's replica a leader that acknowledges locally, with
//   last-write-wins (HLC) and with siblings (DVV);
// - leaderless, N = 3 with one replica per region (datacenters), writes and reads at
//   LOCAL_QUORUM (one replica: the local one) and at QUORUM (two: one remote).
// The price beside the latency:
// - stale reads: a read that returned the value of a write u although another write w of the
//   key began after u was acknowledged and was itself acknowledged before the read began (so
//   every linearization puts w between u and the read): definitely stale, whatever order the
//   system chose for concurrent writes;
// - acknowledged writes discarded: writes a last-write-wins leader acknowledged and then
//   replaced by a concurrent write (the multi-leader node counts them; the other designs keep
//   one order or keep siblings, so they discard none by construction);
// - sibling reads: reads that returned concurrent values (a conflict shown to the client).
#include "experiment.hpp"

#include <replica/check/history.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/sim/leader.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/topology/multi_leader_node.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <tuple>

namespace lab {
namespace {

using namespace replica;
using namespace std::chrono_literals;

constexpr std::size_t regions = 3;
/// One-way latency between regions (ms).
constexpr std::array<std::array<double, regions>, regions> wan{{{0, 20, 80}, {20, 0, 50}, {80, 50, 0}}};

struct params {
  std::size_t clients_per_region = 2;
  std::size_t keys = 4;
  double seconds = 10;
};

struct measured {
  std::array<std::vector<double>, regions> write_ms;  // by the client's region
  std::vector<double> read_ms;
  std::size_t reads = 0, stale_reads = 0, sibling_reads = 0, writes_acked = 0, discarded = 0;
};

/// Reads of `h` that are definitely stale (see the top of the file), and how many reads there
/// were. Values are unique per write (the sessions' are).
std::pair<std::size_t, std::size_t> definitely_stale(const check::history& h) {
  struct span {
    sim::sim_time invoke, ack;
  };
  std::map<std::uint64_t, sim::sim_time> invoked;
  std::map<key_type, std::map<value_type, span>> writes;           // acknowledged writes by value
  std::map<key_type, std::vector<std::pair<sim::sim_time, sim::sim_time>>> by_ack;  // (ack, invoke)
  for (const auto& e : h) {
    if (e.type == check::event_type::invoke) invoked[e.process] = e.time;
    else if (e.type == check::event_type::ok && e.f == op_kind::write && e.value) {
      writes[e.key][*e.value] = {invoked[e.process], e.time};
      by_ack[e.key].emplace_back(e.time, invoked[e.process]);
    }
  }
  // Per key, writes by acknowledgement time with the latest invocation among them so far.
  for (auto& [k, v] : by_ack) {
    std::sort(v.begin(), v.end());
    for (std::size_t i = 1; i < v.size(); ++i) v[i].second = std::max(v[i].second, v[i - 1].second);
  }
  std::size_t reads = 0, stale = 0;
  invoked.clear();
  for (const auto& e : h) {
    if (e.type == check::event_type::invoke) invoked[e.process] = e.time;
    if (e.type != check::event_type::ok || e.f != op_kind::read) continue;
    ++reads;
    const sim::sim_time begun = invoked[e.process];
    // The latest invocation of a write acknowledged before the read began.
    const auto& acks = by_ack[e.key];
    const auto it = std::lower_bound(acks.begin(), acks.end(), std::pair<sim::sim_time, sim::sim_time>{begun, INT64_MIN});
    if (it == acks.begin()) continue;
    const sim::sim_time latest_start = std::prev(it)->second;
    // The newest acknowledgement among the values returned (nil: before everything).
    std::vector<value_type> got = e.siblings;
    if (got.empty() && e.value) got.push_back(*e.value);
    sim::sim_time newest = INT64_MIN;
    for (value_type v : got) {
      const auto w = writes[e.key].find(v);
      newest = std::max(newest, w == writes[e.key].end() ? INT64_MAX : w->second.ack);  // (unacknowledged: not judged)
    }
    stale += newest < latest_start;
  }
  return {reads, stale};
}

duration ms(double x) { return duration{static_cast<duration::rep>(std::llround(x * 1000.0))}; }

/// Runs one system: `setup(cluster)` after it is made (leader placement), sessions of
/// `level` in every region, then what the history shows.
template <class Node, class Setup>
measured run_once(const params& p, std::uint64_t seed, typename Node::config cfg, consistency_level level, Setup setup) {
  sim::cluster_options o;
  o.nodes = regions;
  o.seed = seed;
  sim::cluster<Node> c{o, cfg};
  std::array<std::array<sim::latency_model, regions>, regions> links{};
  for (std::size_t a = 0; a < regions; ++a)
    for (std::size_t b = 0; b < regions; ++b)
      links[a][b] = a == b ? sim::latency_model{sim::uniform_latency{500us, 1500us}}
                           : sim::latency_model{sim::uniform_latency{ms(wan[a][b] * 0.9), ms(wan[a][b] * 1.1)}};
  c.set_message_latency([&links](const envelope<typename Node::message>& m) -> const sim::latency_model* {
    return &links[m.from.value() % regions][m.to.value() % regions];
  });
  // Client ids are given in order: the first clients_per_region are region 0's, and so on.
  const std::size_t clients = regions * p.clients_per_region;
  c.set_client_latency([&links, &p, clients](std::uint64_t client, replica_id node) -> const sim::latency_model* {
    if (client >= clients) return nullptr;
    return &links[client / p.clients_per_region][node.value() % regions];
  });
  const sim::sim_time start = setup(c);
  const sim::sim_time stop = start + static_cast<sim::sim_time>(p.seconds * 1e6);
  for (std::size_t r = 0; r < regions; ++r) {
    sim::session_options s;
    s.clients = p.clients_per_region;
    s.keys = p.keys;
    s.targets = {replica_id{static_cast<std::uint32_t>(r)}};
    s.think = sim::uniform_latency{5ms, 50ms};
    s.timeout = 2s;
    s.level = level;
    // Read-modify-write, as a Dynamo client does: a write carries the context of the client's
    // last read, so it supersedes what that read returned (blind writes would pile up siblings
    // without bound, and the run's cost with them).
    s.send_context = true;
    s.start = start;
    s.stop = stop;
    c.add_sessions(s);
  }
  c.run_until(stop + 3'000'000);
  measured m;
  std::map<std::uint64_t, sim::sim_time> started;
  for (const auto& e : c.history()) {
    if (e.process >= clients) continue;
    if (e.type == check::event_type::invoke) {
      started[e.process] = e.time;
      continue;
    }
    if (e.type != check::event_type::ok) continue;
    const double took = static_cast<double>(e.time - started[e.process]) / 1000.0;
    if (e.f == op_kind::read) {
      m.read_ms.push_back(took);
      m.sibling_reads += e.siblings.size() > 1;
    } else {
      m.write_ms[e.process / p.clients_per_region].push_back(took);
      ++m.writes_acked;
    }
  }
  std::tie(m.reads, m.stale_reads) = definitely_stale(c.history());
  if constexpr (requires(const Node& n) { n.discarded_writes(); })
    for (std::uint32_t r = 0; r < regions; ++r)
      if (const Node* n = c.node(replica_id{r})) m.discarded += n->discarded_writes();
  return m;
}

/// Makes region 0's replica the leader: waits for any leader, then transfers leadership.
template <class Node>
sim::sim_time leader_in_region_0(sim::cluster<Node>& c) {
  c.run_until([](auto& cl) { return sim::current_leader(cl).has_value(); }, 10'000'000);
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto l = sim::current_leader(c);
    if (l && l->value() == 0) break;
    if (l) (void)c.operate(*l, [](Node& n, local_time now) { return n.transfer_leadership(replica_id{0}, now); });
    c.run_until([](auto& cl) {
      const auto x = sim::current_leader(cl);
      return x && x->value() == 0;
    }, c.now() + 2'000'000);
  }
  return c.now() + 100'000;
}

template <class Commit>
using leader_node = leader_based_node<replicator<leader_based, Commit, cluster_size<3>>>;
using lww_region = multi_leader_node<replicator<multi_leader, last_write_wins, hybrid_logical_clock>>;
using sibling_region = multi_leader_node<replicator<multi_leader, keep_siblings, dotted_version_vector>>;
using leaderless_region = leaderless_node<replicator<leaderless<n<3>, w<2>, r<2>>, keep_siblings, dotted_version_vector>>;

class regions_experiment final : public experiment {
 public:
  std::string name() const override { return "regions"; }
  std::string summary() const override {
    return "three regions 20-80 ms apart: write latency per client region against what each design pays for it";
  }
  void add_options(CLI::App& app) override {
    app.add_option("--clients", p_.clients_per_region, "clients in each region")->capture_default_str()->check(CLI::Range(1, 32));
    app.add_option("--keys", p_.keys, "keys the clients share")->capture_default_str()->check(CLI::Range(1, 1000));
    app.add_option("--seconds", p_.seconds, "simulated seconds of load")->capture_default_str()->check(CLI::Range(0.5, 600.0));
  }
  figure plot(const outcome& o) const override {
    figure f;
    f.bars = true;
    std::array<figure::series, regions> by_region;
    for (std::size_t r = 0; r < regions; ++r) by_region[r].title = "write p50, clients in region " + std::to_string(r) + " (ms)";
    figure::series stale{"stale read rate (share)", {}, true};
    for (std::size_t i = 0; i < o.rows.size(); ++i) {
      f.categories.push_back(o.rows[i].at("system").get<std::string>());
      for (std::size_t r = 0; r < regions; ++r)
        by_region[r].points.emplace_back(static_cast<double>(i), o.rows[i].at("write_p50_ms_r" + std::to_string(r)).get<double>());
      stale.points.emplace_back(static_cast<double>(i), o.rows[i].at("stale_read_rate").get<double>());
    }
    for (auto& s : by_region) f.data.push_back(std::move(s));
    f.data.push_back(std::move(stale));
    f.title = "regions: write latency where the client is, and the price\n(" +
              params_text(o, {"clients_per_region", "keys", "seconds", "seeds"}) + "; regions 20, 50 and 80 ms apart)";
    f.xlabel = "design";
    f.ylabel = "write latency p50 (ms)";
    f.y2label = "stale read rate";
    return f;
  }
  outcome run(std::uint64_t seed, std::uint64_t seeds) const override {
    outcome o;
    o.params = {{"clients_per_region", p_.clients_per_region}, {"keys", p_.keys}, {"seconds", p_.seconds}, {"seeds", seeds}};
    meter().start(name(), 6 * seeds, "runs");
    auto add = [&](const char* system, auto once) {
      measured all;
      for (const std::uint64_t s : seeds_from(seed, seeds)) {
        const measured m = once(s);
        for (std::size_t r = 0; r < regions; ++r) all.write_ms[r].insert(all.write_ms[r].end(), m.write_ms[r].begin(), m.write_ms[r].end());
        all.read_ms.insert(all.read_ms.end(), m.read_ms.begin(), m.read_ms.end());
        all.reads += m.reads;
        all.stale_reads += m.stale_reads;
        all.sibling_reads += m.sibling_reads;
        all.writes_acked += m.writes_acked;
        all.discarded += m.discarded;
      }
      std::vector<double> writes;
      for (const auto& w : all.write_ms) writes.insert(writes.end(), w.begin(), w.end());
      nlohmann::json row = {{"system", system}};
      for (std::size_t r = 0; r < regions; ++r) row["write_p50_ms_r" + std::to_string(r)] = percentile(all.write_ms[r], 0.5);
      row["write_p99_ms"] = percentile(writes, 0.99);
      row["read_p50_ms"] = percentile(all.read_ms, 0.5);
      row["writes_acked"] = all.writes_acked;
      row["stale_read_rate"] = all.reads ? std::round(static_cast<double>(all.stale_reads) / static_cast<double>(all.reads) * 1000) / 1000 : 0.0;
      row["acked_writes_discarded"] = all.discarded;
      row["sibling_reads"] = all.sibling_reads;
      o.rows.push_back(std::move(row));
    };
    const params& p = p_;
    add("leader-based async, leader in 0", [&p](std::uint64_t s) {
      typename leader_node<asynchronous>::config cfg;
      cfg.seed = s;
      return run_once<leader_node<asynchronous>>(p, s, cfg, consistency_level::configured, leader_in_region_0<leader_node<asynchronous>>);
    });
    add("leader-based majority, leader in 0", [&p](std::uint64_t s) {
      typename leader_node<majority>::config cfg;
      cfg.seed = s;
      return run_once<leader_node<majority>>(p, s, cfg, consistency_level::configured, leader_in_region_0<leader_node<majority>>);
    });
    auto no_setup = [](auto&) -> sim::sim_time { return 100'000; };
    add("multi-leader, last-write-wins", [&](std::uint64_t s) {
      typename lww_region::config cfg;
      cfg.nodes = regions;
      return run_once<lww_region>(p, s, cfg, consistency_level::configured, no_setup);
    });
    add("multi-leader, siblings", [&](std::uint64_t s) {
      typename sibling_region::config cfg;
      cfg.nodes = regions;
      return run_once<sibling_region>(p, s, cfg, consistency_level::configured, no_setup);
    });
    auto leaderless_cfg = [] {
      typename leaderless_region::config cfg;
      cfg.nodes = regions;
      cfg.datacenters = {0, 1, 2};
      return cfg;
    };
    add("leaderless LOCAL_QUORUM", [&](std::uint64_t s) {
      return run_once<leaderless_region>(p, s, leaderless_cfg(), consistency_level::local_quorum, no_setup);
    });
    add("leaderless QUORUM", [&](std::uint64_t s) {
      return run_once<leaderless_region>(p, s, leaderless_cfg(), consistency_level::quorum, no_setup);
    });
    o.columns = {"system", "write_p50_ms_r0", "write_p50_ms_r1", "write_p50_ms_r2", "write_p99_ms", "read_p50_ms",
                 "writes_acked", "stale_read_rate", "acked_writes_discarded", "sibling_reads"};
    o.note = "write_p50_ms_rN: median write latency of the clients in region N (each talks to its region's replica); "
             "stale_read_rate: reads that returned a write older than one acknowledged before they began and begun after "
             "it was acknowledged (definitely stale); acked_writes_discarded: acknowledged writes last-write-wins replaced "
             "by a concurrent one; sibling_reads: reads that returned concurrent values (a conflict shown to the client)";
    return o;
  }

 private:
  params p_;
};

}  // namespace

std::unique_ptr<experiment> make_regions_experiment() { return std::make_unique<regions_experiment>(); }

}  // namespace lab
