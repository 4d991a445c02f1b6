// The power-loss disk (io/power_loss_disk.hpp), the storage tests' fault layer: what survives a
// power cut (synced data under a synced name), what does not (unsynced writes beyond a prefix,
// names whose directory was not synced), torn last writes, and the injected faults (a failed
// sync that later "succeeds" without writing, a full disk, a flipped bit).
#include "../support/seeds.hpp"

#include <replica/io/power_loss_disk.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <string>
#include <vector>

using namespace replica;
using replica::io::open_mode;

namespace {
std::vector<std::byte> text(const std::string& s) {
  std::vector<std::byte> b;
  for (char c : s) b.push_back(static_cast<std::byte>(c));
  return b;
}
std::string read_all(io::power_loss_disk& d, const std::string& path) {
  auto h = d.open(path, open_mode::read);
  REQUIRE(h.ok());
  auto n = d.size(*h);
  REQUIRE(n.ok());
  std::vector<std::byte> out(*n);
  auto got = d.read_at(*h, 0, out);
  REQUIRE(got.ok());
  REQUIRE(d.close(*h).ok());
  return {reinterpret_cast<const char*>(out.data()), *got};
}
}  // namespace

TEST_CASE("power_loss_disk: synced data under a synced name survives, the rest does not", "[io][storage]") {
  io::power_loss_disk d{1};
  REQUIRE(d.make_dir("wal").ok());
  auto f = d.open("wal/a", open_mode::create);
  REQUIRE(f.ok());
  REQUIRE(d.write_at(*f, 0, text("durable")).ok());
  REQUIRE(d.sync(*f).ok());
  REQUIRE(d.sync_dir("wal").ok());
  REQUIRE(d.write_at(*f, 7, text("-volatile")).ok());
  CHECK(read_all(d, "wal/a") == "durable-volatile");  // the cache shows it
  CHECK(d.durable_contents("wal/a") == text("durable"));

  auto g = d.open("wal/b", open_mode::create);  // synced data, unsynced name
  REQUIRE(g.ok());
  REQUIRE(d.write_at(*g, 0, text("orphan")).ok());
  REQUIRE(d.sync(*g).ok());
  CHECK(!d.durable_contents("wal/b"));

  d.power_loss();
  CHECK(!d.write_at(*f, 0, text("x")).ok());  // handles are gone
  const std::string a = read_all(d, "wal/a");
  CHECK(a.rfind("durable", 0) == 0);           // what was synced is there
  CHECK(std::string{"durable-volatile"}.rfind(a, 0) == 0);  // and the rest is a prefix of what was written
  CHECK(!d.open("wal/b", open_mode::read).ok());  // its directory entry was never synced
  auto names = d.list("wal");
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"a"});
}

TEST_CASE("power_loss_disk: unsynced writes survive as a prefix, the last possibly torn", "[io][storage]") {
  std::size_t torn = 0, none = 0, all = 0;
  for (std::uint64_t seed : test::seeds(200)) {
    INFO("seed " << seed << " (replay: REPLICA_SEED=" << seed << ")");
    io::power_loss_disk d{seed};
    auto f = d.open("log", open_mode::create);
    REQUIRE(f.ok());
    REQUIRE(d.sync_dir("").ok());
    const std::string written = "aaaa" "bbbb" "cccc";
    for (int i = 0; i < 3; ++i) REQUIRE(d.write_at(*f, static_cast<std::uint64_t>(4 * i), text(written.substr(4 * static_cast<std::size_t>(i), 4))).ok());
    d.power_loss();
    const std::string after = read_all(d, "log");
    REQUIRE(written.rfind(after, 0) == 0);  // a prefix, never a hole or another byte
    if (after.empty()) ++none;
    else if (after == written) ++all;
    else if (after.size() % 4 != 0) ++torn;
  }
  if (test::seeds(200).size() >= 200) {
    CHECK(none > 0);  // each outcome happens
    CHECK(all > 0);
    CHECK(torn > 0);
  }
}

TEST_CASE("power_loss_disk: rename and remove are durable only with their directory", "[io][storage]") {
  io::power_loss_disk d{3};
  auto f = d.open("snap.tmp", open_mode::create);
  REQUIRE(f.ok());
  REQUIRE(d.write_at(*f, 0, text("state")).ok());
  REQUIRE(d.sync(*f).ok());
  REQUIRE(d.sync_dir("").ok());
  REQUIRE(d.rename("snap.tmp", "snap").ok());
  CHECK(read_all(d, "snap") == "state");
  SECTION("without a directory sync the rename is undone") {
    d.power_loss();
    CHECK(!d.open("snap", open_mode::read).ok());
    CHECK(read_all(d, "snap.tmp") == "state");
  }
  SECTION("with it, the new name is kept") {
    REQUIRE(d.sync_dir("").ok());
    REQUIRE(d.remove("snap").ok());
    d.power_loss();  // the remove was not synced: the file is back
    CHECK(read_all(d, "snap") == "state");
    CHECK(!d.open("snap.tmp", open_mode::read).ok());
  }
}

TEST_CASE("power_loss_disk: a failed sync is never made good by a later one (fsyncgate)", "[io][storage]") {
  io::power_loss_disk d{4};
  auto f = d.open("log", open_mode::create);
  REQUIRE(f.ok());
  REQUIRE(d.sync_dir("").ok());
  REQUIRE(d.write_at(*f, 0, text("acked?")).ok());
  d.fail_next_sync();
  const status first = d.sync(*f);
  CHECK(first.code() == errc::io_failed);
  CHECK(d.sync(*f).ok());                 // the retry "succeeds"...
  CHECK(read_all(d, "log") == "acked?");  // ...and the cache still shows the data...
  CHECK(d.durable_contents("log") == std::vector<std::byte>{});  // ...which the device never got
  d.power_loss();
  CHECK(read_all(d, "log").empty());
}

TEST_CASE("power_loss_disk: a full disk refuses writes and preallocation, a bit can flip", "[io][storage]") {
  io::power_loss_disk d{5};
  d.set_capacity(8);
  auto f = d.open("seg", open_mode::create);
  REQUIRE(f.ok());
  CHECK(d.allocate(*f, 16).code() == errc::no_space);
  REQUIRE(d.allocate(*f, 8).ok());
  CHECK(d.write_at(*f, 4, text("abcd")).ok());  // inside the allocation: no new space
  CHECK(d.write_at(*f, 6, text("xyz")).code() == errc::no_space);
  CHECK(read_all(d, "seg") == std::string("\0\0\0\0abcd", 8));
  REQUIRE(d.sync(*f).ok());
  REQUIRE(d.sync_dir("").ok());
  CHECK(d.flip_bit("seg", 4, 0));
  CHECK(read_all(d, "seg") == std::string("\0\0\0\0`bcd", 8));
  CHECK(!d.flip_bit("seg", 8, 0));
  CHECK(d.syncs() == 1);
  CHECK(d.dir_syncs() == 1);
}
