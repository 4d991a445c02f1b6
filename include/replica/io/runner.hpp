#pragma once
/// \file
/// The runner: drives any `protocol_node` from a real event loop, a real clock and a real disk.
/// A steady timer calls `tick`, a frame from a peer calls `step`, a client request `submit`;
/// each effects batch is carried out in the order core/effects.hpp requires: the persist
/// entries appended to the write-ahead log and made durable with one sync, then the messages
/// sent, then the replies delivered (messages the node marks `sendable_before_persist`, a
/// leader's appends, leave before the sync, and so do replies it marks
/// `deliverable_before_persist`, a leader's acknowledgements of earlier batches' writes). It
/// batches by itself: the log is written and synced on a thread of its own while the loop goes
/// on stepping what arrives, and everything stepped meanwhile forms the next batch, which costs
/// one sync together (group commit) and starts as soon as the one before it is durable. A
/// batch's outputs wait for its own sync and every one before it, so the node sees exactly the
/// order it would if the loop waited for each sync; only the loop no longer idles meanwhile.
/// Never included by replica/replica.hpp; docs/server.md describes it.
///
///   boost::asio::io_context io;
///   auto log = replica::io::wal<Node>::open(files, dir, {}, disk);
///   replica::io::runner<Node> run{io, self, cfg, std::move(*log), std::move(disk), {},
///       {.send = [&](auto&& m) { net.send(m.to, m); }, .reply = [&](auto&& r) { ... }}};
///   run.start();
///   io.run();
///
/// The runner keeps a copy of the node's disk (every persist entry applied to it, as
/// `Node::persist` says) so that it can hand the log a checkpoint when one is due. An entry
/// that only restates that copy (`restates<Node>`: a leader-based compaction, the whole state
/// machine as a snapshot) is not written to the log but starts a checkpoint, which holds it. The loop
/// encodes the checkpoint; when the file system is `thread_safe` (the real one), a thread of its
/// own writes, syncs and renames the snapshot file while the loop goes on, and the loop removes
/// the old segments when it is durable: a checkpoint never holds up requests for its sync.

#include <replica/core/client.hpp>
#include <replica/core/envelope.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/node.hpp>
#include <replica/core/time.hpp>
#include <replica/io/file_system.hpp>
#include <replica/io/wal.hpp>
#include <replica/io/worker.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace replica::io {

struct runner_options {
  std::chrono::milliseconds tick{5};  ///< how often the node's `tick` is called
  /// The clock the node reads: `steady` (monotonic, since the process started; right for a
  /// leader-based node's timeouts and leases) or `wall` (the system clock, comparable across
  /// processes: what last-writer-wins and hybrid logical clocks need).
  enum class clock_kind : std::uint8_t { steady, wall } clock = clock_kind::steady;
  /// Send what the node marks `sendable_before_persist` before the batch's sync (a leader's
  /// appends: its followers write while it does). `false` keeps the plain order, to measure.
  bool send_before_sync = true;
  /// Deliver the replies the node marks `deliverable_before_persist` before the batch's sync (a
  /// leader's acknowledgements of writes earlier batches made durable: they do not wait for the
  /// sync of the writes that came since). `false` keeps the plain order, to measure.
  bool reply_before_sync = true;
  /// Write and sync each batch beside the loop, which goes on stepping what arrives meanwhile
  /// into the next batch: on a thread of the runner's own when the file system is
  /// `thread_safe` (the real one), from a handler of its own otherwise. Every batch's outputs
  /// still wait for its sync and every sync before it. `false` writes in the handler that forms
  /// the batch (the loop waits for the disk), to measure.
  bool write_beside_loop = true;
  /// The nice value the thread that writes a checkpoint takes (0: the loop's; Linux, where a
  /// thread has its own). Encoding and writing a snapshot is background work; at the loop's
  /// priority it took a core from the replicas' loops and disk threads at each checkpoint
  /// (docs/storage.md). 19, the lowest, is RocksDB's "low" priority for its compactions; not
  /// `SCHED_IDLE`, under which a saturated machine could leave a checkpoint unfinished for
  /// minutes while the log grows (a thread cannot raise its priority again unprivileged).
  int checkpoint_nice = 19;
};

namespace runner_detail {
/// Gives the calling thread nice value `nice` (a lower priority only: raising it again needs
/// privileges). False where threads have no nice value of their own, or if refused.
inline bool lower_thread_priority(int nice) noexcept {
#ifdef __linux__
  return ::setpriority(PRIO_PROCESS, static_cast<::id_t>(::gettid()), nice) == 0;
#else
  (void)nice;
  return false;
#endif
}
}  // namespace runner_detail

/// What the runner has done (for `INFO` and benchmarks).
struct runner_stats {
  std::uint64_t batches = 0;       ///< effects batches carried out
  std::uint64_t syncs = 0;         ///< log appends (each one sync)
  std::uint64_t persisted = 0;     ///< persist entries written
  std::uint64_t checkpoints = 0;   ///< checkpoints made durable
  std::uint64_t deferred = 0;      ///< persist entries left to a checkpoint (they restate the disk: compactions)
  std::uint64_t refused = 0;       ///< peer messages the node refused (an error value)
  std::uint64_t early_sent = 0;    ///< messages sent while their batch was being written (sendable_before_persist)
  std::uint64_t early_replies = 0; ///< replies delivered while their batch was being written (deliverable_before_persist)
  std::uint64_t while_writing = 0; ///< inputs (messages, requests, ticks) taken while a batch was being written (write_beside_loop)
  std::uint64_t segments_prepared = 0;  ///< log segments prepared while the disk was idle (wal::prepare_next)
  // Where the time goes (steady-clock nanoseconds): in the node (step, submit, tick), in the
  // log (append: encoding, write, fdatasync, on the disk thread when `write_beside_loop`;
  // applying a batch to the runner's copy of the disk; checkpoints), and handing the messages
  // and replies to their sinks (the transport encodes and queues them there).
  std::uint64_t node_ns = 0, log_ns = 0, send_ns = 0;
  std::uint64_t requests = 0, request_batches = 0;  ///< requests handed to a node's submit_batch, and in how many calls
};

template <protocol_node Node, file_system Files = posix_file_system>
class runner {
 public:
  using message = typename Node::message;
  using operation = operation_t<Node>;
  using reply = reply_t<Node>;
  using event = typename Node::event;
  using durable_state = typename Node::durable_state;

  /// Where the effects go. `send` and `reply` are required; `event` and `refused` are
  /// informational. `fatal` is called once when the log fails a write or a sync: from then on
  /// nothing is sent or acknowledged (what the disk holds is unknown), and the process should
  /// exit and recover from its log.
  struct sinks {
    std::function<void(envelope<message>&&)> send;
    std::function<void(reply&&)> reply;
    std::function<void(const event&)> event{};
    std::function<void(replica_id from, const error&)> refused{};
    std::function<void(const std::string&)> fatal{};
  };

  runner(boost::asio::io_context& io, replica_id self, const typename Node::config& cfg, wal<Node, Files> log, durable_state disk,
         runner_options o, sinks s)
      : io_{io}, opt_{o}, out_{std::move(s)}, log_{std::move(log)}, disk_{std::move(disk)}, node_{self, cfg, disk_}, timer_{io},
        start_{std::chrono::steady_clock::now()}, alive_{std::make_shared<bool>(true)} {
    if constexpr (thread_safe_file_system<Files>)
      if (opt_.write_beside_loop) disk_thread_.emplace();
  }
  runner(const runner&) = delete;
  runner& operator=(const runner&) = delete;
  ~runner() {
    *alive_ = false;
    disk_thread_.reset();  // the batch it is writing finishes; its `written` is dropped
    if (checkpointer_.joinable()) checkpointer_.join();  // its file work done; its finish is dropped
  }

  /// Starts the tick timer.
  void start() {
    node_.tick(now());
    schedule();
    arm();
  }
  /// Stops the timer; effects already produced are still carried out by a posted handler.
  void stop() {
    stopped_ = true;
    timer_.cancel();
  }

  /// A message from a peer.
  void step(envelope<message>&& m) {
    if (failed_) return;
    const replica_id from = m.from;
    stats_.while_writing += writing_ ? 1 : 0;
    const auto t0 = clock::now();
    auto s = node_.step(std::move(m), now());
    stats_.node_ns += elapsed(t0);
    if (!s) {
      ++stats_.refused;
      if (out_.refused) out_.refused(from, s.err());
    }
    schedule();
  }
  /// A client request; its reply comes through `sinks::reply`, after what it relies on is durable.
  ///
  /// A node that takes requests in batches (`submit_batch`, as the leader-based node does:
  /// appended together, one append per follower) gets every request that arrived before the
  /// batch is carried out in one call.
  void submit(client_request<operation> r) {
    if (failed_) return;
    stats_.while_writing += writing_ ? 1 : 0;
    if constexpr (batches_requests) {
      waiting_.push_back(std::move(r));
    } else {
      const auto t0 = clock::now();
      node_.submit(r, now());
      stats_.node_ns += elapsed(t0);
    }
    schedule();
  }
  /// An operator action on the node (`transfer_leadership`, `compact`, ...): `f(node, now)`;
  /// its effects are carried out like any other.
  template <class F>
  auto act(F&& f) {
    if constexpr (std::is_void_v<decltype(f(node_, now()))>) {
      f(node_, now());
      schedule();
    } else {
      auto r = f(node_, now());
      schedule();
      return r;
    }
  }

  [[nodiscard]] const Node& node() const noexcept { return node_; }
  [[nodiscard]] const runner_stats& stats() const noexcept { return stats_; }
  /// The runner's copy of the node's disk: what the log recovers to, every batch applied.
  [[nodiscard]] const durable_state& disk() const noexcept { return disk_; }
  /// Whether the log failed (nothing is acknowledged any more).
  [[nodiscard]] bool failed() const noexcept { return failed_; }
  /// The node's clock reading now (`steady`: time since the runner was made, so that a
  /// restarted node waits a whole election timeout before it campaigns, as at boot).
  [[nodiscard]] local_time now() const {
    using namespace std::chrono;
    if (opt_.clock == runner_options::clock_kind::wall)
      return local_time{duration_cast<duration>(system_clock::now().time_since_epoch())};
    return local_time{duration_cast<duration>(steady_clock::now() - start_)};
  }

 private:
  static constexpr bool batches_requests =
      requires(Node& n, std::span<const client_request<operation>> s, local_time t) { n.submit_batch(s, t); };
  using clock = std::chrono::steady_clock;
  static std::uint64_t elapsed(clock::time_point since) {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - since).count());
  }

  void arm() {
    if (stopped_) return;
    timer_.expires_after(opt_.tick);
    timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
      if (!*alive || ec || stopped_ || failed_) return;
      stats_.while_writing += writing_ ? 1 : 0;
      const auto t0 = clock::now();
      node_.tick(now());
      stats_.node_ns += elapsed(t0);
      schedule();
      arm();
    });
  }

  /// Carries out the effects from a handler behind what is ready now, so that inputs that
  /// arrived together share one batch and one sync.
  void schedule() {
    if (scheduled_) return;
    scheduled_ = true;
    boost::asio::post(io_, [this, alive = alive_] {
      if (!*alive) return;
      scheduled_ = false;
      carry_out();
    });
  }

  /// Forms the next batch from the node's effects and has it written; while a batch is being
  /// written, nothing: what arrives meanwhile goes into the next batch, formed when it is
  /// durable (`written`). Each batch's outputs are thus handed out only once every batch before
  /// it is durable, exactly as when the loop waits for each sync, and the early ones (above) too.
  void carry_out() {
    if (writing_ || failed_) return;
    if constexpr (batches_requests) {
      if (!waiting_.empty()) {
        const auto t0 = clock::now();
        node_.submit_batch(std::span<const client_request<operation>>{waiting_}, now());
        stats_.node_ns += elapsed(t0);
        stats_.requests += waiting_.size();
        ++stats_.request_batches;
      }
      waiting_.clear();
    }
    auto& fx = node_.effects();
    if (fx.empty()) return prepare_when_idle();
    ++stats_.batches;
    // Messages that rely on nothing this batch persists leave first, so that a follower writes
    // a leader's new entries while the leader does (core/effects.hpp). Safe because the sync
    // of this batch completes before the node's answers to them leave (they join a later
    // batch). Likewise replies that rely on nothing it persists (acknowledgements of writes a
    // quorum made durable before): this batch's sync is for the writes that came since.
    if (!fx.persist.empty() && (opt_.send_before_sync || opt_.reply_before_sync)) {
      const auto t0 = clock::now();
      const std::span<const typename Node::persist_entry> batch{fx.persist};
      if (opt_.send_before_sync)
        stats_.early_sent += hand_early(fx.messages, [&](const auto& m) { return sendable_before_persist<Node>(m.payload, batch); }, out_.send);
      if (opt_.reply_before_sync)
        stats_.early_replies += hand_early(fx.replies, [&](const auto& r) { return deliverable_before_persist<Node>(r, batch); }, out_.reply);
      stats_.send_ns += elapsed(t0);
    }
    held_messages_.swap(fx.messages);
    held_replies_.swap(fx.replies);
    held_events_.swap(fx.events);
    if (fx.persist.empty()) {
      fx.clear();
      hand_held();
      return prepare_when_idle();
    }
    const auto t0 = clock::now();
    const std::size_t entries = fx.persist.size();
    // Each entry is applied to the runner's copy of the disk in order; one that only restates
    // that copy (a compaction) stays out of the log, which a checkpoint folds it into instead.
    // The deferred entry is not needed again, so its state moves into the copy (a whole
    // machine's snapshot: copying it cost as much as taking it).
    deferred_ = false;
    for (std::size_t k = 0; k < fx.persist.size(); ++k) {
      auto& p = fx.persist[k];
      if (restates<Node>(disk_, p)) {
        if (!deferred_) to_log_.assign(fx.persist.begin(), fx.persist.begin() + static_cast<std::ptrdiff_t>(k));
        deferred_ = true;
        ++stats_.deferred;
        Node::persist(disk_, std::move(p));
        continue;
      }
      if (deferred_) to_log_.push_back(p);
      Node::persist(disk_, p);
    }
    if (!deferred_) to_log_.swap(fx.persist);  // the log's copy of the batch: the entries themselves
    stats_.persisted += entries;
    fx.clear();
    stats_.log_ns += elapsed(t0);
    if (to_log_.empty()) {  // only restatements: nothing to write
      written({}, 0);
      return;
    }
    on_disk([this] { return log_.append(to_log_); });
  }

  /// `job` (work on the log) done as a batch's write is, then `written`: on the disk thread, or
  /// from a handler of its own, or here (`write_beside_loop` off). Until `written`, the log and
  /// `to_log_` are the job's: the loop touches neither.
  template <class Job>
  void on_disk(Job job) {
    writing_ = true;
    if (disk_thread_) {
      disk_thread_->run([this, alive = alive_, job] {
        const auto t1 = clock::now();
        auto s = job();
        boost::asio::post(io_, [this, alive, s, ns = elapsed(t1)] {
          if (*alive) written(s, ns);
        });
      });
    } else if (opt_.write_beside_loop) {  // a file system for one thread: from a handler of its own
      boost::asio::post(io_, [this, alive = alive_, job] {
        if (!*alive) return;
        const auto t1 = clock::now();
        auto s = job();
        written(s, elapsed(t1));
      });
    } else {
      const auto t1 = clock::now();
      auto s = job();
      written(s, elapsed(t1));
    }
  }

  /// Nothing to write: if the log has no next segment ready, it is prepared now, beside the
  /// loop like a batch, so that the batch that fills the current segment does not pay for
  /// creating, preallocating and syncing the next (wal::prepare_next). Not with
  /// `write_beside_loop` off, whose loop would wait for it.
  void prepare_when_idle() {
    if (!opt_.write_beside_loop || failed_ || log_.next_ready()) return;
    ++stats_.segments_prepared;
    on_disk([this] { return log_.prepare_next(); });
  }

  /// The batch being written is durable (or the log failed): its outputs leave, a checkpoint
  /// starts if one is due, and what came meanwhile forms the next batch.
  void written(status s, std::uint64_t ns) {
    writing_ = false;
    stats_.log_ns += ns;
    const bool synced = !to_log_.empty();
    to_log_.clear();
    if (!s) {
      failed_ = true;
      stop();
      held_messages_.clear();
      held_replies_.clear();
      held_events_.clear();
      if (out_.fatal) out_.fatal("the write-ahead log failed (" + std::string{s.err().detail} + "): stopping");
      return;
    }
    stats_.syncs += synced ? 1 : 0;
    hand_held();
    const auto t1 = clock::now();
    if (finished_) {
      if (log_.finish_checkpoint(std::move(*finished_))) ++stats_.checkpoints;
      finished_.reset();
    }
    const bool deferred = std::exchange(deferred_, false);  // this batch's: a later `written` (a prepared segment's) does not see it
    if (log_.checkpoint_due() || (deferred && !log_.checkpoint_in_flight())) checkpoint();
    stats_.log_ns += elapsed(t1);
    carry_out();
  }

  /// Hands out the messages, replies and events held for the batch last formed.
  void hand_held() {
    const auto t0 = clock::now();
    for (auto& m : held_messages_) out_.send(std::move(m));
    for (auto& r : held_replies_) out_.reply(std::move(r));
    stats_.send_ns += elapsed(t0);
    if (out_.event)
      for (const auto& e : held_events_) out_.event(e);
    held_messages_.clear();
    held_replies_.clear();
    held_events_.clear();
  }

  /// Hands `sink` each element of `xs` that `early` allows, in order, and keeps the others (in
  /// order) for after the sync; how many it handed.
  template <class T, class Early, class Sink>
  static std::uint64_t hand_early(std::vector<T>& xs, Early early, Sink& sink) {
    std::uint64_t handed = 0;
    auto late = xs.begin();
    for (auto it = xs.begin(); it != xs.end(); ++it) {
      if (early(*it)) {
        sink(std::move(*it));
        ++handed;
      } else {
        if (late != it) *late = std::move(*it);
        ++late;
      }
    }
    xs.erase(late, xs.end());
    return handed;
  }

  /// Folds the log into a snapshot of `disk_`: the file work on a thread of its own when the
  /// file system allows it, and the encoding there too when a copy of `disk_` is cheap
  /// (`durable_copy_shares<Node>`: encoding 100,000 keys of 256 bytes, with the checksum, took
  /// 12-47 ms on the loop; a copy of a `kv_store`'s state is a reference count per part);
  /// otherwise the loop encodes. The loop then removes what the snapshot replaces.
  void checkpoint() {
    if constexpr (thread_safe_file_system<Files>) {
      auto job = durable_copy_shares<Node> ? log_.begin_checkpoint(durable_state{disk_}) : log_.begin_checkpoint(disk_);
      if (!job || job->seq == 0) return;  // a failed checkpoint costs the log nothing; it is due again later
      checkpointer_ = std::thread([this, alive = alive_, j = std::move(*job)]() mutable {
        if (opt_.checkpoint_nice > 0) (void)runner_detail::lower_thread_priority(opt_.checkpoint_nice);  // (a hint)
        log_.write_checkpoint(j);  // touches the job and the file system only, never the log's state
        log_.remove_replaced(j);   // (the same)
        boost::asio::post(io_, [this, alive, j = std::move(j)]() mutable {
          if (!*alive) return;
          checkpointer_.join();
          if (writing_) finished_ = std::move(j);  // the log is the disk thread's until `written`
          else if (log_.finish_checkpoint(std::move(j))) ++stats_.checkpoints;
        });
      });
    } else if (log_.checkpoint(disk_)) {
      ++stats_.checkpoints;
    }
  }

  boost::asio::io_context& io_;
  runner_options opt_;
  sinks out_;
  wal<Node, Files> log_;
  durable_state disk_;
  Node node_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point start_;
  std::shared_ptr<bool> alive_;
  runner_stats stats_;
  std::vector<client_request<operation>> waiting_;  // requests for the next submit_batch
  std::vector<typename Node::persist_entry> to_log_;  // the batch being written: its entries less those it defers
  bool deferred_ = false;                            // whether it defers one (a checkpoint follows it)
  bool writing_ = false;                             // whether it is being written (the log is not the loop's)
  std::vector<envelope<message>> held_messages_;     // its outputs, until it is durable
  std::vector<reply> held_replies_;
  std::vector<event> held_events_;
  std::optional<typename wal<Node, Files>::checkpoint_job> finished_;  // a checkpoint written meanwhile, to finish
  std::optional<worker> disk_thread_;                // writes and syncs the batches (a thread-safe file system)
  bool scheduled_ = false;
  bool stopped_ = false;
  bool failed_ = false;
  std::thread checkpointer_;  // writing a checkpoint (joined when it is finished)
};

}  // namespace replica::io
