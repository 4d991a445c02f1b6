// log_shipping: the leader-based hot path in process: the leader appends a batch of client
// writes, ships it to every follower, each follower appends and acknowledges, the leader
// advances its commit index and replies. `composed` drives leader_based_node<R> (messages
// moved between nodes by hand, persistence entries discarded as a no-op disk would);
// `handwritten` is a plain leader/follower loop doing the same work with the same commit rule
// (copy to the leader's log and its persist buffer, copy to each follower's log and persist
// buffer, acknowledge, select the commit index, reply); `floor` only copies the entries as many
// times. Entries are the library's 24-byte register commands (payload sizes other than that
// are not modelled yet). Reports entries per second and heap allocations per entry.
#include <replica/commit.hpp>
#include <replica/replicator.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

namespace {
std::atomic<std::uint64_t> allocations{0};
}

// Counting replacements of the global allocation functions. GCC 12 warns that free() meets a
// pointer from operator new (-Wmismatched-new-delete) although both sides are replaced here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc{};
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace rp = replica;
using namespace std::chrono_literals;

namespace {

template <class Commit, std::size_t N>
void composed(benchmark::State& st, std::size_t batch) {
  using node = rp::leader_based_node<rp::replicator<rp::leader_based, Commit, rp::cluster_size<N>>>;
  typename node::config cfg;
  cfg.election_min = cfg.election_max = 10ms;  // deterministic: node 0 times out first
  cfg.heartbeat = 1h;
  cfg.check_quorum = false;
  cfg.max_batch = 256;
  cfg.max_inflight = 1024;
  cfg.ship_interval = 1us;  // batch: ship on the next tick
  std::vector<node> nodes;
  for (std::uint32_t i = 0; i < N; ++i) nodes.emplace_back(rp::replica_id{i}, cfg, typename node::durable_state{});
  std::int64_t t_us = 20'000;
  auto now = [&] { return rp::local_time{rp::duration{t_us}}; };
  auto route = [&] {  // deliver every outgoing message until quiet; discard persistence and replies
    bool moved = true;
    while (moved) {
      moved = false;
      for (auto& n : nodes) {
        auto& fx = n.effects();
        for (auto& m : fx.messages) {
          (void)nodes[m.to.value()].step(m, now());
          moved = true;
        }
        fx.clear();
      }
    }
  };
  nodes[0].tick(now());  // pre-vote, vote, become leader
  route();
  if (!nodes[0].is_leader()) {
    st.SkipWithError("no leader");
    return;
  }
  std::uint64_t request = 0;
  rp::value_type v = 0;
  const auto before = allocations.load();
  for (auto _ : st) {
    for (std::size_t k = 0; k < batch; ++k)
      nodes[0].submit({rp::client_id{1}, rp::request_id{++request}, {rp::op_kind::write, 0, ++v}}, now());
    ++t_us;
    nodes[0].tick(now());
    route();
  }
  if (nodes[0].commit_index() + batch < nodes[0].last_index()) st.SkipWithError("commit did not advance");
  const double entries = static_cast<double>(st.iterations() * batch);
  st.SetItemsProcessed(static_cast<std::int64_t>(entries));
  st.counters["allocs_per_entry"] = static_cast<double>(allocations.load() - before) / entries;
  st.counters["ns_per_entry"] = benchmark::Counter(entries, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

/// The same work written by hand: logs as vectors of entries, majority (or leader-only) commit.
template <bool Majority, std::size_t N>
void handwritten(benchmark::State& st, std::size_t batch) {
  struct entry {
    std::uint64_t term, index;
    rp::kv_op op;
  };
  std::vector<entry> logs[N], disks[N];
  for (auto& l : logs) l.reserve(1 << 20);
  for (auto& d : disks) d.reserve(256);
  std::vector<entry> wire;
  wire.reserve(256);
  std::uint64_t match[N]{};
  std::uint64_t commit = 0, replies = 0;
  rp::value_type v = 0;
  const auto before = allocations.load();
  for (auto _ : st) {
    if (logs[0].size() + batch > (1u << 20))
      for (auto& l : logs) l.clear();  // keep memory bounded; the work per entry is unchanged
    wire.clear();
    for (std::size_t k = 0; k < batch; ++k) {
      const entry e{1, logs[0].size() + 1, {rp::op_kind::write, 0, ++v, 0}};
      logs[0].push_back(e);
      wire.push_back(e);
    }
    disks[0].assign(wire.begin(), wire.end());  // persist
    match[0] = logs[0].size();
    for (std::size_t f = 1; f < N; ++f) {       // ship, follower append, persist, ack
      logs[f].insert(logs[f].end(), wire.begin(), wire.end());
      disks[f].assign(wire.begin(), wire.end());
      match[f] = logs[f].size();
    }
    if constexpr (Majority) {
      commit = rp::detail::kth_largest(std::span<const std::uint64_t>{match, N}, N / 2 + 1);
    } else {
      commit = match[0];
    }
    replies += batch;
    benchmark::DoNotOptimize(commit);
  }
  const double entries = static_cast<double>(st.iterations() * batch);
  st.SetItemsProcessed(static_cast<std::int64_t>(entries));
  st.counters["allocs_per_entry"] = static_cast<double>(allocations.load() - before) / entries;
  st.counters["ns_per_entry"] = benchmark::Counter(entries, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  benchmark::DoNotOptimize(replies);
}

/// Only the copies: each entry copied once per replica.
template <std::size_t N>
void floor(benchmark::State& st, std::size_t batch) {
  std::vector<rp::kv_op> src(batch), dst[N];
  for (auto& d : dst) d.resize(batch);
  for (auto _ : st) {
    for (auto& d : dst) std::copy(src.begin(), src.end(), d.begin());
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * batch));
}

template <std::size_t N>
void register_n() {
  for (std::size_t batch : {1, 8, 64, 256}) {
    const std::string args = "/" + std::to_string(N) + "/" + std::to_string(batch);
    auto reg = [&](const std::string& name, auto fn) { benchmark::RegisterBenchmark((name + args).c_str(), fn, batch); };
    reg("log_shipping_majority/composed", composed<rp::majority, N>);
    reg("log_shipping_majority/handwritten", handwritten<true, N>);
    reg("log_shipping_majority/floor", floor<N>);
    reg("log_shipping_async/composed", composed<rp::asynchronous, N>);
    reg("log_shipping_async/handwritten", handwritten<false, N>);
    reg("log_shipping_semi_sync/composed", composed<rp::semi_synchronous<1>, N>);
    reg("log_shipping_first/composed", composed<rp::first<1>, N>);
    reg("log_shipping_sync/composed", composed<rp::synchronous_with<2>, N>);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_n<3>();
  register_n<5>();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
