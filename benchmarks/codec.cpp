// codec: encoding and decoding one message of each common kind with the library's codec
// (io/codec.hpp), against `floor`, a memcpy of the same number of bytes into a buffer reused
// every iteration. Encoding includes sizing the value and growing a reused output vector;
// decoding includes every bounds and invariant check and building the value (entry batches,
// payload copies, sibling lists: the allocations a real receiver makes).
// Name: codec_<encode|decode>/<variant>/<kind>. Reports bytes per second of encoded output.
#include <replica/commit/majority.hpp>
#include <replica/data/kv_register.hpp>
#include <replica/io/codec.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/topology/multi_leader.hpp>
#include <replica/topology/multi_leader_node.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <vector>

using namespace replica;

namespace {

using raft = leader_based_node<replicator<leader_based, majority, cluster_size<3>>>;
using dynamo = leaderless_node<replicator<leaderless<n<3>, w<2>, r<2>>, keep_siblings, dotted_version_vector>>;
using regions = multi_leader_node<replicator<multi_leader, last_write_wins, hybrid_logical_clock>>;

raft::message append(std::size_t entries) {
  std::variant_alternative_t<2, raft::message> a;
  a.prev = {term{3}, log_index{100}};
  a.commit = 99;
  std::vector<typename decltype(a.entries)::value_type> es;
  const payload body = payload::filled(256, std::byte{0x2a});
  for (std::size_t i = 0; i < entries; ++i)
    es.push_back({.term = term{3}, .index = 101 + i, .op = kv_op{op_kind::write, static_cast<key_type>(i), 7, 0, body}});
  a.entries = std::move(es);
  return a;
}
raft::message append_response() {
  return std::variant_alternative_t<3, raft::message>{.success = true, .received = 164, .flushed = 164, .applied = 100};
}
raft::message vote_response() { return std::variant_alternative_t<1, raft::message>{false, true}; }
dynamo::message leaderless_put() {
  dynamo::versioned a, b;
  dotted_version_vector va, vb;
  (void)va.advance(replica_id{0});
  (void)vb.advance(replica_id{1});
  a.version = va;
  a.value = 1;
  b.version = vb;
  b.value = 2;
  std::variant_alternative_t<0, dynamo::message> p;
  p.req = 17;
  p.key = 5;
  p.versions.push_back(a);
  p.versions.push_back(b);
  return p;
}
regions::message ship(std::size_t changes) {
  std::variant_alternative_t<0, regions::message> s;
  for (std::size_t i = 0; i < changes; ++i) {
    regions::change c;
    c.origin = replica_id{1};
    c.seq = 40 + i;
    c.key = static_cast<key_type>(i);
    c.delta.write(replica_id{1}, local_time{std::chrono::microseconds{1000 + static_cast<std::int64_t>(i)}}, std::optional<value_type>{static_cast<value_type>(i)});
    c.deps.raise(replica_id{0}, 12);
    c.deps.raise(replica_id{1}, 39 + i);
    s.changes.push_back(c);
  }
  return s;
}

template <class M>
void encode(benchmark::State& state, M m) {
  std::vector<std::byte> out;
  for (auto _ : state) {
    out.clear();
    if (!io::encode_to(m, out)) state.SkipWithError("encode failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
template <class M>
void decode(benchmark::State& state, M m) {
  const std::vector<std::byte> bytes = io::encode(m);
  for (auto _ : state) {
    auto back = io::decode<M>(bytes);
    if (!back) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(back);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
template <class M>
void copy_floor(benchmark::State& state, M m) {
  const std::vector<std::byte> bytes = io::encode(m);
  std::vector<std::byte> out(bytes.size());
  for (auto _ : state) {
    benchmark::DoNotOptimize(bytes.data());
    std::memcpy(out.data(), bytes.data(), bytes.size());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}

template <class M>
void register_kind(const char* kind, M m) {
  char name[128];
  std::snprintf(name, sizeof name, "codec_encode/composed/%s", kind);
  benchmark::RegisterBenchmark(name, [m](benchmark::State& s) { encode(s, m); });
  std::snprintf(name, sizeof name, "codec_encode/floor/%s", kind);
  benchmark::RegisterBenchmark(name, [m](benchmark::State& s) { copy_floor(s, m); });
  std::snprintf(name, sizeof name, "codec_decode/composed/%s", kind);
  benchmark::RegisterBenchmark(name, [m](benchmark::State& s) { decode(s, m); });
  std::snprintf(name, sizeof name, "codec_decode/floor/%s", kind);
  benchmark::RegisterBenchmark(name, [m](benchmark::State& s) { copy_floor(s, m); });
}

}  // namespace

int main(int argc, char** argv) {
  register_kind("vote_response", vote_response());
  register_kind("append_response", append_response());
  register_kind("append_1x256B", append(1));
  register_kind("append_64x256B", append(64));
  register_kind("leaderless_put_2_siblings", leaderless_put());
  register_kind("multi_leader_ship_16", ship(16));
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
