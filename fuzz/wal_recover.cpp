// libFuzzer target: write-ahead-log recovery (io/wal.hpp) over arbitrary directory contents, on
// the in-memory disk (io/power_loss_disk.hpp). The input describes a directory:
//
//   [mode][node] then up to 6 files, each [name][pad][len: u16 LE][len bytes]
//
// - node (mod 3) picks whose log it is: a leader-based register node, a leaderless node with
//   dotted version vectors, a multi-leader OR-Set node (their persist entries differ);
// - name picks the file name: a segment numbered 0-7 (`wal-%016x.log`), or a name recovery must
//   ignore, or one that looks like a segment but is not hex, or the largest segment number, or a
//   snapshot after record 1, 3 or 6 (`snap-%016x.bin`), or a checkpoint's temporary file;
// - each file holds its bytes, then zeros up to pad * 256 bytes (a preallocated segment);
// - mode bit 0 ("framed"): the bytes are not the file but records' payloads, each
//   [plen: u8][plen bytes], framed by the harness with valid CRCs and sequence numbers (mode
//   bit 1: one sequence number skipped), so that the decoder and the replay see arbitrary
//   payloads behind checksums that hold; a snapshot's bytes are its body, sealed with a valid
//   header (`wal::encode_snapshot`).
//
// Any input must open (the recovered state) or be refused with an error: never a crash, an
// exception, a hang or undefined behaviour (ASan and UBSan watch). Two oracles abort:
// - a refusal changes nothing on the disk (every file's bytes and the directory as they were);
// - a log that opened opens again to the same state, with no torn tail left (recovery cut it).
//   build/clang/fuzz/fuzz_wal_recover -max_total_time=60 CORPUS_COPY   (scripts/fuzz)
#include "../tests/support/arbitrary.hpp"

#include <replica/commit/majority.hpp>
#include <replica/crdt/or_set.hpp>
#include <replica/io/codec.hpp>
#include <replica/io/power_loss_disk.hpp>
#include <replica/io/wal.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/crdt_merge.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/topology/multi_leader.hpp>
#include <replica/topology/multi_leader_node.hpp>
#include <replica/versioning/dotted_version_vector.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace {

using namespace replica;
using lb = leader_based_node<replicator<leader_based, majority, cluster_size<3>>>;
using ll = leaderless_node<replicator<leaderless<n<3>, w<2>, r<2>>, keep_siblings, dotted_version_vector>>;
using ml = multi_leader_node<replicator<multi_leader, crdt_merge>, or_set<value_type>>;
using nodes = std::tuple<lb, ll, ml>;

const std::string dir = "wal";

constexpr std::uint8_t name_kinds = 15;
/// The sequence number a snapshot name carries (0: not a snapshot's name).
std::uint64_t snapshot_of(std::uint8_t sel) {
  switch (sel % name_kinds) {
    case 11: return 1;
    case 12: return 3;
    case 13: return 6;
    default: return 0;
  }
}
std::string file_name(std::uint8_t sel) {
  char name[40];
  switch (sel % name_kinds) {
    case 8: return "notes.txt";
    case 9: return "wal-zzzzzzzzzzzzzzzz.log";  // a segment's shape, not its number
    case 10: return "wal-ffffffffffffffff.log";
    case 11:
    case 12:
    case 13: std::snprintf(name, sizeof name, "snap-%016llx.bin", static_cast<unsigned long long>(snapshot_of(sel))); return name;
    case 14: return "snap-0000000000000002.tmp";
    default: std::snprintf(name, sizeof name, "wal-%016x.log", static_cast<unsigned>(sel % name_kinds)); return name;
  }
}

/// Reads the input into files of the directory.
template <class Node>
std::map<std::string, std::vector<std::byte>> files_of(std::span<const std::uint8_t> in, bool framed, bool skip) {
  using log = io::wal<Node, io::power_loss_disk>;
  std::map<std::string, std::vector<std::byte>> files;
  std::uint64_t seq = 1;
  for (int f = 0; f < 6 && in.size() >= 4; ++f) {
    const std::uint8_t in_name = in[0];
    const std::string name = file_name(in_name);
    const std::size_t pad = std::size_t{in[1]} * 256;
    const std::size_t len = std::min<std::size_t>(in.size() - 4, std::size_t{in[2]} | std::size_t{in[3]} << 8);
    const auto body = in.subspan(4, len);
    in = in.subspan(4 + len);
    std::vector<std::byte> bytes;
    if (framed && snapshot_of(in_name) != 0) {
      log::encode_snapshot(snapshot_of(in_name), std::as_bytes(body), bytes);
    } else if (!framed) {
      bytes.assign(reinterpret_cast<const std::byte*>(body.data()), reinterpret_cast<const std::byte*>(body.data()) + body.size());
    } else {
      for (std::size_t at = 0; at < body.size();) {
        const std::size_t plen = std::min<std::size_t>(body[at], body.size() - at - 1);
        log::encode_record(seq, std::as_bytes(body.subspan(at + 1, plen)), bytes);
        seq += skip && seq == 2 ? 2 : 1;
        at += 1 + plen;
      }
    }
    if (bytes.size() < pad) bytes.resize(pad);
    files[name] = std::move(bytes);
  }
  return files;
}

template <class Node>
void check(std::span<const std::uint8_t> in, bool framed, bool skip) {
  using log = io::wal<Node, io::power_loss_disk>;
  io::power_loss_disk disk;
  (void)disk.make_dir(dir);
  const auto files = files_of<Node>(in, framed, skip);
  for (const auto& [name, bytes] : files) {
    auto h = disk.open(dir + "/" + name, io::open_mode::create);
    if (!h || !disk.write_at(*h, 0, bytes) || !disk.sync(*h) || !disk.close(*h)) std::abort();
  }
  if (!disk.sync_dir(dir)) std::abort();
  auto contents = [&] {
    std::map<std::string, std::optional<std::vector<std::byte>>> now;
    const auto names = disk.list(dir);  // (kept: a range-for over *disk.list(dir) would dangle)
    for (const auto& n : *names) now[n] = disk.durable_contents(dir + "/" + n);
    return now;
  };
  const auto before = contents();

  typename Node::durable_state state;
  io::wal_recovery found;
  io::wal_corruption why;
  std::optional<typename Node::durable_state> recovered;
  {
    auto w = log::open(disk, dir, {}, state, &found, &why);
    if (!w) {
      if (contents() != before) std::abort();  // a refusal wrote something
      if (why.message().empty()) std::abort();
      return;
    }
    recovered = state;
  }
  typename Node::durable_state again;
  io::wal_recovery found_again;
  auto w = log::open(disk, dir, {}, again, &found_again);
  if (!w || again != *recovered || found_again.records != found.records || found_again.torn_file) std::abort();
}

template <std::size_t... I>
void dispatch(std::size_t which, std::span<const std::uint8_t> in, bool framed, bool skip, std::index_sequence<I...>) {
  (void)((which == I ? (check<std::tuple_element_t<I, nodes>>(in, framed, skip), true) : false) || ...);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  dispatch(data[1] % std::tuple_size_v<nodes>, std::span{data + 2, size - 2}, (data[0] & 1) != 0, (data[0] & 2) != 0,
           std::make_index_sequence<std::tuple_size_v<nodes>>{});
  return 0;
}

/// Seed inputs: for each node type, real logs (batches of arbitrary persist entries written by
/// the log itself, including a segment roll) as raw files, with the preallocated zeros turned
/// into `pad`; and the same entries' encodings as framed payloads.
std::vector<std::vector<std::byte>> replica_fuzz_seeds() {
  std::vector<std::vector<std::byte>> out;
  std::mt19937_64 g{20261205};
  auto put_file = [](std::vector<std::byte>& b, std::uint8_t name, std::span<const std::byte> bytes, std::size_t padded) {
    const std::size_t len = std::min<std::size_t>(bytes.size(), 0xffff);
    b.push_back(std::byte{name});
    b.push_back(static_cast<std::byte>(std::min<std::size_t>((padded + 255) / 256, 255)));
    b.push_back(static_cast<std::byte>(len & 0xff));
    b.push_back(static_cast<std::byte>(len >> 8));
    b.insert(b.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
  };
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (..., [&] {
      using Node = std::tuple_element_t<I, nodes>;
      using log = io::wal<Node, io::power_loss_disk>;
      for (int k = 0; k < 2; ++k) {
        // Raw: what the log wrote, trailing zeros of segments cut (the pad restores them). The
        // second log is checkpointed after its third batch (record 6: a snapshot name 13 names).
        io::power_loss_disk disk;
        typename Node::durable_state st, mirror;
        io::wal_options o;
        o.segment_bytes = 4096;
        {
          auto w = log::open(disk, dir, o, st);
          if (!w) std::abort();
          for (int b = 0; b < 3 + k; ++b) {
            std::vector<typename Node::persist_entry> batch;
            for (int e = 0; e < 2; ++e) batch.push_back(test::arbitrary<typename Node::persist_entry>(g));
            if (!w->append(batch)) std::abort();
            for (const auto& e : batch) Node::persist(mirror, e);
            if (k == 1 && b == 2 && !w->checkpoint(mirror)) std::abort();
          }
        }
        std::vector<std::byte> raw{std::byte{0}, static_cast<std::byte>(I)};
        const auto listed = disk.list(dir);
        for (const auto& n : *listed) {
          const auto bytes = *disk.durable_contents(dir + "/" + n);
          if (n.rfind("snap-", 0) == 0) {
            put_file(raw, 13, bytes, 0);
            continue;
          }
          std::size_t used = bytes.size();
          while (used > 0 && bytes[used - 1] == std::byte{0}) --used;
          used = (used + 7) & ~std::size_t{7};
          const auto number = std::stoull(n.substr(4, 16), nullptr, 16);
          put_file(raw, static_cast<std::uint8_t>(number), std::span{bytes}.first(std::min(used, bytes.size())), bytes.size());
        }
        out.push_back(std::move(raw));
        // Framed: the entries' encodings as payloads (those that fit a one-byte length); the
        // second after a snapshot of an arbitrary state at record 6.
        std::vector<std::byte> framed{std::byte{1}, static_cast<std::byte>(I)};
        if (k == 1) put_file(framed, 13, io::encode(test::arbitrary<typename Node::durable_state>(g)), 0);
        std::vector<std::byte> body;
        for (int e = 0; e < 4 + 4 * k; ++e) {
          const auto enc = io::encode(test::arbitrary<typename Node::persist_entry>(g));
          if (enc.size() > 255) continue;
          body.push_back(static_cast<std::byte>(enc.size()));
          body.insert(body.end(), enc.begin(), enc.end());
        }
        put_file(framed, 1, body, 0);
        out.push_back(std::move(framed));
      }
    }());
  }(std::make_index_sequence<std::tuple_size_v<nodes>>{});
  return out;
}
