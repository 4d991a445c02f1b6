// wal_write: the write-ahead log (io/wal.hpp) appending a leader's persist entries for a batch
// of client writes (one log_write of `batch` entries of 256 B) and making them durable with one
// fdatasync, on the real file system of the current directory (scratch files in
// ./wal_bench.tmp, removed afterwards). Baselines in the same run, on the same file system:
// - `floor`: a loop of pwrite of the same number of bytes at increasing offsets of a
//   preallocated file, then fdatasync (the physical floor of a durable append); like the log
//   (wal_options::zero_ahead), a write that passes the part of the file already written carries
//   zeros to the next 256 KiB boundary, so that both sync data onto written blocks;
// - `composed_nosync` and `floor_nosync`: the same two without the sync, where the log's own
//   cost (encoding, framing, CRC-32C, segment rolls) shows.
// Name: wal_write/<variant>/<batch>. Reports entries per second.
//
// crc32c/<loop>/<bytes>: the checksum framing every record, by each loop this CPU has
// (io/crc32c.hpp: `table`, the crc32 `instruction` in three streams, `folded` by carry-less
// multiplication), against a `memcpy` of the same bytes. Reports bytes per second.
#include <replica/commit/majority.hpp>
#include <replica/io/crc32c.hpp>
#include <replica/io/file_system.hpp>
#include <replica/io/wal.hpp>
#include <replica/replicator.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

using namespace replica;

namespace {

using node = leader_based_node<replicator<leader_based, majority, cluster_size<3>>>;
namespace fs = std::filesystem;

const fs::path scratch = fs::current_path() / "wal_bench.tmp";

/// A leader's persist entry for `batch` client writes of 256 B starting at `first`.
node::persist_entry log_write(std::uint64_t first, std::size_t batch, const payload& body) {
  using entry = decltype(node::durable_state::log)::value_type;
  std::vector<entry> es;
  es.reserve(batch);
  for (std::size_t i = 0; i < batch; ++i)
    es.push_back({.term = term{2}, .index = first + i, .op = kv_op{op_kind::write, static_cast<key_type>(i), 7, 0, body}});
  return std::variant_alternative_t<1, node::persist_entry>{.from = first, .entries = std::move(es)};
}

void composed(benchmark::State& state, bool sync) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  fs::remove_all(scratch);
  io::posix_file_system files;
  io::wal_options o;
  o.unsafe_no_sync = !sync;
  node::durable_state empty;
  auto log = io::wal<node>::open(files, scratch.string(), o, empty);
  if (!log) {
    state.SkipWithError("wal: open failed");
    return;
  }
  // The node makes the entries; the log's work starts at append. (Made before the loop and
  // reused: the log only encodes them, and pausing the timer costs more than a small append.)
  const payload body = payload::filled(256, std::byte{0x2a});
  std::vector<std::vector<node::persist_entry>> made;
  for (std::uint64_t k = 0; k < 8; ++k) made.push_back({log_write(1 + k * batch, batch, body)});
  std::size_t k = 0;
  for (auto _ : state) {
    if (!log->append(made[k++ % made.size()]).ok() || !log->prepare_next().ok()) {
      state.SkipWithError("wal: append failed");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
  fs::remove_all(scratch);
}

void floor(benchmark::State& state, bool sync) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  io::posix_file_system files;
  // The bytes the log writes for the same batch: the record of one encoded log_write.
  const payload body = payload::filled(256, std::byte{0x2a});
  const std::size_t bytes = ((io::encode(log_write(1, batch, body)).size() + 7) & ~std::size_t{7}) + 16;
  const std::vector<std::byte> buf(bytes, std::byte{0x2a});
  // Fresh preallocated space, as the log writes: a new 64 MiB file (created, allocated,
  // synced, its directory synced) whenever one is full, as the log rolls its segments.
  const std::uint64_t file_bytes = 64u << 20;
  int files_made = 0;
  io::file_handle f{};
  auto next_file = [&] {
    if (files_made > 0) (void)files.close(f);
    auto h = files.open((scratch / ("floor-" + std::to_string(files_made++))).string(), io::open_mode::create);
    if (!h || !files.allocate(*h, file_bytes).ok() || !files.sync(*h).ok() || !files.sync_dir(scratch.string()).ok()) return false;
    f = *h;
    return true;
  };
  if (!next_file()) {
    state.SkipWithError("floor: setup failed");
    return;
  }
  const std::uint64_t ahead = io::wal_options{}.zero_ahead;
  std::vector<std::byte> with_zeros;
  std::uint64_t at = 0, zeroed = 0;
  for (auto _ : state) {
    if (at + bytes > file_bytes) {
      if (!next_file()) {
        state.SkipWithError("floor: a new file failed");
        break;
      }
      at = zeroed = 0;
    }
    std::span<const std::byte> w{buf};
    if (ahead > 0 && at + bytes > zeroed) {
      zeroed = std::min(file_bytes, (at + bytes) / ahead * ahead + ahead);
      with_zeros.assign(buf.begin(), buf.end());
      with_zeros.resize(zeroed - at, std::byte{0});
      w = with_zeros;
    }
    if (!files.write_at(f, at, w).ok() || (sync && !files.sync(f).ok())) {
      state.SkipWithError("floor: write failed");
      break;
    }
    at += bytes;
  }
  (void)files.close(f);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
  fs::remove_all(scratch);
}

enum class loop { table, instruction, folded, copy };

void checksum(benchmark::State& state, loop which) {
  namespace d = io::crc32c_detail;
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<unsigned char> in(n), out(n);
  for (std::size_t i = 0; i < n; ++i) in[i] = static_cast<unsigned char>(i * 131 + 7);
#ifdef REPLICA_CRC32C_HARDWARE
  if ((which == loop::instruction && !d::has_sse42()) || (which == loop::folded && !d::has_vpclmul())) {
    state.SkipWithError("this CPU does not have that loop");
    return;
  }
#else
  if (which == loop::instruction || which == loop::folded) {
    state.SkipWithError("not an x86-64 build");
    return;
  }
#endif
  std::uint32_t c = 0;
  for (auto _ : state) {
    switch (which) {
      case loop::table: c = d::update_portable(c, in.data(), n); break;
#ifdef REPLICA_CRC32C_HARDWARE
      case loop::instruction: c = d::update_sse42(c, in.data(), n); break;
      case loop::folded: c = d::update_vpclmul(c, in.data(), n); break;
#endif
      case loop::copy: std::memcpy(out.data(), in.data(), n); benchmark::ClobberMemory(); break;
      default: break;
    }
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

}  // namespace

BENCHMARK_CAPTURE(checksum, table, loop::table)->Name("crc32c/table")->Arg(1024)->Arg(82 * 1024);
BENCHMARK_CAPTURE(checksum, instruction, loop::instruction)->Name("crc32c/instruction")->Arg(1024)->Arg(82 * 1024);
BENCHMARK_CAPTURE(checksum, folded, loop::folded)->Name("crc32c/folded")->Arg(1024)->Arg(82 * 1024);
BENCHMARK_CAPTURE(checksum, copy, loop::copy)->Name("crc32c/memcpy")->Arg(1024)->Arg(82 * 1024);
BENCHMARK_CAPTURE(composed, sync, true)->Name("wal_write/composed")->Arg(1)->Arg(16)->Arg(64)->Arg(256)->UseRealTime();
BENCHMARK_CAPTURE(floor, sync, true)->Name("wal_write/floor")->Arg(1)->Arg(16)->Arg(64)->Arg(256)->UseRealTime();
BENCHMARK_CAPTURE(composed, nosync, false)->Name("wal_write/composed_nosync")->Arg(1)->Arg(16)->Arg(64)->Arg(256)->UseRealTime();
BENCHMARK_CAPTURE(floor, nosync, false)->Name("wal_write/floor_nosync")->Arg(1)->Arg(16)->Arg(64)->Arg(256)->UseRealTime();

BENCHMARK_MAIN();
