// CRDT hot paths (issue 6): merging whole states (anti-entropy, a replica catching up) and
// applying deltas (what multi-leader propagation ships), at realistic sizes.
//
// - g_counter_merge/<variant>/<replicas>, pn_counter_merge/<variant>/<replicas>: join two full
//   counters whose entries differ; `handwritten` is the per-replica maximum over plain arrays
//   indexed by replica (the densest form a counter of fixed membership can take).
// - g_counter_delta/<variant>/<replicas>: join a one-entry delta into a full counter;
//   `handwritten` is one array slot's maximum.
// - causal_context_join/<variant>/<replicas>: the join of two OR-Set causal contexts (a version
//   vector; dot clouds empty, as after compaction); `handwritten` is the element-wise maximum
//   of two sorted (replica, counter) lists, the version-vector join written out.
// - causal_context_gaps_join/<variant>/<replicas>: the same with dot clouds: each replica's dots
//   seen with gaps (deltas received out of order), so the join is the version vectors' and a
//   sorted union of the clouds, compacted (dots that extend the vector move into it);
//   `handwritten` does that over sorted (replica, counter) lists: the lists' join,
//   `std::set_union` of the clouds, one compacting pass.
// - or_set_merge/composed/<elements>, or_set_delta/composed/<elements>: a full join of two OR-Sets
//   of that many elements that diverged by a few adds and removes at three replicas, and
//   applying one add delta. g_set, 2P-set, MV- and LWW-register likewise, composed only
//   (their baselines are the set union or the comparison they are made of).
// Inputs rotate through a pool so branch predictors do not learn one input.
#include <replica/crdt.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace rp = replica;

namespace {

constexpr std::size_t pool = 64;

/// The composed join of values drawn from two pools, a copy of one merged with the other (every
/// row's composed variant; `T` has `merge`).
template <class T>
void merge_pools(benchmark::State& st, const std::vector<T>& a, const std::vector<T>& b) {
  std::size_t i = 0;
  for (auto _ : st) {
    T x = a[i % pool];
    x.merge(b[(i * 7 + 3) % pool]);
    benchmark::DoNotOptimize(x);
    ++i;
  }
}
rp::replica_id id(std::size_t i) { return rp::replica_id{static_cast<std::uint32_t>(i)}; }

// ---- counters ----

std::vector<rp::g_counter> g_counter_pool(std::size_t replicas, std::uint64_t seed) {
  std::mt19937_64 g{seed};
  std::vector<rp::g_counter> out(pool);
  for (auto& c : out)
    for (std::size_t r = 0; r < replicas; ++r) (void)c.increment(id(r), 1 + g() % 1000);
  return out;
}
std::vector<std::vector<std::uint64_t>> array_pool(const std::vector<rp::g_counter>& p, std::size_t replicas) {
  std::vector<std::vector<std::uint64_t>> out;
  for (const auto& c : p) {
    std::vector<std::uint64_t> a(replicas);
    for (std::size_t r = 0; r < replicas; ++r) a[r] = c.count(id(r));
    out.push_back(std::move(a));
  }
  return out;
}

void g_counter_merge_composed(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto a = g_counter_pool(n, 1), b = g_counter_pool(n, 2);
  merge_pools(st, a, b);
}
void g_counter_merge_handwritten(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const auto a = array_pool(g_counter_pool(n, 1), n), b = array_pool(g_counter_pool(n, 2), n);
  std::size_t i = 0;
  for (auto _ : st) {
    std::vector<std::uint64_t> x = a[i % pool];
    const auto& y = b[(i * 7 + 3) % pool];
    for (std::size_t r = 0; r < n; ++r) x[r] = std::max(x[r], y[r]);
    benchmark::DoNotOptimize(x);
    ++i;
  }
}

void g_counter_delta_composed(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  auto states = g_counter_pool(n, 1);
  std::vector<rp::g_counter> deltas(pool);
  for (std::size_t k = 0; k < pool; ++k) deltas[k] = rp::g_counter{}.increment(id(k % n), 5000 + k);
  std::size_t i = 0;
  for (auto _ : st) {
    states[i % pool].merge(deltas[(i * 7 + 3) % pool]);
    benchmark::DoNotOptimize(states[i % pool]);
    ++i;
  }
}
void g_counter_delta_handwritten(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  auto states = array_pool(g_counter_pool(n, 1), n);
  std::vector<std::pair<std::size_t, std::uint64_t>> deltas(pool);
  for (std::size_t k = 0; k < pool; ++k) deltas[k] = {k % n, 5000 + k};
  std::size_t i = 0;
  for (auto _ : st) {
    const auto& [r, v] = deltas[(i * 7 + 3) % pool];
    auto& s = states[i % pool];
    s[r] = std::max(s[r], v);
    benchmark::DoNotOptimize(s);
    ++i;
  }
}

void pn_counter_merge_composed(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  std::mt19937_64 g{3};
  std::vector<rp::pn_counter> a(pool), b(pool);
  for (auto* v : {&a, &b})
    for (auto& c : *v)
      for (std::size_t r = 0; r < n; ++r) (void)c.add(id(r), static_cast<std::int64_t>(g() % 2000) - 1000);
  merge_pools(st, a, b);
}
void pn_counter_merge_handwritten(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  std::mt19937_64 g{3};
  struct pn {
    std::vector<std::uint64_t> p, m;
  };
  std::vector<pn> a(pool), b(pool);
  for (auto* v : {&a, &b})
    for (auto& c : *v) {
      c.p.assign(n, 0);
      c.m.assign(n, 0);
      for (std::size_t r = 0; r < n; ++r) {
        const auto x = static_cast<std::int64_t>(g() % 2000) - 1000;
        (x >= 0 ? c.p : c.m)[r] += static_cast<std::uint64_t>(x >= 0 ? x : -x);
      }
    }
  std::size_t i = 0;
  for (auto _ : st) {
    pn x = a[i % pool];
    const pn& y = b[(i * 7 + 3) % pool];
    for (std::size_t r = 0; r < n; ++r) {
      x.p[r] = std::max(x.p[r], y.p[r]);
      x.m[r] = std::max(x.m[r], y.m[r]);
    }
    benchmark::DoNotOptimize(x);
    ++i;
  }
}

// ---- causal contexts (version-vector joins) ----

using pairs = std::vector<std::pair<std::uint32_t, std::uint64_t>>;
/// The handwritten baselines' version-vector join: the element-wise maximum of two sorted
/// (replica, counter) lists.
inline void join_lists(const pairs& x, const pairs& y, pairs& out) {
  out.reserve(x.size() + y.size());
  std::size_t p = 0, q = 0;
  while (p < x.size() || q < y.size()) {
    if (q == y.size() || (p < x.size() && x[p].first < y[q].first)) {
      out.push_back(x[p++]);
    } else if (p == x.size() || y[q].first < x[p].first) {
      out.push_back(y[q++]);
    } else {
      out.emplace_back(x[p].first, std::max(x[p].second, y[q].second));
      ++p;
      ++q;
    }
  }
}

void causal_context_join_composed(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  std::mt19937_64 g{4};
  std::vector<rp::dot_context> a(pool), b(pool);
  for (auto* v : {&a, &b})
    for (auto& c : *v)
      for (std::size_t r = 0; r < n; ++r)
        for (std::uint64_t k = 1, e = 1 + g() % 4; k <= e; ++k) c.insert(rp::dot{id(r), k});
  merge_pools(st, a, b);
}
void causal_context_join_handwritten(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  std::mt19937_64 g{4};
  std::vector<pairs> a(pool), b(pool);
  for (auto* v : {&a, &b})
    for (auto& c : *v)
      for (std::size_t r = 0; r < n; ++r) c.emplace_back(static_cast<std::uint32_t>(r), 1 + g() % 4);
  std::size_t i = 0;
  for (auto _ : st) {
    pairs out;
    join_lists(a[i % pool], b[(i * 7 + 3) % pool], out);
    benchmark::DoNotOptimize(out);
    ++i;
  }
}

/// Contexts with gaps: for each replica a prefix and then every other dot beyond it.
std::vector<rp::dot_context> gapped_contexts(std::size_t replicas, std::uint64_t seed) {
  std::mt19937_64 g{seed};
  std::vector<rp::dot_context> out(pool);
  for (auto& c : out)
    for (std::size_t r = 0; r < replicas; ++r) {
      const std::uint64_t prefix = 1 + g() % 4;
      for (std::uint64_t k = 1; k <= prefix; ++k) c.insert(rp::dot{id(r), k});
      for (std::uint64_t k = prefix + 2 + g() % 2, e = k + 6; k <= e; k += 2) c.insert(rp::dot{id(r), k});
    }
  return out;
}
void causal_context_gaps_join_composed(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  merge_pools(st, gapped_contexts(n, 5), gapped_contexts(n, 6));
}
void causal_context_gaps_join_handwritten(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  struct ctx {
    pairs vv, cloud;
  };
  auto lower = [](const std::vector<rp::dot_context>& p) {
    std::vector<ctx> out;
    for (const auto& c : p) {
      ctx x;
      for (const auto& e : c.compact_part().entries()) x.vv.emplace_back(e.id.value(), e.counter);
      for (const auto& d : c.cloud()) x.cloud.emplace_back(d.id.value(), d.counter);
      out.push_back(std::move(x));
    }
    return out;
  };
  const auto a = lower(gapped_contexts(n, 5)), b = lower(gapped_contexts(n, 6));
  std::size_t i = 0;
  for (auto _ : st) {
    const ctx& x = a[i % pool];
    const ctx& y = b[(i * 7 + 3) % pool];
    ctx out;
    join_lists(x.vv, y.vv, out.vv);
    // The clouds' union, then one pass moving the dots that extend the vector into it (both are
    // sorted by replica; a replica absent from the vector would be added at the end).
    pairs all;
    all.reserve(x.cloud.size() + y.cloud.size());
    std::set_union(x.cloud.begin(), x.cloud.end(), y.cloud.begin(), y.cloud.end(), std::back_inserter(all));
    out.cloud.reserve(all.size());
    pairs added;
    auto v = out.vv.begin();
    for (const auto& d : all) {
      while (v != out.vv.end() && v->first < d.first) ++v;
      std::uint64_t* have = v != out.vv.end() && v->first == d.first ? &v->second : nullptr;
      if (!have) {
        if (added.empty() || added.back().first != d.first) added.emplace_back(d.first, 0);
        have = &added.back().second;
      }
      if (d.second <= *have) continue;
      if (d.second == *have + 1) {
        ++*have;
        continue;
      }
      out.cloud.push_back(d);
    }
    if (!added.empty()) {
      out.vv.insert(out.vv.end(), added.begin(), added.end());
      std::sort(out.vv.begin(), out.vv.end());
    }
    benchmark::DoNotOptimize(out);
    ++i;
  }
}

// ---- sets and registers (composed only) ----

/// Three replicas that share `elements` elements and then diverge by a few adds and removes.
template <class S>
std::array<S, 3> diverged(std::size_t elements, std::uint64_t seed) {
  std::mt19937_64 g{seed};
  S base;
  for (std::size_t e = 0; e < elements; ++e) {
    if constexpr (requires { base.add(id(0), 0); })
      (void)base.add(id(e % 3), static_cast<std::int64_t>(e));
    else
      (void)base.add(static_cast<std::int64_t>(e));
  }
  std::array<S, 3> r{base, base, base};
  for (std::size_t k = 0; k < 3; ++k)
    for (int j = 0; j < 4; ++j) {
      const auto x = static_cast<std::int64_t>(g() % (elements + 8));
      if constexpr (requires { r[k].add(id(0), 0); }) {
        if (j % 2) (void)r[k].remove(id(k), x);
        else (void)r[k].add(id(k), x);
      } else if constexpr (requires { r[k].remove(0); }) {
        if (j % 2) (void)r[k].remove(x);
        else (void)r[k].add(x);
      } else {
        (void)r[k].add(x);
      }
    }
  return r;
}

template <class S>
void set_merge_composed(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  std::vector<std::array<S, 3>> p;
  for (std::size_t k = 0; k < 8; ++k) p.push_back(diverged<S>(n, k));
  std::size_t i = 0;
  for (auto _ : st) {
    const auto& r = p[i % p.size()];
    S x = r[0];
    x.merge(r[1 + i % 2]);
    benchmark::DoNotOptimize(x);
    ++i;
  }
}
template <class S>
void set_delta_composed(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  std::vector<S> states(8), deltas(8);
  for (std::size_t k = 0; k < 8; ++k) {
    auto r = diverged<S>(n, k);
    states[k] = r[0];
    S at1 = r[1];
    if constexpr (requires { at1.add(id(0), 0); })
      deltas[k] = at1.add(id(1), static_cast<std::int64_t>(n + 100 + k));
    else
      deltas[k] = at1.add(static_cast<std::int64_t>(n + 100 + k));
  }
  std::size_t i = 0;
  for (auto _ : st) {
    S x = states[i % 8];  // (the copy is part of the time; see docs/benchmarks.md)
    x.merge(deltas[(i + 3) % 8]);
    benchmark::DoNotOptimize(x);
    ++i;
  }
}

void mv_register_merge_composed(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));  // concurrent writers (siblings)
  std::vector<rp::mv_register<std::int64_t>> a(pool), b(pool);
  for (std::size_t k = 0; k < pool; ++k)
    for (std::size_t r = 0; r < n; ++r) {
      rp::mv_register<std::int64_t> w;
      (void)w.write(id(r), static_cast<std::int64_t>(k * 100 + r));
      (r % 2 ? a : b)[k].merge(w);
    }
  merge_pools(st, a, b);
}
void lww_register_merge_composed(benchmark::State& st) {
  std::vector<rp::lww_register<std::int64_t>> a(pool), b(pool);
  for (std::size_t k = 0; k < pool; ++k) {
    (void)a[k].write(id(0), rp::local_time{rp::duration{static_cast<std::int64_t>(k * 13 % 97)}}, 1);
    (void)b[k].write(id(1), rp::local_time{rp::duration{static_cast<std::int64_t>(k * 29 % 97)}}, 2);
  }
  merge_pools(st, a, b);
}
void max_register_merge_composed(benchmark::State& st) {
  std::vector<rp::max_register<std::int64_t>> a(pool), b(pool);
  for (std::size_t k = 0; k < pool; ++k) {
    (void)a[k].write(static_cast<std::int64_t>(k * 13 % 97));
    (void)b[k].write(static_cast<std::int64_t>(k * 29 % 97));
  }
  merge_pools(st, a, b);
}

}  // namespace

int main(int argc, char** argv) {
  for (long n : {8L, 64L}) {
    benchmark::RegisterBenchmark("g_counter_merge/composed", g_counter_merge_composed)->Arg(n);
    benchmark::RegisterBenchmark("g_counter_merge/handwritten", g_counter_merge_handwritten)->Arg(n);
    benchmark::RegisterBenchmark("g_counter_delta/composed", g_counter_delta_composed)->Arg(n);
    benchmark::RegisterBenchmark("g_counter_delta/handwritten", g_counter_delta_handwritten)->Arg(n);
    benchmark::RegisterBenchmark("pn_counter_merge/composed", pn_counter_merge_composed)->Arg(n);
    benchmark::RegisterBenchmark("pn_counter_merge/handwritten", pn_counter_merge_handwritten)->Arg(n);
    benchmark::RegisterBenchmark("causal_context_join/composed", causal_context_join_composed)->Arg(n);
    benchmark::RegisterBenchmark("causal_context_join/handwritten", causal_context_join_handwritten)->Arg(n);
    benchmark::RegisterBenchmark("causal_context_gaps_join/composed", causal_context_gaps_join_composed)->Arg(n);
    benchmark::RegisterBenchmark("causal_context_gaps_join/handwritten", causal_context_gaps_join_handwritten)->Arg(n);
  }
  for (long n : {100L, 1000L}) {
    benchmark::RegisterBenchmark("or_set_merge/composed", set_merge_composed<rp::or_set<std::int64_t>>)->Arg(n);
    benchmark::RegisterBenchmark("or_set_delta/composed", set_delta_composed<rp::or_set<std::int64_t>>)->Arg(n);
    benchmark::RegisterBenchmark("or_set_rw_merge/composed", set_merge_composed<rp::or_set<std::int64_t, rp::set_bias::remove_wins>>)->Arg(n);
    benchmark::RegisterBenchmark("g_set_merge/composed", set_merge_composed<rp::g_set<std::int64_t>>)->Arg(n);
    benchmark::RegisterBenchmark("g_set_delta/composed", set_delta_composed<rp::g_set<std::int64_t>>)->Arg(n);
    benchmark::RegisterBenchmark("two_phase_set_merge/composed", set_merge_composed<rp::two_phase_set<std::int64_t>>)->Arg(n);
  }
  benchmark::RegisterBenchmark("mv_register_merge/composed", mv_register_merge_composed)->Arg(2)->Arg(8);
  benchmark::RegisterBenchmark("lww_register_merge/composed", lww_register_merge_composed);
  benchmark::RegisterBenchmark("max_register_merge/composed", max_register_merge_composed);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
