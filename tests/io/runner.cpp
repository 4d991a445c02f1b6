// The runner (io/runner.hpp) driving three leader-based nodes in one io_context, each with its
// write-ahead log on a power_loss_disk, messages passed through the io_context. At every send,
// what the sender's disk would give back after a power cut is checked against what the message
// claims: a granted vote and an acknowledgement leave only once what they rely on is durable,
// and a leader's appends leave before its own sync (send_before_sync) or after it. Then every
// disk loses power: each acknowledged write is on a majority of the recovered logs.
#include <replica/io/power_loss_disk.hpp>
#include <replica/io/runner.hpp>
#include <replica/io/wal.hpp>
#include <replica/replicator.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

using namespace replica;
namespace asio = boost::asio;

namespace {

using node = leader_based_node<replicator<leader_based, majority, cluster_size<3>>>;
using run_t = io::runner<node, io::power_loss_disk>;
using log_t = io::wal<node, io::power_loss_disk>;

/// Small segments, so that copying a disk at each send (below) is cheap.
io::wal_options small() {
  io::wal_options o;
  o.segment_bytes = 64u << 10;
  return o;
}

/// What `d` would give back after a power cut now (`d` itself is untouched).
node::durable_state durable_of(const io::power_loss_disk& d) {
  io::power_loss_disk after = d;
  after.power_loss();
  node::durable_state s;
  REQUIRE(log_t::open(after, "n", small(), s).ok());
  return s;
}
std::uint64_t last_index(const node::durable_state& s) { return s.snap.index + s.log.size(); }

struct group {
  asio::io_context io;
  std::array<io::power_loss_disk, 3> disks{io::power_loss_disk{1}, io::power_loss_disk{2}, io::power_loss_disk{3}};
  std::vector<std::unique_ptr<run_t>> runs;
  std::vector<client_reply> replies;
  std::vector<std::string> broken;  // contract breaks seen at a send
  std::uint64_t appends_before_sync = 0, appends_after_sync = 0;

  explicit group(bool send_before_sync) {
    for (std::uint32_t i = 0; i < 3; ++i) {
      node::durable_state disk;
      auto log = log_t::open(disks[i], "n", small(), disk);
      REQUIRE(log.ok());
      node::config cfg;
      cfg.seed = i + 1;
      runs.push_back(std::make_unique<run_t>(
          io, replica_id{i}, cfg, std::move(*log), std::move(disk), io::runner_options{.send_before_sync = send_before_sync},
          run_t::sinks{.send = [this, i](envelope<node::message>&& m) { sent(i, std::move(m)); },
                       .reply = [this](client_reply&& r) { replies.push_back(std::move(r)); }}));
    }
    for (auto& r : runs) r->start();
  }

  void sent(std::uint32_t from, envelope<node::message>&& m) {
    const auto& p = m.payload;
    if (const auto* a = std::get_if<node::append_request>(&p); a && !a->entries.empty()) {
      const bool durable = last_index(durable_of(disks[from])) >= a->prev.index.value() + a->entries.size();
      ++(durable ? appends_after_sync : appends_before_sync);
    } else if (const auto* v = std::get_if<node::vote_response>(&p); v && v->granted && !v->pre) {
      const auto s = durable_of(disks[from]);
      if (s.hard.current != m.term || s.hard.voted_for != m.to) broken.push_back("a vote left before it was durable");
    } else if (const auto* r = std::get_if<node::append_response>(&p); r && r->success) {
      if (last_index(durable_of(disks[from])) < r->flushed) broken.push_back("an acknowledgement claims more than the disk holds");
    }
    asio::post(io, [this, m = std::move(m)]() mutable {
      const auto to = m.to.value();
      runs[to]->step(std::move(m));
    });
  }

  /// Runs until `done()` or 10 s; whether `done()` held.
  bool run_until(const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    while (!done() && std::chrono::steady_clock::now() < until) {
      io.restart();
      io.run_for(std::chrono::milliseconds{5});
    }
    return done();
  }
  int leader() const {
    for (int i = 0; i < 3; ++i)
      if (runs[static_cast<std::size_t>(i)]->node().is_leader()) return i;
    return -1;
  }
};

/// Elects a leader, writes `n` values through it in rounds of 5 (so that some rounds share a
/// batch), and returns the keys acknowledged.
std::vector<key_type> write(group& g, int n) {
  REQUIRE(g.run_until([&] { return g.leader() >= 0; }));
  const auto l = static_cast<std::size_t>(g.leader());
  for (int i = 0; i < n; ++i) {
    kv_op op{.kind = op_kind::write, .key = static_cast<key_type>(i), .value = 100 + i};
    g.runs[l]->submit(client_request<kv_op>{client_id{1}, request_id{static_cast<std::uint64_t>(i + 1)}, op});
    if (i % 5 == 4) REQUIRE(g.run_until([&] { return g.replies.size() == static_cast<std::size_t>(i + 1); }));
  }
  REQUIRE(g.run_until([&] { return g.replies.size() == static_cast<std::size_t>(n); }));
  std::vector<key_type> acked;
  for (const auto& r : g.replies)
    if (r.status == reply_status::ok) acked.push_back(static_cast<key_type>(r.id.value() - 1));
  return acked;
}

/// How many of the three disks, after a power cut, hold a write of `key`.
int copies(const group& g, key_type key) {
  int n = 0;
  for (const auto& d : g.disks) {
    const auto s = durable_of(d);
    for (const auto& e : s.log)
      if (!e.is_noop && e.op.key == key && e.op.kind == op_kind::write) {
        ++n;
        break;
      }
  }
  return n;
}

}  // namespace

TEST_CASE("runner: a leader's appends leave before its own sync; votes and acknowledgements after theirs", "[io][net]") {
  for (const bool send_first : {true, false}) {
    INFO("send_before_sync = " << send_first);
    group g{send_first};
    const auto acked = write(g, 20);
    INFO("first reply: status " << static_cast<int>(g.replies.front().status));
    INFO("first reply: status " << static_cast<int>(g.replies.front().status) << " error "
                                << (g.replies.front().error ? static_cast<int>(*g.replies.front().error) : -1));
    REQUIRE(acked.size() == 20);  // every write done (no leader change in this quiet run)
    CHECK(g.broken.empty());
    if (send_first) {
      CHECK(g.appends_before_sync > 0);  // the follower got entries the leader had not yet synced
      CHECK(g.runs[static_cast<std::size_t>(g.leader())]->stats().early_sent > 0);
    } else {
      CHECK(g.appends_before_sync == 0);
      CHECK(g.appends_after_sync > 0);
    }
    for (const key_type k : acked) CHECK(copies(g, k) >= 2);  // on a majority of disks after a power cut
  }
}

TEST_CASE("runner: on the real file system checkpoints are written beside the loop, and the log recovers through them",
          "[io][storage]") {
  // posix_file_system is thread_safe, so the runner writes each checkpoint's file on a thread
  // of its own while the loop goes on (a checkpoint every 4 KiB of records here, and one for
  // each compaction, which is not written as a record). After the runners are gone, every
  // node's log recovers from its newest snapshot plus the records after it, to the disk the
  // runner kept.
  namespace fs = std::filesystem;
  static_assert(io::thread_safe_file_system<io::posix_file_system>);
  static_assert(!io::thread_safe_file_system<io::power_loss_disk>);
  using real_run = io::runner<node>;
  using real_log = io::wal<node>;
  const fs::path dir = fs::current_path() / "runner_checkpoint_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  io::posix_file_system files;
  io::wal_options o;
  o.segment_bytes = 16u << 10;
  o.checkpoint_bytes = 4u << 10;
  asio::io_context io;
  std::vector<std::unique_ptr<real_run>> runs;
  std::size_t replies = 0;
  for (std::uint32_t i = 0; i < 3; ++i) {
    node::durable_state disk;
    auto log = real_log::open(files, (dir / std::to_string(i)).string(), o, disk);
    REQUIRE(log.ok());
    node::config cfg;
    cfg.seed = i + 1;
    cfg.compact_every = 40;  // compactions too: each restates the disk, so it starts a checkpoint instead of a record
    cfg.compact_keep = 10;
    runs.push_back(std::make_unique<real_run>(
        io, replica_id{i}, cfg, std::move(*log), std::move(disk), io::runner_options{},
        real_run::sinks{.send = [&](envelope<node::message>&& m) {
                          asio::post(io, [&, m = std::move(m)]() mutable { runs[m.to.value()]->step(std::move(m)); });
                        },
                        .reply = [&](client_reply&& r) { replies += r.status == reply_status::ok; }}));
  }
  for (auto& r : runs) r->start();
  auto run_until = [&](const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{20};
    while (!done() && std::chrono::steady_clock::now() < until) {
      io.restart();
      io.run_for(std::chrono::milliseconds{5});
    }
    return done();
  };
  auto leader = [&] {
    for (std::size_t i = 0; i < 3; ++i)
      if (runs[i]->node().is_leader()) return static_cast<int>(i);
    return -1;
  };
  REQUIRE(run_until([&] { return leader() >= 0; }));
  const auto l = static_cast<std::size_t>(leader());
  constexpr int writes = 400;
  for (int i = 0; i < writes; ++i) {
    kv_op op{.kind = op_kind::write, .key = static_cast<key_type>(i % 50), .value = i};
    runs[l]->submit(client_request<kv_op>{client_id{1}, request_id{static_cast<std::uint64_t>(i + 1)}, op});
    if (i % 10 == 9) REQUIRE(run_until([&] { return replies == static_cast<std::size_t>(i + 1); }));
  }
  REQUIRE(replies == static_cast<std::size_t>(writes));
  // Let the followers catch up and the last checkpoints finish.
  REQUIRE(run_until([&] {
    for (auto& r : runs)
      if (r->node().commit_index() < runs[l]->node().commit_index()) return false;
    return true;
  }));
  io.restart();
  io.run_for(std::chrono::milliseconds{200});
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("node " << i);
    CHECK(runs[i]->stats().checkpoints >= 3);
    CHECK(runs[i]->stats().deferred >= 3);
  }
  std::vector<node::durable_state> kept;
  for (auto& r : runs) kept.push_back(r->disk());
  runs.clear();  // joins any checkpoint still being written
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("node " << i);
    node::durable_state back;
    io::wal_recovery report;
    REQUIRE(real_log::open(files, (dir / std::to_string(i)).string(), o, back, &report).ok());
    CHECK(report.snapshot_sequence > 0);
    // A compaction made after the last checkpoint began is not on the disk: recovery gives the
    // longer log it restates, and folding it gives exactly the runner's disk.
    if (back.snap.index != kept[i].snap.index) {
      REQUIRE(back.snap.index < kept[i].snap.index);
      const node::persist_entry fold{kept[i].snap};
      REQUIRE(node::restates(back, fold));
      node::persist(back, fold);
    }
    CHECK(back == kept[i]);
  }
  fs::remove_all(dir);
}
