// Compare and merge of every version type at 3, 8, 16 and 64 replicas, each beside a
// hand-written baseline doing the same work on plain arrays, and for the fixed-size version
// vector a runtime-polymorphic variant. Inputs rotate through a pool so nothing is hoisted.
#include <replica/versioning.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace rp = replica;

namespace {

constexpr std::size_t pool = 64;  // distinct inputs per benchmark (power of two)

std::mt19937_64& rng() {
  static std::mt19937_64 g{42};
  return g;
}

/// Counters of a replica set where every replica wrote a little; pairs differ in a few places.
template <std::size_t N>
std::array<std::array<std::uint64_t, N>, pool> counter_pool() {
  std::array<std::array<std::uint64_t, N>, pool> p{};
  for (auto& a : p)
    for (auto& c : a) c = 100 + rng()() % 8;
  return p;
}

// ---- fixed-size version vector ----------------------------------------------------------

template <std::size_t N>
std::array<rp::version_vector<N>, pool> vv_pool() {
  const auto raw = counter_pool<N>();
  std::array<rp::version_vector<N>, pool> vs;
  for (std::size_t k = 0; k < pool; ++k) vs[k] = rp::version_vector<N>{raw[k]};
  return vs;
}

template <std::size_t N>
void vv_compare_composed(benchmark::State& st) {
  const auto vs = vv_pool<N>();
  std::size_t i = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(vs[i % pool].compare(vs[(i + 1) % pool]));
    ++i;
  }
}

template <std::size_t N>
void vv_compare_handwritten(benchmark::State& st) {
  const auto vs = counter_pool<N>();
  std::size_t i = 0;
  for (auto _ : st) {
    const auto& a = vs[i % pool];
    const auto& b = vs[(i + 1) % pool];
    bool less = false, greater = false;
    for (std::size_t k = 0; k < N; ++k) {
      less |= a[k] < b[k];
      greater |= b[k] < a[k];
    }
    const int r = less && greater ? 3 : less ? 1 : greater ? 2 : 0;
    benchmark::DoNotOptimize(r);
    ++i;
  }
}

template <std::size_t N>
void vv_merge_composed(benchmark::State& st) {
  const auto vs = vv_pool<N>();
  rp::version_vector<N> acc;
  std::size_t i = 0;
  for (auto _ : st) {
    acc = vs[i % pool];
    acc.merge(vs[(i + 1) % pool]);
    benchmark::DoNotOptimize(acc);
    ++i;
  }
}

template <std::size_t N>
void vv_merge_handwritten(benchmark::State& st) {
  const auto vs = counter_pool<N>();
  std::array<std::uint64_t, N> acc{};
  std::size_t i = 0;
  for (auto _ : st) {
    acc = vs[i % pool];
    const auto& b = vs[(i + 1) % pool];
    for (std::size_t k = 0; k < N; ++k) acc[k] = acc[k] < b[k] ? b[k] : acc[k];
    benchmark::DoNotOptimize(acc);
    ++i;
  }
}

/// What a runtime-polymorphic version interface costs (one virtual call per operation).
struct version_interface {
  virtual ~version_interface() = default;
  virtual rp::causal_order compare(const version_interface& o) const = 0;
  virtual void merge(const version_interface& o) = 0;
};
template <std::size_t N>
struct virtual_vv final : version_interface {
  rp::version_vector<N> v;
  explicit virtual_vv(const rp::version_vector<N>& x) : v{x} {}
  rp::causal_order compare(const version_interface& o) const override { return v.compare(static_cast<const virtual_vv&>(o).v); }
  void merge(const version_interface& o) override { v.merge(static_cast<const virtual_vv&>(o).v); }
};

template <std::size_t N>
std::vector<std::unique_ptr<version_interface>> virtual_pool() {
  std::vector<std::unique_ptr<version_interface>> vs;
  for (const auto& a : counter_pool<N>()) vs.push_back(std::make_unique<virtual_vv<N>>(rp::version_vector<N>{a}));
  return vs;
}

template <std::size_t N>
void vv_compare_virtual(benchmark::State& st) {
  const auto vs = virtual_pool<N>();
  std::size_t i = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(vs[i % pool]->compare(*vs[(i + 1) % pool]));
    ++i;
  }
}

template <std::size_t N>
void vv_merge_virtual(benchmark::State& st) {
  auto vs = virtual_pool<N>();
  auto acc = virtual_pool<N>();
  std::size_t i = 0;
  for (auto _ : st) {
    acc[i % pool]->merge(*vs[(i + 1) % pool]);
    benchmark::DoNotOptimize(acc[i % pool].get());
    ++i;
  }
}

// ---- dynamic version vector (sparse, sorted) against a dense array -------------------------

template <std::size_t N>
std::vector<rp::version_vector<>> dynamic_pool() {
  std::vector<rp::version_vector<>> vs;
  for (const auto& a : counter_pool<N>()) {
    rp::version_vector<> v;
    for (std::size_t k = 0; k < N; ++k) v.raise(rp::replica_id{static_cast<std::uint32_t>(k)}, a[k]);
    vs.push_back(std::move(v));
  }
  return vs;
}

template <std::size_t N>
void dyn_vv_compare_composed(benchmark::State& st) {
  const auto vs = dynamic_pool<N>();
  std::size_t i = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(vs[i % pool].compare(vs[(i + 1) % pool]));
    ++i;
  }
}

template <std::size_t N>
void dyn_vv_merge_composed(benchmark::State& st) {
  const auto vs = dynamic_pool<N>();
  rp::version_vector<> acc;
  std::size_t i = 0;
  for (auto _ : st) {
    acc = vs[i % pool];
    acc.merge(vs[(i + 1) % pool]);
    benchmark::DoNotOptimize(acc);
    ++i;
  }
}

/// The dynamic vector's baseline: a dense std::vector indexed by replica id (same work, no ids).
template <std::size_t N>
void dyn_vv_merge_handwritten(benchmark::State& st) {
  std::vector<std::vector<std::uint64_t>> vs;
  for (const auto& a : counter_pool<N>()) vs.emplace_back(a.begin(), a.end());
  std::vector<std::uint64_t> acc;
  std::size_t i = 0;
  for (auto _ : st) {
    acc = vs[i % pool];
    const auto& b = vs[(i + 1) % pool];
    for (std::size_t k = 0; k < N; ++k) acc[k] = acc[k] < b[k] ? b[k] : acc[k];
    benchmark::DoNotOptimize(acc.data());
    ++i;
  }
}

template <std::size_t N>
void dyn_vv_compare_handwritten(benchmark::State& st) {
  std::vector<std::vector<std::uint64_t>> vs;
  for (const auto& a : counter_pool<N>()) vs.emplace_back(a.begin(), a.end());
  std::size_t i = 0;
  for (auto _ : st) {
    const auto& a = vs[i % pool];
    const auto& b = vs[(i + 1) % pool];
    bool less = false, greater = false;
    for (std::size_t k = 0; k < N && !(less && greater); ++k) {  // stop once concurrent, as composed does
      less |= a[k] < b[k];
      greater |= b[k] < a[k];
    }
    benchmark::DoNotOptimize(less && greater);
    ++i;
  }
}

// ---- dotted version vectors and DVV sets ----------------------------------------------------

template <std::size_t N>
std::vector<rp::dotted_version_vector> dvv_pool() {
  std::vector<rp::dotted_version_vector> vs;
  const auto ctxs = dynamic_pool<N>();
  for (std::size_t k = 0; k < pool; ++k) {
    const rp::replica_id r{static_cast<std::uint32_t>(k % N)};
    auto v = rp::dotted_version_vector::event(ctxs[k], rp::dot{r, ctxs[k].counter(r) + 1});
    vs.push_back(*v);
  }
  return vs;
}

template <std::size_t N>
void dvv_compare_composed(benchmark::State& st) {
  const auto vs = dvv_pool<N>();
  std::size_t i = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(vs[i % pool].compare(vs[(i + 1) % pool]));
    ++i;
  }
}

template <std::size_t N>
void dvv_merge_composed(benchmark::State& st) {
  const auto vs = dvv_pool<N>();
  rp::dotted_version_vector acc;
  std::size_t i = 0;
  for (auto _ : st) {
    acc = vs[i % pool];
    acc.merge(vs[(i + 1) % pool]);
    benchmark::DoNotOptimize(acc);
    ++i;
  }
}

/// A DVV by hand: dense context array plus one dot; history inclusion both ways.
struct flat_dvv {
  std::vector<std::uint64_t> ctx;
  std::uint32_t dot_id;
  std::uint64_t dot_n;
};
template <std::size_t N>
std::vector<flat_dvv> flat_dvv_pool() {
  std::vector<flat_dvv> vs;
  const auto raw = counter_pool<N>();
  for (std::size_t k = 0; k < pool; ++k)
    vs.push_back({std::vector<std::uint64_t>(raw[k].begin(), raw[k].end()), static_cast<std::uint32_t>(k % N), raw[k][k % N] + 1});
  return vs;
}
inline bool flat_included(const flat_dvv& a, const flat_dvv& b) {
  for (std::size_t k = 0; k < a.ctx.size(); ++k)
    if (a.ctx[k] > b.ctx[k]) return false;
  return a.dot_n <= b.ctx[a.dot_id] || (a.dot_id == b.dot_id && a.dot_n == b.dot_n);
}

template <std::size_t N>
void dvv_compare_handwritten(benchmark::State& st) {
  const auto vs = flat_dvv_pool<N>();
  std::size_t i = 0;
  for (auto _ : st) {
    const auto& a = vs[i % pool];
    const auto& b = vs[(i + 1) % pool];
    const bool le = flat_included(a, b), ge = flat_included(b, a);
    benchmark::DoNotOptimize(le + 2 * ge);
    ++i;
  }
}

template <std::size_t N>
void dvv_merge_handwritten(benchmark::State& st) {
  const auto vs = flat_dvv_pool<N>();
  flat_dvv acc;
  std::size_t i = 0;
  for (auto _ : st) {
    acc = vs[i % pool];
    const auto& b = vs[(i + 1) % pool];
    for (std::size_t k = 0; k < N; ++k) acc.ctx[k] = acc.ctx[k] < b.ctx[k] ? b.ctx[k] : acc.ctx[k];
    for (const flat_dvv* d : {&vs[i % pool], &b})
      if (acc.ctx[d->dot_id] + 1 == d->dot_n) acc.ctx[d->dot_id] = d->dot_n;
    benchmark::DoNotOptimize(acc.ctx.data());
    ++i;
  }
}

template <std::size_t N>
std::vector<rp::dvv_set> dvvset_pool() {
  std::vector<rp::dvv_set> vs;
  for (std::size_t k = 0; k < pool; ++k) {
    rp::dvv_set s;
    for (std::size_t w = 0; w < N; ++w) s.update({}, "v", rp::replica_id{static_cast<std::uint32_t>((w + k) % N)});
    vs.push_back(std::move(s));
  }
  return vs;
}

template <std::size_t N>
void dvvset_merge_composed(benchmark::State& st) {
  const auto vs = dvvset_pool<N>();
  rp::dvv_set acc;
  std::size_t i = 0;
  for (auto _ : st) {
    acc = vs[i % pool];
    acc.merge(vs[(i + 1) % pool]);
    benchmark::DoNotOptimize(acc);
    ++i;
  }
}

/// A DVV set by hand: per replica (n, values) with values in a vector, Riak's sync rule.
struct flat_column {
  std::uint64_t n;
  std::vector<std::string> values;
};
template <std::size_t N>
void dvvset_merge_handwritten(benchmark::State& st) {
  std::vector<std::vector<flat_column>> vs;
  for (const auto& s : dvvset_pool<N>()) {
    std::vector<flat_column> cols(N);
    for (const auto& e : s.entries()) cols[e.id.value()] = {e.n, e.values};
    vs.push_back(std::move(cols));
  }
  std::vector<flat_column> acc;
  std::size_t i = 0;
  for (auto _ : st) {
    acc = vs[i % pool];
    const auto& b = vs[(i + 1) % pool];
    for (std::size_t k = 0; k < N; ++k) {
      auto& m = acc[k];
      const auto& t = b[k];
      const std::uint64_t mo = m.n - m.values.size(), to = t.n - t.values.size();
      if (t.n > m.n) {
        m.values = t.values;
        if (to < mo) m.values.resize(t.n - mo);
        m.n = t.n;
      } else if (mo < to) {
        m.values.resize(m.n - to);
      }
    }
    benchmark::DoNotOptimize(acc.data());
    ++i;
  }
}

template <std::size_t N>
void dvvset_compare_composed(benchmark::State& st) {
  const auto vs = dvvset_pool<N>();
  std::size_t i = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(vs[i % pool].compare(vs[(i + 1) % pool]));
    ++i;
  }
}

template <std::size_t N>
void dvvset_compare_handwritten(benchmark::State& st) {
  std::vector<std::vector<std::uint64_t>> vs;
  for (const auto& s : dvvset_pool<N>()) {
    std::vector<std::uint64_t> ns(N);
    for (const auto& e : s.entries()) ns[e.id.value()] = e.n;
    vs.push_back(std::move(ns));
  }
  std::size_t i = 0;
  for (auto _ : st) {
    const auto& a = vs[i % pool];
    const auto& b = vs[(i + 1) % pool];
    bool less = false, greater = false;
    for (std::size_t k = 0; k < N; ++k) {
      less |= a[k] < b[k];
      greater |= b[k] < a[k];
    }
    benchmark::DoNotOptimize(less && greater);
    ++i;
  }
}

// ---- scalar clocks: fold one stamp from each of N replicas ---------------------------------

template <class Clock, std::size_t N>
std::vector<Clock> stamp_pool() {
  std::vector<Clock> vs;
  for (std::size_t k = 0; k < pool * N; ++k) {
    Clock c{};
    const auto now = rp::local_time{rp::duration{static_cast<std::int64_t>(1000 + rng()() % 64)}};
    for (std::uint64_t s = rng()() % 4; s > 0; --s) (void)c.advance(rp::replica_id{static_cast<std::uint32_t>(k % N)}, now);
    (void)c.advance(rp::replica_id{static_cast<std::uint32_t>(k % N)}, now);
    vs.push_back(c);
  }
  return vs;
}

template <class Clock, std::size_t N>
void clock_merge_composed(benchmark::State& st) {
  const auto vs = stamp_pool<Clock, N>();
  std::size_t i = 0;
  for (auto _ : st) {
    Clock acc{};
    const Clock* base = &vs[(i % pool) * N];
    for (std::size_t k = 0; k < N; ++k) acc.merge(base[k]);
    benchmark::DoNotOptimize(acc);
    ++i;
  }
}

template <class Clock, std::size_t N>
void clock_compare_composed(benchmark::State& st) {
  const auto vs = stamp_pool<Clock, N>();
  std::size_t i = 0;
  for (auto _ : st) {
    int after = 0;
    const Clock* base = &vs[(i % pool) * N];
    for (std::size_t k = 0; k + 1 < N; ++k) after += base[k].compare(base[k + 1]) == rp::causal_order::after;
    benchmark::DoNotOptimize(after);
    ++i;
  }
}

/// The scalar clocks' baseline: the same stamps as plain tuples of integers.
template <class Clock>
auto plain_key(const Clock& c) {
  if constexpr (std::is_same_v<Clock, rp::hybrid_logical_clock>)
    return std::tuple{c.wall(), c.logical(), c.origin().value()};
  else if constexpr (std::is_same_v<Clock, rp::lamport_clock>)
    return std::tuple{c.counter(), c.origin().value()};
  else
    return std::tuple{c.micros(), c.origin().value()};
}

template <class Clock, std::size_t N>
void clock_merge_handwritten(benchmark::State& st) {
  using key = decltype(plain_key(Clock{}));
  std::vector<key> vs;
  for (const auto& c : stamp_pool<Clock, N>()) vs.push_back(plain_key(c));
  std::size_t i = 0;
  for (auto _ : st) {
    key acc{};
    const key* base = &vs[(i % pool) * N];
    for (std::size_t k = 0; k < N; ++k)
      if (acc < base[k]) acc = base[k];
    benchmark::DoNotOptimize(acc);
    ++i;
  }
}

template <class Clock, std::size_t N>
void clock_compare_handwritten(benchmark::State& st) {
  using key = decltype(plain_key(Clock{}));
  std::vector<key> vs;
  for (const auto& c : stamp_pool<Clock, N>()) vs.push_back(plain_key(c));
  std::size_t i = 0;
  for (auto _ : st) {
    int after = 0;
    const key* base = &vs[(i % pool) * N];
    for (std::size_t k = 0; k + 1 < N; ++k) after += base[k + 1] < base[k];
    benchmark::DoNotOptimize(after);
    ++i;
  }
}

template <std::size_t N>
void register_all() {
  const std::string n = "/" + std::to_string(N);
  auto reg = [&](const std::string& name, auto fn) { benchmark::RegisterBenchmark((name + n).c_str(), fn); };
  reg("vv_compare/composed", vv_compare_composed<N>);
  reg("vv_compare/handwritten", vv_compare_handwritten<N>);
  reg("vv_compare/virtual", vv_compare_virtual<N>);
  reg("vv_merge/composed", vv_merge_composed<N>);
  reg("vv_merge/handwritten", vv_merge_handwritten<N>);
  reg("vv_merge/virtual", vv_merge_virtual<N>);
  reg("dyn_vv_compare/composed", dyn_vv_compare_composed<N>);
  reg("dyn_vv_compare/handwritten", dyn_vv_compare_handwritten<N>);
  reg("dyn_vv_merge/composed", dyn_vv_merge_composed<N>);
  reg("dyn_vv_merge/handwritten", dyn_vv_merge_handwritten<N>);
  reg("dvv_compare/composed", dvv_compare_composed<N>);
  reg("dvv_compare/handwritten", dvv_compare_handwritten<N>);
  reg("dvv_merge/composed", dvv_merge_composed<N>);
  reg("dvv_merge/handwritten", dvv_merge_handwritten<N>);
  reg("dvvset_compare/composed", dvvset_compare_composed<N>);
  reg("dvvset_compare/handwritten", dvvset_compare_handwritten<N>);
  reg("dvvset_merge/composed", dvvset_merge_composed<N>);
  reg("dvvset_merge/handwritten", dvvset_merge_handwritten<N>);
  reg("lamport_merge/composed", clock_merge_composed<rp::lamport_clock, N>);
  reg("lamport_merge/handwritten", clock_merge_handwritten<rp::lamport_clock, N>);
  reg("lamport_compare/composed", clock_compare_composed<rp::lamport_clock, N>);
  reg("lamport_compare/handwritten", clock_compare_handwritten<rp::lamport_clock, N>);
  reg("hlc_merge/composed", clock_merge_composed<rp::hybrid_logical_clock, N>);
  reg("hlc_merge/handwritten", clock_merge_handwritten<rp::hybrid_logical_clock, N>);
  reg("hlc_compare/composed", clock_compare_composed<rp::hybrid_logical_clock, N>);
  reg("hlc_compare/handwritten", clock_compare_handwritten<rp::hybrid_logical_clock, N>);
  reg("physical_merge/composed", clock_merge_composed<rp::physical_clock, N>);
  reg("physical_merge/handwritten", clock_merge_handwritten<rp::physical_clock, N>);
  reg("physical_compare/composed", clock_compare_composed<rp::physical_clock, N>);
  reg("physical_compare/handwritten", clock_compare_handwritten<rp::physical_clock, N>);
}

}  // namespace

int main(int argc, char** argv) {
  register_all<3>();
  register_all<8>();
  register_all<16>();
  register_all<64>();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
