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
#include <replica/commit/asynchronous.hpp>
#include <replica/data/kv_store.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

using namespace replica;
namespace asio = boost::asio;

namespace {

using node = leader_based_node<replicator<leader_based, majority, cluster_size<3>>>;
/// Acknowledges a write once its leader has written it (the lab's failover loser).
using async_node = leader_based_node<replicator<leader_based, asynchronous, cluster_size<3>>>;
template <class Node>
using run_of = io::runner<Node, io::power_loss_disk>;
template <class Node>
using log_of = io::wal<Node, io::power_loss_disk>;
using run_t = run_of<node>;
using log_t = log_of<node>;

/// Small segments, so that copying a disk at each send (below) is cheap.
io::wal_options small() {
  io::wal_options o;
  o.segment_bytes = 64u << 10;
  return o;
}

/// What `d` would give back after a power cut now (`d` itself is untouched).
template <class Node = node>
typename Node::durable_state durable_of(const io::power_loss_disk& d) {
  io::power_loss_disk after = d;
  after.power_loss();
  typename Node::durable_state s;
  REQUIRE(log_of<Node>::open(after, "n", small(), s).ok());
  return s;
}
template <class State>
std::uint64_t last_index(const State& s) { return s.snap.index + s.log.size(); }

template <class Node>
struct basic_group {
  asio::io_context io;
  std::array<io::power_loss_disk, 3> disks{io::power_loss_disk{1}, io::power_loss_disk{2}, io::power_loss_disk{3}};
  std::vector<std::unique_ptr<run_of<Node>>> runs;
  std::vector<client_reply> replies;
  std::vector<std::string> broken;  // contract breaks seen at a send or a reply
  std::uint64_t appends_before_sync = 0, appends_after_sync = 0;
  /// Called before each message is posted to its receiver, with the receiver's id.
  std::function<void(std::uint32_t)> before_step;

  explicit basic_group(io::runner_options o) {
    for (std::uint32_t i = 0; i < 3; ++i) {
      typename Node::durable_state disk;
      auto log = log_of<Node>::open(disks[i], "n", small(), disk);
      REQUIRE(log.ok());
      typename Node::config cfg;
      cfg.seed = i + 1;
      runs.push_back(std::make_unique<run_of<Node>>(
          io, replica_id{i}, cfg, std::move(*log), std::move(disk), o,
          typename run_of<Node>::sinks{.send = [this, i](envelope<typename Node::message>&& m) { sent(i, std::move(m)); },
                                       .reply = [this, i](client_reply&& r) { replied(i, std::move(r)); }}));
    }
    for (auto& r : runs) r->start();
  }

  void sent(std::uint32_t from, envelope<typename Node::message>&& m) {
    const auto& p = m.payload;
    if (const auto* a = std::get_if<typename Node::append_request>(&p); a && !a->entries.empty()) {
      const bool durable = last_index(durable_of<Node>(disks[from])) >= a->prev.index.value() + a->entries.size();
      ++(durable ? appends_after_sync : appends_before_sync);
    } else if (const auto* v = std::get_if<typename Node::vote_response>(&p); v && v->granted && !v->pre) {
      const auto s = durable_of<Node>(disks[from]);
      if (s.hard.current != m.term || s.hard.voted_for != m.to) broken.push_back("a vote left before it was durable");
    } else if (const auto* r = std::get_if<typename Node::append_response>(&p); r && r->success) {
      if (last_index(durable_of<Node>(disks[from])) < r->flushed) broken.push_back("an acknowledgement claims more than the disk holds");
    }
    if (before_step) before_step(m.to.value());
    asio::post(io, [this, m = std::move(m)]() mutable {
      const auto to = m.to.value();
      runs[to]->step(std::move(m));
    });
  }

  /// An acknowledged write is, at the moment its reply leaves, where the commit mode promised:
  /// on a majority of the disks after a power cut (majority), or on its leader's (asynchronous).
  void replied(std::uint32_t at, client_reply&& r) {
    if (r.status == reply_status::ok && r.token) {
      int holding = 0;
      for (const auto& d : disks) holding += last_index(durable_of<Node>(d)) >= *r.token ? 1 : 0;
      const bool own = last_index(durable_of<Node>(disks[at])) >= *r.token;
      if (!own || (std::is_same_v<Node, node> && holding < 2))
        broken.push_back("a write acknowledged before its commit mode's copies were durable (index " + std::to_string(*r.token) + ")");
    }
    replies.push_back(std::move(r));
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
using group = basic_group<node>;

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

TEST_CASE("runner: a leader's appends leave before its own sync, votes and acknowledgements after theirs", "[io][net]") {
  for (const auto& [send_first, beside] : {std::pair{true, true}, {true, false}, {false, true}, {false, false}}) {
    INFO("send_before_sync = " << send_first << ", write_beside_loop = " << beside);
    group g{io::runner_options{.send_before_sync = send_first, .write_beside_loop = beside}};
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

/// Writes that arrive with the followers' answers: each answer delivered to the leader is
/// preceded by a new write, so that the batch stepping an answer (which commits, and replies)
/// also appends (and syncs) the new write. Returns how many of `total` were acknowledged.
template <class Node>
std::size_t riding_writes(basic_group<Node>& g, int total) {
  REQUIRE(g.run_until([&] { return g.leader() >= 0; }));
  const auto l = static_cast<std::uint32_t>(g.leader());
  int submitted = 0;
  auto submit = [&g, &submitted, l] {
    ++submitted;
    kv_op op{.kind = op_kind::write, .key = static_cast<key_type>(submitted), .value = submitted};
    client_request<kv_op> req{client_id{1}, request_id{static_cast<std::uint64_t>(submitted)}, op};
    asio::post(g.io, [&g, l, req] { g.runs[l]->submit(req); });
  };
  g.before_step = [&](std::uint32_t to) {
    if (to == l && submitted < total) submit();
  };
  submit();
  REQUIRE(g.run_until([&] { return g.replies.size() == static_cast<std::size_t>(total); }));
  g.before_step = nullptr;
  std::size_t ok = 0;
  for (const auto& r : g.replies) ok += r.status == reply_status::ok ? 1 : 0;
  return ok;
}

TEST_CASE("runner: a leader acknowledges what earlier batches made durable before its next sync, and nothing sooner",
          "[io][net]") {
  // A mutation check, done by hand once: a node saying every reply is deliverable before the
  // batch's sync fails the asynchronous half (its leader acknowledges at its own sync).
  for (const auto& [reply_first, beside] : {std::pair{true, true}, {true, false}, {false, true}, {false, false}}) {
    INFO("reply_before_sync = " << reply_first << ", write_beside_loop = " << beside);
    const io::runner_options o{.reply_before_sync = reply_first, .write_beside_loop = beside};
    {
      group g{o};
      REQUIRE(riding_writes(g, 150) == 150);  // every write done (no leader change in this quiet run)
      CHECK(g.broken.empty());
      const auto& stats = g.runs[static_cast<std::size_t>(g.leader())]->stats();
      if (reply_first) CHECK(stats.early_replies > 0);  // some replies did not wait for the sync of later writes
      else CHECK(stats.early_replies == 0);
      // Beside the loop, whether the loop takes an input while a write waits in its queue is up
      // to timing here (the write is a handler of its own); the real-file-system test below,
      // whose writes are on a thread, checks that it does.
      if (!beside) CHECK(stats.while_writing == 0);
      if (beside) CHECK(stats.segments_prepared > 0);  // the next segment, made while the disk was idle
      else CHECK(stats.segments_prepared == 0);
    }
    {
      basic_group<async_node> g{o};
      REQUIRE(riding_writes(g, 150) == 150);
      CHECK(g.broken.empty());  // never before the leader's own sync
    }
  }
}

/// posix_file_system is thread_safe, so the runner writes each checkpoint's file on a thread of
/// its own while the loop goes on (a checkpoint every 4 KiB of records here, and one for each
/// compaction, which is not written as a record); when `Node::durable_copy_shares`, that thread
/// also encodes a copy of the disk whose machine state the loop goes on writing (copy-on-write:
/// the TSan tree runs this). After the runners are gone, every node's log recovers from its
/// newest snapshot plus the records after it, to the disk the runner kept. `op_of(i)`: the
/// i-th write.
template <class Node, class OpOf>
void checkpoints_beside_the_loop(const std::string& name, OpOf&& op_of) {
  namespace fs = std::filesystem;
  using real_run = io::runner<Node>;
  using real_log = io::wal<Node>;
  const fs::path dir = fs::current_path() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  io::posix_file_system files;
  io::wal_options o;
  o.segment_bytes = 4u << 10;  // the smallest: the log rolls often, over segments prepared while the disk was idle
  o.checkpoint_bytes = 4u << 10;
  asio::io_context io;
  std::vector<std::unique_ptr<real_run>> runs;
  std::size_t replies = 0;
  // The checkpoint's thread at the loop's priority: at its default lowest one, under a loaded
  // CI machine it finished too late for the three checkpoints this counts (the priority has a
  // test of its own below).
  io::runner_options same_priority;
  same_priority.checkpoint_nice = 0;
  for (std::uint32_t i = 0; i < 3; ++i) {
    typename Node::durable_state disk;
    auto log = real_log::open(files, (dir / std::to_string(i)).string(), o, disk);
    REQUIRE(log.ok());
    typename Node::config cfg;
    cfg.seed = i + 1;
    cfg.compact_every = 40;  // compactions too: each restates the disk, so it starts a checkpoint instead of a record
    cfg.compact_keep = 10;
    runs.push_back(std::make_unique<real_run>(
        io, replica_id{i}, cfg, std::move(*log), std::move(disk), same_priority,
        typename real_run::sinks{.send = [&](envelope<typename Node::message>&& m) {
                          asio::post(io, [&, m = std::move(m)]() mutable { runs[m.to.value()]->step(std::move(m)); });
                        },
                        .reply = [&](typename Node::reply&& r) { replies += r.status == reply_status::ok; }}));
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
    runs[l]->submit(client_request<typename Node::operation>{client_id{1}, request_id{static_cast<std::uint64_t>(i + 1)}, op_of(i)});
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
    CHECK(runs[i]->stats().segments_prepared >= 3);
  }
  CHECK(runs[l]->stats().while_writing > 0);  // the leader's loop stepped answers while its disk thread wrote
  std::vector<typename Node::durable_state> kept;
  for (auto& r : runs) kept.push_back(r->disk());
  runs.clear();  // joins any checkpoint still being written
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("node " << i);
    typename Node::durable_state back;
    io::wal_recovery report;
    REQUIRE(real_log::open(files, (dir / std::to_string(i)).string(), o, back, &report).ok());
    CHECK(report.snapshot_sequence > 0);
    // A compaction made after the last checkpoint began is not on the disk: recovery gives the
    // longer log it restates, and folding it gives exactly the runner's disk.
    if (back.snap.index != kept[i].snap.index) {
      REQUIRE(back.snap.index < kept[i].snap.index);
      const typename Node::persist_entry fold{kept[i].snap};
      REQUIRE(Node::restates(back, fold));
      Node::persist(back, fold);
    }
    CHECK(back == kept[i]);
  }
  fs::remove_all(dir);
}

TEST_CASE("runner: on the real file system checkpoints are written beside the loop, and the log recovers through them",
          "[io][storage]") {
  static_assert(io::thread_safe_file_system<io::posix_file_system>);
  static_assert(!io::thread_safe_file_system<io::power_loss_disk>);
  SECTION("a register: the loop encodes each checkpoint") {
    STATIC_REQUIRE_FALSE(durable_copy_shares<node>);
    checkpoints_beside_the_loop<node>("runner_checkpoint_test", [](int i) {
      return kv_op{.kind = op_kind::write, .key = static_cast<key_type>(i % 50), .value = i};
    });
  }
  SECTION("kv_store: the checkpoint's thread encodes a copy the loop goes on writing") {
    using store_node = leader_based_node<replicator<leader_based, majority, cluster_size<3>>, kv_store>;
    STATIC_REQUIRE(durable_copy_shares<store_node>);
    checkpoints_beside_the_loop<store_node>("runner_checkpoint_kv_test", [](int i) -> kv_store::operation {
      return kv_store::put{"k" + std::to_string(i % 50), std::string(static_cast<std::size_t>(100 + i % 7), 'v')};
    });
  }
}

TEST_CASE("runner: the checkpoint's thread lowers its own priority, and only its own", "[io][net]") {
  // runner_options::checkpoint_nice: what the checkpoint's thread calls first.
  STATIC_REQUIRE(io::runner_options{}.checkpoint_nice == 19);
  errno = 0;
  const int before = ::getpriority(PRIO_PROCESS, static_cast<::id_t>(::gettid()));
  REQUIRE(errno == 0);
  int seen = -100, seen_errno = -1;
  bool lowered = false;
  std::thread t([&] {
    lowered = io::runner_detail::lower_thread_priority(std::max(before, 19));
    errno = 0;
    seen = ::getpriority(PRIO_PROCESS, static_cast<::id_t>(::gettid()));
    seen_errno = errno;
  });
  t.join();
  REQUIRE(lowered);
  REQUIRE(seen_errno == 0);
  CHECK(seen == std::max(before, 19));
  CHECK(::getpriority(PRIO_PROCESS, static_cast<::id_t>(::gettid())) == before);  // the caller's thread keeps its own
}
