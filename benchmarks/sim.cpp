// The simulator and the linearizability checker: how many simulated events per second, how the
// cost grows with cluster size and client count, and how long checking a history takes.
// Baselines (`floor`): a bare event loop (a priority queue pushing and popping as many events)
// and pairing a history's operations without searching.
#include <replica/check/linearizability.hpp>
#include <replica/sim/broadcast_register.hpp>
#include <replica/sim/cluster.hpp>

#include <benchmark/benchmark.h>

#include <functional>
#include <queue>
#include <string>
#include <vector>

namespace rp = replica;
using namespace std::chrono_literals;

namespace {

constexpr rp::sim::sim_time simulated = 2'000'000;  // 2 s of simulated time per run

rp::sim::cluster_options options(std::size_t nodes, std::uint64_t seed) {
  rp::sim::cluster_options o;
  o.nodes = nodes;
  o.seed = seed;
  o.link.latency = rp::sim::exponential_latency{2ms, 200us};
  return o;
}

/// One simulated run: `nodes` replicas, `clients` sessions issuing reads and writes; returns
/// the number of events it processed.
std::uint64_t simulate(std::size_t nodes, std::size_t clients, std::uint64_t seed) {
  rp::sim::cluster<rp::sim::broadcast_register> c{options(nodes, seed), {nodes, 10}};
  rp::sim::session_options s;
  s.clients = clients;
  s.keys = 8;
  s.stop = simulated;
  c.add_sessions(s);
  c.run_until(simulated);
  benchmark::DoNotOptimize(c.trace_hash());
  return c.events_processed();
}

void sim_run_composed(benchmark::State& st, std::size_t nodes, std::size_t clients) {
  std::uint64_t events = 0, seed = 1;
  for (auto _ : st) events += simulate(nodes, clients, seed++);
  st.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  st.counters["events_per_run"] = static_cast<double>(events) / static_cast<double>(st.iterations());
}

/// The floor: a bare discrete-event loop with the same number of events, each scheduling a
/// successor at a random time, nothing else.
void sim_run_floor(benchmark::State& st, std::size_t nodes, std::size_t clients) {
  const std::uint64_t n = simulate(nodes, clients, 1);  // as many events as a composed run
  std::uint64_t events = 0;
  for (auto _ : st) {
    struct ev {
      std::int64_t at;
      std::uint64_t seq;
      bool operator>(const ev& o) const { return at != o.at ? at > o.at : seq > o.seq; }
    };
    std::priority_queue<ev, std::vector<ev>, std::greater<>> q;
    rp::sim::rng g{7};
    std::uint64_t seq = 0;
    for (std::size_t i = 0; i < nodes * 4; ++i) q.push({static_cast<std::int64_t>(g.below(1000)), seq++});
    for (std::uint64_t k = 0; k < n; ++k) {
      const ev e = q.top();
      q.pop();
      q.push({e.at + 1 + static_cast<std::int64_t>(g.below(2000)), seq++});
    }
    events += n;
    benchmark::DoNotOptimize(q.top().at);
  }
  st.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

/// A history of a single-copy register (linearizable): `clients` sessions over `keys` keys.
rp::check::history single_copy_history(std::size_t clients, std::size_t keys, rp::sim::sim_time length) {
  rp::sim::cluster_options o = options(3, 5);
  o.client_latency = rp::sim::exponential_latency{1ms, 100us};
  rp::sim::cluster<rp::sim::broadcast_register> c{o, {3, 10}};
  rp::sim::session_options s;
  s.clients = clients;
  s.keys = keys;
  s.cas_weight = 1;
  s.timeout = 3ms;
  s.targets = {rp::replica_id{0}};
  s.stop = length;
  c.add_sessions(s);
  c.run_until(length + 1'000'000);
  return c.history();
}

void check_composed(benchmark::State& st, const rp::check::history& h) {
  for (auto _ : st) {
    const auto r = rp::check::check_linearizable(h);
    if (!r.linearizable()) st.SkipWithError("history should be linearizable");
    benchmark::DoNotOptimize(r.steps);
  }
  st.counters["operations"] = static_cast<double>(h.size() / 2);
}

void check_floor(benchmark::State& st, const rp::check::history& h) {
  for (auto _ : st) benchmark::DoNotOptimize(rp::check::pair_operations(h).size());
  st.counters["operations"] = static_cast<double>(h.size() / 2);
}

}  // namespace

int main(int argc, char** argv) {
  for (std::size_t nodes : {3, 5, 9})
    for (std::size_t clients : {1, 4, 16}) {
      const std::string args = std::to_string(nodes) + "/" + std::to_string(clients);
      benchmark::RegisterBenchmark(("sim_run/composed/" + args).c_str(), sim_run_composed, nodes, clients)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("sim_run/floor/" + args).c_str(), sim_run_floor, nodes, clients)
          ->Unit(benchmark::kMillisecond);
    }
  static std::vector<rp::check::history> histories;
  histories.reserve(3);  // registered benchmarks hold references into it
  for (auto [clients, keys, secs] : {std::tuple{8, 1, 2}, std::tuple{16, 20, 10}, std::tuple{32, 40, 20}}) {
    histories.push_back(single_copy_history(static_cast<std::size_t>(clients), static_cast<std::size_t>(keys),
                                            rp::sim::sim_time{secs} * 1'000'000));
    const auto& h = histories.back();
    const std::string args = std::to_string(h.size() / 2) + "ops/" + std::to_string(keys) + "keys";
    benchmark::RegisterBenchmark(("linearizability/composed/" + args).c_str(), check_composed, std::cref(h))
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("linearizability/floor/" + args).c_str(), check_floor, std::cref(h))
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
