// `staleness`: probabilistically bounded staleness (Bailis et al., "Probabilistically Bounded
// Staleness for Practical Partial Quorums", VLDB 2012), simulated on the library's own
// leaderless coordinator over the simulator rather than computed in closed form.
//
// As in the paper's WARS model: the coordinator is not one of the key's N replicas; every
// message draws its latency independently from its leg's distribution (W: write to a replica,
// A: its acknowledgement, R: read request to a replica, S: its response); a write commits at
// its W-th acknowledgement; a read returns the newest of the first R responses. Read repair and
// anti-entropy are off (the model has neither). For each trial a fresh key is written once; reads
// start at offsets t after the commit, and P(consistent at t) is the fraction that return the
// write. t_visibility is the smallest offset on the grid at which it reaches the percentile.
#include "experiment.hpp"

#include <replica/replicator.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <sstream>

namespace lab {
namespace {

using namespace replica;
using namespace std::chrono_literals;

/// The four WARS legs.
struct wars {
  sim::latency_model w, a, r, s;
};

duration ms(double x) { return duration{static_cast<duration::rep>(std::llround(x * 1000.0))}; }

/// The paper's latency fits (ms; exponential lambda is a rate).
std::optional<wars> preset(const std::string& name) {
  auto mix = [](double wp, double xm, double alpha, double lambda) {
    return sim::latency_model::mixture({{wp, sim::pareto_latency{ms(xm), alpha}},
                                        {1.0 - wp, sim::exponential_latency{ms(1.0 / lambda), {}}}});
  };
  const auto ssd = mix(0.9122, 0.235, 10, 1.66);
  if (name == "lnkd-ssd") return wars{ssd, ssd, ssd, ssd};
  if (name == "lnkd-disk") return wars{mix(0.38, 1.05, 1.51, 0.183), ssd, ssd, ssd};
  if (name == "ymmr") {
    const auto other = mix(0.982, 1.5, 3.8, 0.0217);
    return wars{mix(0.939, 3, 3.5, 0.0028), other, other, other};
  }
  return std::nullopt;
}

/// Parses "weight:dist+weight:dist..." with dist one of pareto(xm,alpha), exp(lambda),
/// const(ms), uniform(lo,hi) (milliseconds; every number finite, in [0, 10^6]).
std::optional<sim::latency_model> parse_mixture(const std::string& text) {
  std::vector<sim::latency_model::component> parts;
  std::stringstream in{text};
  std::string term;
  while (std::getline(in, term, '+')) {
    const auto colon = term.find(':');
    const auto open = term.find('('), close = term.find(')');
    if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
    double weight = 1;
    std::string head = term.substr(0, open);
    if (colon != std::string::npos && colon < open) {
      try {
        weight = std::stod(term.substr(0, colon));
      } catch (...) {
        return std::nullopt;
      }
      head = term.substr(colon + 1, open - colon - 1);
    }
    std::vector<double> args;
    std::stringstream a{term.substr(open + 1, close - open - 1)};
    std::string x;
    while (std::getline(a, x, ',')) {
      try {
        args.push_back(std::stod(x));
      } catch (...) {
        return std::nullopt;
      }
    }
    // (Finite and bounded: "nan", "inf" or 1e300 parse as numbers, and a latency past the
    // simulator's clock would overflow it.)
    auto sane = [](double v) { return std::isfinite(v) && v >= 0 && v <= 1e6; };
    if (!sane(weight) || weight == 0 || !std::all_of(args.begin(), args.end(), sane)) return std::nullopt;
    if (head == "pareto" && args.size() == 2 && args[0] > 0 && args[1] > 0)
      parts.push_back({weight, sim::pareto_latency{ms(args[0]), args[1]}});
    else if (head == "exp" && args.size() == 1 && args[0] > 0)
      parts.push_back({weight, sim::exponential_latency{ms(1.0 / args[0]), {}}});
    else if (head == "const" && args.size() == 1 && args[0] >= 0)
      parts.push_back({weight, sim::constant_latency{ms(args[0])}});
    else if (head == "uniform" && args.size() == 2 && args[0] >= 0 && args[1] >= args[0])
      parts.push_back({weight, sim::uniform_latency{ms(args[0]), ms(args[1])}});
    else
      return std::nullopt;
  }
  if (parts.empty()) return std::nullopt;
  return sim::latency_model::mixture(std::move(parts));
}

/// A preset name, one mixture for all four legs, or "W=mix;A=mix;R=mix;S=mix" (missing legs
/// take the first one given).
std::optional<wars> parse_wars(const std::string& text) {
  if (auto p = preset(text)) return p;
  if (text.find('=') == std::string::npos) {
    auto m = parse_mixture(text);
    if (!m) return std::nullopt;
    return wars{*m, *m, *m, *m};
  }
  std::map<char, sim::latency_model> legs;
  std::stringstream in{text};
  std::string part;
  while (std::getline(in, part, ';')) {
    if (part.size() < 3 || part[1] != '=' || std::string{"WARS"}.find(part[0]) == std::string::npos) return std::nullopt;
    auto m = parse_mixture(part.substr(2));
    if (!m) return std::nullopt;
    legs.emplace(part[0], *m);
  }
  if (legs.empty()) return std::nullopt;
  const auto first = legs.begin()->second;
  auto leg = [&](char c) { return legs.count(c) ? legs.at(c) : first; };
  return wars{leg('W'), leg('A'), leg('R'), leg('S')};
}

/// W and R are set at run time (config::write_quorum, read_quorum): one node type per N.
template <std::size_t N>
using pbs_node = leaderless_node<replicator<leaderless<n<N>, w<1>, r<1>>, last_write_wins, hybrid_logical_clock>>;

/// Read offsets after the commit (ms).
const std::vector<double>& offsets() {
  static const std::vector<double> t = [] {
    std::vector<double> v{0};
    for (double x = 0.1; x < 10000; x *= 1.25) v.push_back(std::round(x * 1000) / 1000);
    return v;
  }();
  return t;
}

struct params {
  std::size_t n = 3;
  std::vector<std::size_t> rs{1}, ws{1};  ///< a row for each (R, W) pair and preset
  std::vector<std::string> wars_specs{"lnkd-ssd"};
  double percentile = 99.9;
  std::size_t trials = 200;
};

/// Trials run on a fresh cluster every `chunk` writes (seeded from the run's seed and the
/// chunk's number; chunk 0 from the seed itself), so the history, the clients and the store stay
/// small: memory is flat and the cost linear in the trials.
constexpr std::size_t chunk = 250;

/// Reads at each offset, and how many returned the write.
struct tally {
  std::vector<std::size_t> fresh = std::vector<std::size_t>(offsets().size(), 0);
  std::vector<std::size_t> asked = std::vector<std::size_t>(offsets().size(), 0);
};

/// `trials` writes on one cluster, each read at every offset after it commits.
template <std::size_t N>
void simulate(std::size_t w, std::size_t r, const wars& legs, std::size_t trials, std::uint64_t seed, tally& out) {
  using node = pbs_node<N>;
  sim::cluster_options o;
  o.nodes = N + 1;  // node N is a client-side coordinator: it holds no keys
  o.seed = seed;
  o.client_latency = sim::constant_latency{0ms};
  // Ticks only drive the 60 s request timeouts here (no hints, no anti-entropy), and each trial
  // spans 10 s of reads: a tick a second instead of the default 10 ms is 100 times fewer events.
  o.tick_interval = 1s;
  typename node::config cfg;
  cfg.nodes = N + 1;
  cfg.storage_nodes = N;
  cfg.write_quorum = w;
  cfg.read_quorum = r;
  cfg.read_repair = false;
  cfg.request_timeout = 60s;
  sim::cluster<node> c{o, cfg};
  c.set_message_latency([&legs](const envelope<typename node::message>& m) -> const sim::latency_model* {
    if (std::holds_alternative<typename node::put>(m.payload)) return &legs.w;
    if (std::holds_alternative<typename node::put_ack>(m.payload)) return &legs.a;
    if (std::holds_alternative<typename node::get>(m.payload)) return &legs.r;
    if (std::holds_alternative<typename node::get_reply>(m.payload)) return &legs.s;
    return nullptr;
  });
  const replica_id coordinator{static_cast<std::uint32_t>(N)};
  std::vector<std::uint64_t> readers;
  for (std::size_t t = 0; t < trials; ++t) {
    meter().advance();
    const key_type k = static_cast<key_type>(t + 1);
    const value_type v = static_cast<value_type>(t + 1);
    const std::size_t writer = c.history().size();
    c.invoke(coordinator, {op_kind::write, k, v}, 60s);
    c.run_until([&](auto& cl) { return cl.history().size() > writer + 1; }, c.now() + 60'000'000);
    if (c.history().size() <= writer + 1 || c.history()[writer + 1].type != check::event_type::ok) continue;
    const sim::sim_time committed = c.history()[writer + 1].time;
    readers.clear();
    for (std::size_t i = 0; i < offsets().size(); ++i) {
      const sim::sim_time at = committed + static_cast<sim::sim_time>(offsets()[i] * 1000);
      c.at(at, [&readers, coordinator, k](sim::cluster<node>& cl) {
        readers.push_back(cl.invoke(coordinator, {op_kind::read, k}, 60s));
      });
    }
    c.run_until([&](auto& cl) { return readers.size() == offsets().size() && cl.clients_idle(); }, c.now() + 120'000'000);
    // Readers were created in offset order, with consecutive process ids.
    if (readers.size() != offsets().size()) continue;
    for (std::size_t e = writer + 2; e < c.history().size(); ++e) {
      const auto& ev = c.history()[e];
      if (ev.type != check::event_type::ok || ev.f != op_kind::read || ev.process < readers.front()) continue;
      const std::size_t i = ev.process - readers.front();
      if (i >= readers.size() || readers[i] != ev.process) continue;
      ++out.asked[i];
      out.fresh[i] += ev.value == std::optional<value_type>{v};
    }
  }
}

/// P(consistent) at each offset for one configuration, over `trials` writes per seed.
template <std::size_t N>
std::vector<double> curve(const params& p, std::size_t r, std::size_t w, const wars& legs, std::uint64_t seed,
                          std::uint64_t seeds) {
  tally all;
  for (std::uint64_t s = seed; s < seed + seeds; ++s)
    for (std::size_t first = 0, i = 0; first < p.trials; first += chunk, ++i)
      simulate<N>(w, r, legs, std::min(chunk, p.trials - first), i == 0 ? s : s ^ (i * 0x9E3779B97F4A7C15ULL), all);
  std::vector<double> out(offsets().size(), 0);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = all.asked[i] ? static_cast<double>(all.fresh[i]) / static_cast<double>(all.asked[i]) : 0;
  return out;
}

class staleness_experiment final : public experiment {
 public:
  std::string name() const override { return "staleness"; }
  std::string summary() const override { return "PBS: how soon after a write commits do reads see it (WARS legs, N/R/W)"; }
  void add_options(CLI::App& app) override {
    app.add_option("--n", p_.n, "replicas of a key")->capture_default_str()->check(CLI::Range(1, 5));
    app.add_option("--r", p_.rs, "read quorums (a row for each R and W)")->capture_default_str()->check(CLI::Range(1, 5));
    app.add_option("--w", p_.ws, "write quorums")->capture_default_str()->check(CLI::Range(1, 5));
    app.add_option("--wars", p_.wars_specs,
                   "one row each: lnkd-ssd, lnkd-disk, ymmr, a mixture for every leg such as "
                   "0.9:pareto(0.2,10)+0.1:exp(1.5), or W=...;A=...;R=...;S=... (ms; exp takes a rate)")
        ->capture_default_str();
    app.add_option("--percentile", p_.percentile, "for t_visibility")->capture_default_str()->check(CLI::Range(0.0, 100.0));
    app.add_option("--trials", p_.trials, "writes simulated per seed and row")->capture_default_str()->check(CLI::Range(10, 10000000));
  }
  std::string validate() const override {
    if (p_.rs.empty() || p_.ws.empty() || p_.rs.size() > 5 || p_.ws.size() > 5) return "--r and --w take 1 to 5 values";
    for (std::size_t x : p_.rs)
      if (x > p_.n) return "--r must not exceed --n";
    for (std::size_t x : p_.ws)
      if (x > p_.n) return "--w must not exceed --n";
    if (p_.wars_specs.empty() || p_.wars_specs.size() > 16) return "--wars takes 1 to 16 values";
    for (const auto& spec : p_.wars_specs)
      if (!parse_wars(spec)) return "--wars " + spec + ": unknown preset or malformed mixture";
    return {};
  }
  figure plot(const outcome& o) const override {
    figure f;
    f.logx = true;
    f.ymax = 1.02;
    f.key = "inside bottom right vertical box opaque";
    for (const auto& row : o.rows) {
      const std::string wars = "R=" + row.at("r").dump() + " W=" + row.at("w").dump() + " " + row.at("wars").get<std::string>();
      figure::series s{wars, {}, false};
      for (const auto& point : row.at("curve"))
        if (point.at(0).get<double>() > 0) s.points.emplace_back(point.at(0).get<double>(), point.at(1).get<double>());
      f.data.push_back(std::move(s));
      if (const double t = row.at("t_visibility_ms").get<double>(); t > 0)
        f.marks.emplace_back(t, "t-visibility " + wars + ": " + row.at("t_visibility_ms").dump() + " ms");
    }
    f.title = "staleness: P(a read sees the last committed write) after the commit \n(" +
              params_text(o, {"n", "trials", "percentile"}) + ", PBS WARS model)";
    f.xlabel = "time after the write commits (ms, log scale)";
    f.ylabel = "P(consistent read)";
    return f;
  }
  outcome run(std::uint64_t seed, std::uint64_t seeds) const override {
    outcome o;
    o.params = {{"n", p_.n}, {"r", p_.rs}, {"w", p_.ws}, {"wars", p_.wars_specs}, {"percentile", p_.percentile}, {"trials", p_.trials}};
    meter().start(name(), p_.rs.size() * p_.ws.size() * p_.wars_specs.size() * seeds * p_.trials, "trials");
    auto round4 = [](double x) { return std::round(x * 10000) / 10000; };
    for (const std::size_t r : p_.rs)
      for (const std::size_t w : p_.ws)
        for (const auto& spec : p_.wars_specs) o.rows.push_back(row(r, w, spec, seed, seeds, round4));
    o.columns = {"n", "r", "w", "wars", "p_consistent", "t_visibility_ms"};
    o.note = "p_consistent: a read at the moment the write commits returns it; t_visibility_ms: the first offset (on a "
             "x1.25 grid from 0.1 ms) at which that reaches the percentile (-1: not within 10 s); the JSON's curve: "
             "[offset ms, P(consistent)] at every offset";
    return o;
  }

 private:
  template <class Round>
  nlohmann::json row(std::size_t r, std::size_t w, const std::string& spec, std::uint64_t seed, std::uint64_t seeds,
                     Round round4) const {
    const wars legs = *parse_wars(spec);
    std::vector<double> p;
    switch (p_.n) {
      case 1: p = curve<1>(p_, r, w, legs, seed, seeds); break;
      case 2: p = curve<2>(p_, r, w, legs, seed, seeds); break;
      case 3: p = curve<3>(p_, r, w, legs, seed, seeds); break;
      case 4: p = curve<4>(p_, r, w, legs, seed, seeds); break;
      default: p = curve<5>(p_, r, w, legs, seed, seeds); break;
    }
    double t_vis = -1;
    for (std::size_t i = 0; i < p.size(); ++i)
      if (p[i] * 100.0 >= p_.percentile) {
        t_vis = offsets()[i];
        break;
      }
    nlohmann::json points = nlohmann::json::array();
    for (std::size_t i = 0; i < p.size(); ++i) points.push_back({offsets()[i], round4(p[i])});
    return {{"n", p_.n}, {"r", r}, {"w", w}, {"wars", spec}, {"p_consistent", round4(p[0])}, {"t_visibility_ms", t_vis},
            {"curve", points}};
  }

  params p_;
};

}  // namespace

std::unique_ptr<experiment> make_staleness_experiment() { return std::make_unique<staleness_experiment>(); }

}  // namespace lab
