// log_shipping: the leader-based hot path in process: the leader appends a batch of client
// writes (one submit_batch), ships it to every follower, each follower appends and
// acknowledges, the leader advances its commit index and replies. `composed` drives
// leader_based_node<R> (messages moved between nodes by hand, persistence entries discarded as
// a no-op disk would); `handwritten` is a plain leader/follower loop doing the same work with
// the same commit rule (take the same client requests, append to the leader's log and its
// persist buffer remembering which request each index answers, copy to each follower's log and
// persist buffer, acknowledge, select the commit index, apply, reply to the committed requests)
// with no messages between them; `handwritten_messages` is a hand-written leader and followers
// exchanging Raft's append and acknowledgement as plain structs (the baseline for small
// batches, where the exchange itself is most of the work); `floor` only copies the payload bytes once per replica. All are
// fed the same way: the client fills its batch of requests inside the timed loop.
//
// Each write carries a payload of 16 B, 256 B or 4 KiB. The client creates its payloads once
// (its own buffers, reused every batch); replicating a payload shares it (a reference count),
// in the composed and the hand-written leader alike, as etcd/raft's entries share their data.
// Name: log_shipping_<commit mode>/<variant>/<replicas>/<payload bytes>/<batch>. Reports entries
// per second, ns per entry, and heap allocations per entry (counted by the replaced operator new).
#include <replica/commit.hpp>
#include <replica/replicator.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>

#include "allocations.hpp"

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <map>
#include <new>
#include <span>
#include <string>
#include <vector>

using bench::allocations;

namespace rp = replica;
using namespace std::chrono_literals;

namespace {

/// The client's buffers: `batch` payloads of `bytes` each, created once.
std::vector<rp::payload> client_buffers(std::size_t batch, std::size_t bytes) {
  std::vector<rp::payload> out;
  for (std::size_t k = 0; k < batch; ++k) out.push_back(rp::payload::filled(bytes, std::byte{static_cast<unsigned char>(k)}));
  return out;
}

/// The hand-written leaders' writes appended and not yet answered, in index order: each index
/// with the request it answers (the node keeps the same table).
class waiting_writes {
 public:
  explicit waiting_writes(std::size_t capacity) { pending_.reserve(capacity); }
  void add(std::uint64_t index, const rp::client_request<rp::kv_op>& req) { pending_.push_back({index, req.client, req.id}); }
  /// Answers, oldest first, every write at or below `commit`.
  void answer_through(std::uint64_t commit, std::vector<rp::client_reply>& replies) {
    for (; answered_ < pending_.size() && pending_[answered_].index <= commit; ++answered_)
      replies.push_back({pending_[answered_].client, pending_[answered_].id});
    if (answered_ == pending_.size()) {
      pending_.clear();
      answered_ = 0;
    }
  }

 private:
  struct waiting {
    std::uint64_t index;
    rp::client_id client;
    rp::request_id id;
  };
  std::vector<waiting> pending_;
  std::size_t answered_ = 0;  ///< pending_[0 .. answered_) are answered
};
/// An entry's bytes on the wire, as the node's log counts them (flow control, lag in bytes).
std::uint64_t wire_bytes(const rp::kv_op& op) { return rp::leader_based_detail::entry_header_bytes + op.data.size(); }

template <class Commit, std::size_t N>
void composed(benchmark::State& st, std::size_t batch, std::size_t bytes) {
  using node = rp::leader_based_node<rp::replicator<rp::leader_based, Commit, rp::cluster_size<N>>>;
  typename node::config cfg;
  cfg.election_min = cfg.election_max = 10ms;  // deterministic: node 0 times out first
  cfg.heartbeat = 1h;
  cfg.check_quorum = false;
  cfg.max_batch = 256;
  cfg.max_inflight = 1024;
  cfg.max_inflight_bytes = 64 << 20;
  cfg.compact_every = 1 << 12;  // a steady state: the log is compacted as the hand-written one is cleared
  std::vector<node> nodes;
  for (std::uint32_t i = 0; i < N; ++i) nodes.emplace_back(rp::replica_id{i}, cfg, typename node::durable_state{});
  std::int64_t t_us = 20'000;
  auto now = [&] { return rp::local_time{rp::duration{t_us}}; };
  auto route = [&] {  // deliver every outgoing message until quiet; discard persistence and replies
    bool moved = true;
    while (moved) {
      moved = false;
      for (auto& n : nodes) {
        auto& fx = n.effects();
        for (auto& m : fx.messages) {  // (handed over, as a network layer would: cleared below)
          (void)nodes[m.to.value()].step(std::move(m), now());
          moved = true;
        }
        fx.clear();
      }
    }
  };
  nodes[0].tick(now());  // pre-vote, vote, become leader
  route();
  if (!nodes[0].is_leader()) {
    st.SkipWithError("no leader");
    return;
  }
  const auto buffers = client_buffers(batch, bytes);
  std::vector<rp::client_request<rp::kv_op>> reqs(batch);
  std::uint64_t request = 0;
  rp::value_type v = 0;
  auto one_batch = [&] {
    for (std::size_t k = 0; k < batch; ++k)
      reqs[k] = {rp::client_id{1}, rp::request_id{++request}, {rp::op_kind::write, 0, ++v, 0, buffers[k]}};
    ++t_us;
    nodes[0].submit_batch(reqs, now());
    route();
  };
  // Warm up to the steady state: past the first compaction, with every buffer at its size.
  while (nodes[0].snapshot_index() < 2 * cfg.compact_every) one_batch();
  const auto before = allocations.load();
  for (auto _ : st) {
    for (std::size_t k = 0; k < batch; ++k)
      reqs[k] = {rp::client_id{1}, rp::request_id{++request}, {rp::op_kind::write, 0, ++v, 0, buffers[k]}};
    ++t_us;
    nodes[0].submit_batch(reqs, now());
    route();
  }
  if (nodes[0].commit_index() + batch < nodes[0].last_index()) st.SkipWithError("commit did not advance");
  const double entries = static_cast<double>(st.iterations() * batch);
  st.SetItemsProcessed(static_cast<std::int64_t>(entries));
  st.counters["allocs_per_entry"] = static_cast<double>(allocations.load() - before) / entries;
  st.counters["ns_per_entry"] = benchmark::Counter(entries, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

/// The same work written by hand: logs as vectors of entries, majority (or leader-only) commit,
/// each replica applying the committed writes to its map and counting its bytes.
template <bool Majority, std::size_t N>
void handwritten(benchmark::State& st, std::size_t batch, std::size_t bytes) {
  struct entry {
    std::uint64_t term, index;
    rp::kv_op op;
  };
  std::vector<entry> logs[N], disks[N];
  for (auto& l : logs) l.reserve(1 << 12);
  for (auto& d : disks) d.reserve(256);
  std::vector<entry> wire;
  wire.reserve(256);
  std::vector<rp::client_reply> replies;
  replies.reserve(256);
  waiting_writes pending{512};
  const auto buffers = client_buffers(batch, bytes);
  std::vector<rp::client_request<rp::kv_op>> reqs(batch);
  std::map<rp::key_type, rp::value_type> state[N];  // each replica applies what commits
  std::uint64_t held[N]{};                           // and counts the bytes it holds (lag, flow control)
  std::uint64_t match[N]{};
  std::uint64_t commit = 0, request = 0, base = 0;  // base: entries before the log's first (cleared ones)
  rp::value_type v = 0;
  const auto before = allocations.load();
  for (auto _ : st) {
    for (std::size_t k = 0; k < batch; ++k)
      reqs[k] = {rp::client_id{1}, rp::request_id{++request}, {rp::op_kind::write, 0, ++v, 0, buffers[k]}};
    if (logs[0].size() + batch > (1u << 12)) {
      base += logs[0].size();
      for (auto& l : logs) l.clear();  // keep memory bounded; the work per entry is unchanged
    }
    wire.clear();
    for (const auto& req : reqs) {
      const entry e{1, base + logs[0].size() + 1, req.op};
      logs[0].push_back(e);
      pending.add(e.index, req);
      held[0] += wire_bytes(e.op);
      wire.push_back(e);
    }
    disks[0].assign(wire.begin(), wire.end());  // persist
    match[0] = base + logs[0].size();
    for (std::size_t f = 1; f < N; ++f) {  // ship, follower append, persist, ack
      logs[f].insert(logs[f].end(), wire.begin(), wire.end());
      for (const entry& e : wire) held[f] += wire_bytes(e.op);
      disks[f].assign(wire.begin(), wire.end());
      match[f] = base + logs[f].size();
    }
    if constexpr (Majority) {
      commit = rp::detail::kth_largest(std::span<const std::uint64_t>{match, N}, N / 2 + 1);
    } else {
      commit = match[0];
    }
    for (std::size_t r = 0; r < N; ++r)  // apply (the followers learn the commit index with the next append)
      for (const entry& e : wire) state[r][e.op.key] = e.op.value;
    replies.clear();
    pending.answer_through(commit, replies);
    benchmark::DoNotOptimize(commit);
    benchmark::DoNotOptimize(held);
    benchmark::DoNotOptimize(replies.data());
  }
  if (replies.size() != batch) st.SkipWithError("the hand-written leader did not answer its batch");
  const double entries = static_cast<double>(st.iterations() * batch);
  st.SetItemsProcessed(static_cast<std::int64_t>(entries));
  st.counters["allocs_per_entry"] = static_cast<double>(allocations.load() - before) / entries;
  st.counters["ns_per_entry"] = benchmark::Counter(entries, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

/// The same work written by hand as a leader and followers that exchange Raft's two messages
/// (etcd/raft's MsgApp and MsgAppResp, on plain structs): the leader appends the batch and sends
/// each follower an append carrying its term, the previous entry's index and term, the commit
/// index and the entries from the follower's next index (a view of the leader's log, as the
/// composed leader shares the batch it persisted); each follower checks the term and the previous
/// entry, appends what is new (truncating a conflicting suffix), persists it, applies what the
/// leader's commit index covers and acknowledges its last verified index; the leader counts each
/// acknowledgement into its match indexes, selects the commit index (an entry of its own term
/// only), applies and answers. Followers learn the commit index with the next append, as the
/// composed node's do. `handwritten` has the same steps without the messages.
template <bool Majority, std::size_t N>
void handwritten_messages(benchmark::State& st, std::size_t batch, std::size_t bytes) {
  struct entry {
    std::uint64_t term, index;
    rp::kv_op op;
  };
  struct replica_state {
    std::vector<entry> log, disk;  // log: entries base + 1 .. last(); disk: the persist buffer
    std::uint64_t base = 0, base_term = 0;
    std::uint64_t term = 1, commit = 0, applied = 0, held = 0;
    std::map<rp::key_type, rp::value_type> state;
    [[nodiscard]] std::uint64_t last() const { return base + log.size(); }
    [[nodiscard]] std::uint64_t term_at(std::uint64_t i) const { return i <= base ? base_term : log[i - base - 1].term; }
    void apply() {
      for (; applied < commit; ++applied) {
        const entry& e = log[applied - base];
        state[e.op.key] = e.op.value;
      }
    }
    void compact() {  // keep memory bounded: drop the applied prefix
      const std::uint64_t drop = applied - base;
      base_term = term_at(applied);
      log.erase(log.begin(), log.begin() + static_cast<std::ptrdiff_t>(drop));
      base = applied;
    }
  };
  struct append_msg {
    std::size_t to;
    std::uint64_t term, prev_index, prev_term, commit;
    std::span<const entry> entries;
  };
  struct ack_msg {
    std::size_t from;
    std::uint64_t term, match;
    bool success;
  };
  std::array<replica_state, N> reps;
  for (auto& r : reps) {
    r.log.reserve((1 << 12) + 256);
    r.disk.reserve(256);
  }
  replica_state& leader = reps[0];
  std::array<std::uint64_t, N> match{}, next{};
  next.fill(1);
  std::vector<append_msg> appends;
  appends.reserve(N);
  std::vector<ack_msg> acks;
  acks.reserve(N);
  std::vector<rp::client_reply> replies;
  replies.reserve(256);
  waiting_writes pending{512};
  const auto buffers = client_buffers(batch, bytes);
  std::vector<rp::client_request<rp::kv_op>> reqs(batch);
  std::uint64_t request = 0;
  rp::value_type v = 0;
  const auto before = allocations.load();
  for (auto _ : st) {
    for (std::size_t k = 0; k < batch; ++k)
      reqs[k] = {rp::client_id{1}, rp::request_id{++request}, {rp::op_kind::write, 0, ++v, 0, buffers[k]}};
    if (leader.log.size() + batch > (1u << 12))
      for (auto& r : reps) r.compact();
    replies.clear();
    // Leader: append and persist.
    for (const auto& req : reqs) {
      leader.log.push_back({leader.term, leader.last() + 1, req.op});
      pending.add(leader.last(), req);
      leader.held += wire_bytes(req.op);
    }
    leader.disk.assign(leader.log.end() - static_cast<std::ptrdiff_t>(batch), leader.log.end());
    match[0] = leader.last();
    if constexpr (!Majority) {  // asynchronous: committed once the leader has it
      leader.commit = match[0];
      leader.apply();
      pending.answer_through(leader.commit, replies);
    }
    // Ship: an append per follower, from its next index.
    appends.clear();
    for (std::size_t f = 1; f < N; ++f) {
      const std::uint64_t from = next[f];
      appends.push_back({f, leader.term, from - 1, leader.term_at(from - 1), leader.commit,
                         std::span<const entry>{leader.log}.subspan(from - leader.base - 1)});
      next[f] = leader.last() + 1;
    }
    // Followers: check, append, persist, apply, acknowledge.
    acks.clear();
    for (const append_msg& m : appends) {
      replica_state& r = reps[m.to];
      ack_msg a{m.to, r.term, r.last(), false};
      if (m.term >= r.term) {
        r.term = m.term;
        if (m.prev_index <= r.last() && r.term_at(m.prev_index) == m.prev_term) {
          std::size_t k = 0;
          for (; k < m.entries.size() && m.entries[k].index <= r.last(); ++k)
            if (r.term_at(m.entries[k].index) != m.entries[k].term) {
              r.log.resize(m.entries[k].index - r.base - 1);  // a conflicting suffix
              break;
            }
          const auto fresh = m.entries.subspan(k);
          r.log.insert(r.log.end(), fresh.begin(), fresh.end());
          for (const entry& e : fresh) r.held += wire_bytes(e.op);
          r.disk.assign(fresh.begin(), fresh.end());
          const std::uint64_t last_new = m.prev_index + m.entries.size();
          r.commit = std::max(r.commit, std::min(m.commit, last_new));
          r.apply();
          a.success = true;
          a.match = last_new;
        }
      }
      acks.push_back(a);
    }
    // Leader: count the acknowledgements, commit, apply, answer.
    for (const ack_msg& a : acks) {
      if (a.term > leader.term) continue;  // (not in this steady state: a deposed leader steps down)
      if (!a.success) {
        next[a.from] = a.match + 1;  // retry after what the follower holds
        continue;
      }
      match[a.from] = std::max(match[a.from], a.match);
      if constexpr (Majority) {
        const std::uint64_t c = rp::detail::kth_largest(std::span<const std::uint64_t>{match}, N / 2 + 1);
        if (c > leader.commit && leader.term_at(c) == leader.term) {
          leader.commit = c;
          leader.apply();
          pending.answer_through(leader.commit, replies);
        }
      }
    }
    benchmark::DoNotOptimize(reps);
    benchmark::DoNotOptimize(replies.data());
  }
  if (replies.size() != batch) st.SkipWithError("the hand-written leader did not answer its batch");
  for (const auto& r : reps)  // every follower holds the leader's log and applied all but the last batch
    if (r.last() != leader.last() || r.applied + batch < leader.last()) st.SkipWithError("a hand-written follower fell behind");
  const double entries = static_cast<double>(st.iterations() * batch);
  st.SetItemsProcessed(static_cast<std::int64_t>(entries));
  st.counters["allocs_per_entry"] = static_cast<double>(allocations.load() - before) / entries;
  st.counters["ns_per_entry"] = benchmark::Counter(entries, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

/// Only the copies: each entry's payload bytes copied once per replica.
template <std::size_t N>
void floor(benchmark::State& st, std::size_t batch, std::size_t bytes) {
  std::vector<std::byte> src(batch * bytes, std::byte{1}), dst[N];
  for (auto& d : dst) d.resize(batch * bytes);
  for (auto _ : st) {
    for (auto& d : dst) std::memcpy(d.data(), src.data(), src.size());
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * batch));
  st.counters["ns_per_entry"] = benchmark::Counter(static_cast<double>(st.iterations() * batch),
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

template <std::size_t N>
void register_n() {
  for (std::size_t bytes : {16, 256, 4096})
    for (std::size_t batch : {1, 8, 64, 256}) {
      const std::string args = "/" + std::to_string(N) + "/" + std::to_string(bytes) + "B/" + std::to_string(batch);
      auto reg = [&](const std::string& name, auto fn) { benchmark::RegisterBenchmark((name + args).c_str(), fn, batch, bytes); };
      reg("log_shipping_majority/composed", composed<rp::majority, N>);
      reg("log_shipping_majority/handwritten", handwritten<true, N>);
      reg("log_shipping_majority/handwritten_messages", handwritten_messages<true, N>);
      reg("log_shipping_majority/floor", floor<N>);
      reg("log_shipping_async/composed", composed<rp::asynchronous, N>);
      reg("log_shipping_async/handwritten", handwritten<false, N>);
      reg("log_shipping_async/handwritten_messages", handwritten_messages<false, N>);
      if (bytes != 256) continue;  // the other modes at the target's payload size
      reg("log_shipping_semi_sync/composed", composed<rp::semi_synchronous<1>, N>);
      reg("log_shipping_first/composed", composed<rp::first<1>, N>);
      reg("log_shipping_sync/composed", composed<rp::synchronous_with<2>, N>);
    }
}

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // A fixed mmap threshold: glibc raises its own after the first large free, so whether a loop's
  // logs were mapped afresh or carved from the heap depended on which rows ran before it, and the
  // message-exchanging loop ran at two speeds from run to run (48 or 53 ns per entry at 5
  // replicas, batch 64, the same binary). With it fixed, runs agree.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
#endif
  register_n<3>();
  register_n<5>();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
