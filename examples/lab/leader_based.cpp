// Leader-based experiments.
//
// `failover`: the article's synchronous-versus-asynchronous argument, measured. Clients write
// to the leader; the leader is crashed (and restarted) repeatedly at random moments; after the
// run every replica heals and the surviving log is compared with what clients were told.
//
// `read-your-writes`: the form-resubmit bug. A client writes, then reads its own key at once,
// from the leader, from a follower, or from a follower with the write's token.
#include "experiment.hpp"

#include <replica/check/lost_writes.hpp>
#include <replica/cluster.hpp>
#include <replica/commit.hpp>
#include <replica/reads.hpp>
#include <replica/replicator.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/sim/leader.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>

#include <algorithm>
#include <cmath>
#include <set>

namespace lab {
namespace {

using namespace replica;
using namespace std::chrono_literals;

template <class Node>
std::optional<replica_id> leader_of(sim::cluster<Node>& c) {
  return sim::current_leader(c);
}

struct failover_params {
  std::size_t nodes = 3;
  std::size_t clients = 4;
  double latency_ms = 2;
  std::size_t crashes = 5;
  double duration_s = 10;
  double ship_ms = 5;
};

template <class Commit>
nlohmann::json failover_row(const char* name, const failover_params& p, std::uint64_t seed, std::uint64_t seeds) {
  using node = leader_based_node<replicator<leader_based, Commit>>;
  std::size_t acked = 0, lost = 0;
  std::vector<double> latencies;
  for (const std::uint64_t s : seeds_from(seed, seeds)) {
    sim::cluster_options o;
    o.nodes = p.nodes;
    o.seed = s;
    o.link.latency = sim::exponential_latency{duration{static_cast<std::int64_t>(p.latency_ms * 1000)}, 100us};
    o.tick_interval = 2ms;
    typename node::config cfg;
    cfg.nodes = p.nodes;
    cfg.seed = s;
    cfg.ship_interval = duration{static_cast<std::int64_t>(p.ship_ms * 1000)};
    sim::cluster<node> c{o, cfg};
    const auto end = static_cast<sim::sim_time>(p.duration_s * 1e6);
    sim::session_options w;
    w.clients = p.clients;
    w.read_weight = 0;
    w.timeout = 500ms;
    w.stop = end;
    c.add_sessions(w);
    // Crash whoever leads at evenly spaced, jittered moments; restart it 700 ms later.
    for (std::size_t k = 0; k < p.crashes; ++k) {
      const auto at = static_cast<sim::sim_time>((static_cast<double>(k) + 0.5 + 0.3 * (c.random().uniform01() - 0.5)) *
                                                 static_cast<double>(end) / static_cast<double>(p.crashes));
      c.at(at, [](sim::cluster<node>& cl) {
        if (auto l = leader_of(cl)) {
          cl.crash(*l);
          cl.at(cl.now() + 700'000, [r = *l](sim::cluster<node>& x) { x.restart(r); });
        }
      });
    }
    c.run_until(end + 3'000'000);
    std::set<std::pair<key_type, value_type>> survivors;
    for (std::uint32_t i = 0; i < p.nodes; ++i)
      if (const node* n = c.node(replica_id{i}))
        for (const auto& kv : applied_writes(*n)) survivors.insert(kv);
    const auto r = check::check_lost_writes(c.history(), survivors);
    acked += r.acknowledged;
    lost += r.lost.size();
    for (const auto& op : check::pair_operations(c.history()))
      if (op.f != op_kind::read && op.outcome == check::event_type::ok)
        latencies.push_back(static_cast<double>(op.complete_time - op.invoke_time) / 1000.0);
  }
  return {{"commit_mode", name},
          {"acked_writes", acked},
          {"lost_acked_writes", lost},
          {"write_latency_p50_ms", percentile(latencies, 0.5)},
          {"write_latency_p99_ms", percentile(latencies, 0.99)}};
}

class failover_experiment final : public experiment {
 public:
  std::string name() const override { return "failover"; }
  std::string summary() const override {
    return "acknowledged writes lost over repeated leader crashes, and write latency, per commit mode";
  }
  void add_options(CLI::App& app) override {
    app.add_option("--nodes", p_.nodes, "replicas (3..7)")->capture_default_str();
    app.add_option("--clients", p_.clients, "writing clients (1..64)")->capture_default_str();
    app.add_option("--latency-ms", p_.latency_ms, "mean one-way latency (exponential), ms")->capture_default_str();
    app.add_option("--crashes", p_.crashes, "leader crashes per run (0..100)")->capture_default_str();
    app.add_option("--duration-s", p_.duration_s, "simulated seconds of writing")->capture_default_str();
    app.add_option("--ship-ms", p_.ship_ms, "the leader ships batched writes this long after the first (0: at once)")
        ->capture_default_str();
  }
  std::string validate() const override {
    if (!(p_.ship_ms >= 0 && p_.ship_ms <= 1000)) return "--ship-ms must be in [0, 1000]";
    if (p_.nodes < 3 || p_.nodes > 7) return "--nodes must be in 3..7";
    if (p_.clients < 1 || p_.clients > 64) return "--clients must be in 1..64";
    if (!(p_.latency_ms >= 0 && p_.latency_ms <= 10'000)) return "--latency-ms must be in [0, 10000]";
    if (p_.crashes > 100) return "--crashes must be in 0..100";
    if (!(p_.duration_s > 0 && p_.duration_s <= 3600)) return "--duration-s must be in (0, 3600]";
    return {};
  }
  figure plot(const outcome& o) const override {
    figure f = bars_by_row(o, [](const auto& row) { return row.at("commit_mode").template get<std::string>(); },
                           {{"lost_acked_writes", "acknowledged writes lost"}});
    figure::series p99{"write latency p99 (ms)", {}, true};
    for (std::size_t i = 0; i < o.rows.size(); ++i) p99.points.emplace_back(i, o.rows[i].at("write_latency_p99_ms").get<double>());
    f.data.push_back(std::move(p99));
    f.title = "failover: acknowledged writes lost when leaders crash \n(" +
              params_text(o, {"nodes", "crashes", "duration_s", "latency_ms", "ship_ms", "seeds"}) + ")";
    f.xlabel = "commit mode";
    f.ylabel = "acknowledged writes lost (count)";
    f.y2label = "write latency p99 (ms)";
    return f;
  }
  outcome run(std::uint64_t seed, std::uint64_t seeds) const override {
    outcome out;
    out.params = {{"nodes", p_.nodes}, {"clients", p_.clients}, {"latency_ms", p_.latency_ms},
                  {"crashes", p_.crashes}, {"duration_s", p_.duration_s}, {"ship_ms", p_.ship_ms}, {"seeds", seeds}};
    out.columns = {"commit_mode", "acked_writes", "lost_acked_writes", "write_latency_p50_ms", "write_latency_p99_ms"};
    meter().start(name(), 7 * seeds, "runs");
    out.rows.push_back(failover_row<asynchronous>("asynchronous", p_, seed, seeds));
    out.rows.push_back(failover_row<semi_synchronous<1, ack_on::received>>("semi_synchronous<1, received>", p_, seed, seeds));
    out.rows.push_back(failover_row<semi_synchronous<1>>("semi_synchronous<1, flushed>", p_, seed, seeds));
    out.rows.push_back(failover_row<semi_synchronous<1, ack_on::applied>>("semi_synchronous<1, applied>", p_, seed, seeds));
    out.rows.push_back(failover_row<first<1>>("first<1>", p_, seed, seeds));
    out.rows.push_back(failover_row<synchronous_with<2>>("synchronous (min in-sync 2)", p_, seed, seeds));
    out.rows.push_back(failover_row<majority>("majority", p_, seed, seeds));
    out.note = "asynchronous acknowledges before any follower has the write, so a leader crash loses what it had "
               "not shipped yet; every mode that waits for a follower loses nothing here, at the price of a round trip "
               "and the shipping delay";
    return out;
  }

 private:
  failover_params p_;
};

class read_your_writes_experiment final : public experiment {
 public:
  std::string name() const override { return "read-your-writes"; }
  std::string summary() const override {
    return "a write then an immediate read of it: stale reads from the leader, a follower, a follower with a token";
  }
  void add_options(CLI::App& app) override {
    app.add_option("--writes", writes_, "write-then-read pairs per read mode (1..100000)")->capture_default_str();
    app.add_option("--latency-ms", latency_ms_, "mean one-way latency between replicas (exponential), ms")
        ->capture_default_str();
  }
  std::string validate() const override {
    if (writes_ < 1 || writes_ > 100'000) return "--writes must be in 1..100000";
    if (!(latency_ms_ >= 0 && latency_ms_ <= 10'000)) return "--latency-ms must be in [0, 10000]";
    return {};
  }
  figure plot(const outcome& o) const override {
    figure f;
    f.bars = true;
    figure::series s{"reads that miss the client's own write", {}, false};
    for (std::size_t i = 0; i < o.rows.size(); ++i) {
      f.categories.push_back(o.rows[i].at("read_mode").get<std::string>());
      const double reads = o.rows[i].at("reads").get<double>();
      s.points.emplace_back(i, reads > 0 ? o.rows[i].at("stale_reads").get<double>() / reads : 0);
    }
    f.data.push_back(std::move(s));
    f.title = "read-your-writes: a read right after the client's write, asynchronous replication \n(" +
              params_text(o, {"writes", "latency_ms", "seeds"}) + ")";
    f.xlabel = "where the read goes";
    f.ylabel = "share of reads missing the write";
    f.ymax = 1.05;
    return f;
  }
  outcome run(std::uint64_t seed, std::uint64_t seeds) const override {
    outcome out;
    out.params = {{"writes", writes_}, {"latency_ms", latency_ms_}, {"seeds", seeds}};
    meter().start(name(), 3 * seeds, "runs");
    out.columns = {"read_mode", "reads", "stale_reads"};
    for (const char* mode : {"leader", "follower", "follower_with_token"}) {
      std::size_t reads = 0, stale = 0;
      for (const std::uint64_t s : seeds_from(seed, seeds)) {
        // Asynchronous replication, reads served by whichever replica is asked.
        using node = leader_based_node<replicator<leader_based, asynchronous, eventual_reads, cluster_size<3>>>;
        sim::cluster_options o;
        o.nodes = 3;
        o.seed = s;
        o.link.latency = sim::exponential_latency{duration{static_cast<std::int64_t>(latency_ms_ * 1000)}, 100us};
        node::config cfg;
        cfg.seed = s;
        sim::cluster<node> c{o, cfg};
        c.run_until([](auto& cl) { return leader_of(cl).has_value(); }, 5'000'000);
        for (std::size_t i = 0; i < writes_; ++i) {
          const auto l = leader_of(c);
          if (!l) {
            c.run_for(100ms);
            continue;
          }
          const replica_id follower{(l->value() + 1 + static_cast<std::uint32_t>(i % 2)) % 3};
          const value_type v = static_cast<value_type>(i + 1);
          const key_type k = static_cast<key_type>(i % 16);
          const auto writer = c.invoke(*l, {op_kind::write, k, v}, 1s);
          const std::size_t before = c.history().size();
          c.run_until([&](auto& cl) { return cl.history().size() > before; }, c.now() + 1'000'000);
          if (c.history().back().type != check::event_type::ok) continue;
          const std::string m = mode;
          const replica_id target = m == "leader" ? *l : follower;
          const auto token = m == "follower_with_token" ? c.last_token(writer) : std::nullopt;
          c.invoke(target, {op_kind::read, k}, 1s, token);
          const std::size_t mid = c.history().size();
          c.run_until([&](auto& cl) { return cl.history().size() > mid; }, c.now() + 1'000'000);
          const auto& done = c.history().back();
          if (done.type != check::event_type::ok) continue;
          ++reads;
          stale += done.value != v;
          c.run_for(std::chrono::milliseconds{5});
        }
      }
      out.rows.push_back({{"read_mode", mode}, {"reads", reads}, {"stale_reads", stale}});
    }
    out.note = "a follower behind the leader returns the old value; a token (the write's log position) makes it "
               "redirect to the leader instead, so no read misses its own write";
    return out;
  }

 private:
  std::size_t writes_ = 200;
  double latency_ms_ = 10;
};

}  // namespace

std::unique_ptr<experiment> make_failover_experiment() { return std::make_unique<failover_experiment>(); }
std::unique_ptr<experiment> make_read_your_writes_experiment() { return std::make_unique<read_your_writes_experiment>(); }

}  // namespace lab
