// committed_index: the committed position from the replicas' match positions, as majority
// commit computes it, for 3, 5, 7, 9 and 11 replicas. `composed` is majority::commit_point on a
// replication_view (a span, dispatched on its size at run time); `floor` is the same selection
// written by hand on a fixed-size plain array. Inputs rotate through a pool.
#include <replica/commit/majority.hpp>
#include <replica/commit/semi_synchronous.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace rp = replica;

namespace {

constexpr std::size_t pool = 256;

template <std::size_t N>
std::vector<std::array<std::uint64_t, N>> match_pool() {
  std::mt19937_64 g{N};
  std::vector<std::array<std::uint64_t, N>> p(pool);
  for (auto& a : p)
    for (auto& x : a) x = 1000 + g() % 64;  // a lagging, clustered cluster: many near-ties
  return p;
}

/// The floor: the median of a fixed-size plain array by a selection network (3, 5, 7, 9), or
/// by branch-free counting (11), written out by hand with no view, span or dispatch.
template <std::size_t N>
std::uint64_t floor_committed(const std::array<std::uint64_t, N>& m) {
  std::array<std::uint64_t, N> p = m;
  auto s = [&p](std::size_t a, std::size_t b) {
    const std::uint64_t lo = p[a] < p[b] ? p[a] : p[b];
    const std::uint64_t hi = p[a] < p[b] ? p[b] : p[a];
    p[a] = lo;
    p[b] = hi;
  };
  if constexpr (N == 3) {
    s(0, 1), s(1, 2), s(0, 1);
  } else if constexpr (N == 5) {
    s(0, 1), s(3, 4), s(0, 3), s(1, 4), s(1, 2), s(2, 3), s(1, 2);
  } else if constexpr (N == 7) {
    s(0, 5), s(0, 3), s(1, 6), s(2, 4), s(0, 1), s(3, 5), s(2, 6), s(2, 3), s(3, 6), s(4, 5), s(1, 4), s(1, 3), s(3, 4);
  } else if constexpr (N == 9) {
    s(1, 2), s(4, 5), s(7, 8), s(0, 1), s(3, 4), s(6, 7), s(1, 2), s(4, 5), s(7, 8), s(0, 3), s(5, 8), s(4, 7),
        s(3, 6), s(1, 4), s(2, 5), s(4, 7), s(4, 2), s(6, 4), s(4, 2);
  } else {
    std::uint64_t best = 0;
    for (std::size_t i = 0; i < N; ++i) {
      std::size_t ge = 0;
      for (std::size_t j = 0; j < N; ++j) ge += p[j] >= p[i];
      const std::uint64_t c = ge >= N / 2 + 1 ? p[i] : 0;
      best = c > best ? c : best;
    }
    return best;
  }
  return p[N / 2];
}

template <std::size_t N>
void committed_index_composed(benchmark::State& st) {
  const auto ms = match_pool<N>();
  std::size_t i = 0;
  for (auto _ : st) {
    const rp::replication_view v{ms[i % pool], rp::replica_id{0}};
    benchmark::DoNotOptimize(rp::majority::commit_point(v));
    ++i;
  }
}

template <std::size_t N>
void committed_index_floor(benchmark::State& st) {
  const auto ms = match_pool<N>();
  for (const auto& m : ms)  // the floor computes the same answer
    if (floor_committed<N>(m) != *rp::majority::commit_point(rp::replication_view{m, rp::replica_id{0}}))
      st.SkipWithError("floor and composed disagree");
  std::size_t i = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(floor_committed<N>(ms[i % pool]));
    ++i;
  }
}

template <std::size_t N>
void committed_index_semi_sync(benchmark::State& st) {
  const auto ms = match_pool<N>();
  std::size_t i = 0;
  for (auto _ : st) {
    const rp::replication_view v{ms[i % pool], rp::replica_id{0}};
    benchmark::DoNotOptimize(rp::semi_synchronous<2>::commit_point(v));
    ++i;
  }
}

template <std::size_t N>
void register_n() {
  const std::string n = "/" + std::to_string(N);
  benchmark::RegisterBenchmark(("committed_index/composed" + n).c_str(), committed_index_composed<N>);
  benchmark::RegisterBenchmark(("committed_index/floor" + n).c_str(), committed_index_floor<N>);
  benchmark::RegisterBenchmark(("semi_sync_committed_index/composed" + n).c_str(), committed_index_semi_sync<N>);
}

}  // namespace

int main(int argc, char** argv) {
  register_n<3>();
  register_n<5>();
  register_n<7>();
  register_n<9>();
  register_n<11>();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
