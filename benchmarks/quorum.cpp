// Leaderless hot paths (issue 5):
// - resolve_maximal_vv/<variant>/<R>, resolve_maximal_dvv/<variant>/<R>: keeping the maximal
//   versions of R read replies (version_vector<5>, dotted_version_vector); `composed` is
//   keep_maximal on a copy of the replies (DVVs: maximal_positions, which names them without
//   copying or moving them), `handwritten` the same selection written out on plain counter
//   arrays (for DVVs, on indices with the type's own compare). Reply sets rotate through a pool
//   that mixes superseded, equal and concurrent versions.
// - ring_lookup/<variant>/<nodes>/<vnodes>: a key's preference list of 3 on a hash ring;
//   `handwritten` is a binary search on a plain sorted token array plus a distinct scan.
// - coordinator_fanout/<variant>/3: one write through a leaderless coordinator (store, two puts,
//   two acknowledgements, the reply); `handwritten` (the headline) is the bare exchange by hand
//   without the node's checks and records, `same_work` the node's whole design on this path by
//   hand (see the section below; named `floor` and `handwritten` until 2026-12-05).
// - requests_in_flight/<variant>/<inflight>: a coordinator's table of requests in flight under a
//   sliding window (add the next, find and end the oldest); `handwritten` is a fixed ring.
//
// committed_index: the committed position from the replicas' match positions, as majority
// commit computes it, for 3, 5, 7, 9 and 11 replicas. `composed` is majority::commit_point on a
// replication_view (a span, dispatched on its size at run time); `floor` is the same selection
// written by hand on a fixed-size plain array. Inputs rotate through a pool.
#include <replica/commit/majority.hpp>
#include <replica/commit/semi_synchronous.hpp>
#include <replica/resolve/maximal.hpp>
#include <replica/topology/leaderless/request_table.hpp>
#include <replica/topology/leaderless/ring.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/version_vector.hpp>

#include <replica/replicator.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include "allocations.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace rp = replica;

namespace {

constexpr std::size_t pool = 256;

template <std::size_t N>
std::vector<std::array<std::uint64_t, N>> match_pool() {
  std::mt19937_64 g{N};
  std::vector<std::array<std::uint64_t, N>> p(pool);
  for (auto& a : p)
    for (auto& x : a) x = 1000 + g() % 64;  // a lagging, clustered cluster: many near-ties
  return p;
}

/// The floor: the median of a fixed-size plain array by a selection network (3, 5, 7, 9), or
/// by branch-free counting (11), written out by hand with no view, span or dispatch.
template <std::size_t N>
std::uint64_t floor_committed(const std::array<std::uint64_t, N>& m) {
  std::array<std::uint64_t, N> p = m;
  auto s = [&p](std::size_t a, std::size_t b) {
    const std::uint64_t lo = p[a] < p[b] ? p[a] : p[b];
    const std::uint64_t hi = p[a] < p[b] ? p[b] : p[a];
    p[a] = lo;
    p[b] = hi;
  };
  if constexpr (N == 3) {
    s(0, 1), s(1, 2), s(0, 1);
  } else if constexpr (N == 5) {
    s(0, 1), s(3, 4), s(0, 3), s(1, 4), s(1, 2), s(2, 3), s(1, 2);
  } else if constexpr (N == 7) {
    s(0, 5), s(0, 3), s(1, 6), s(2, 4), s(0, 1), s(3, 5), s(2, 6), s(2, 3), s(3, 6), s(4, 5), s(1, 4), s(1, 3), s(3, 4);
  } else if constexpr (N == 9) {
    s(1, 2), s(4, 5), s(7, 8), s(0, 1), s(3, 4), s(6, 7), s(1, 2), s(4, 5), s(7, 8), s(0, 3), s(5, 8), s(4, 7),
        s(3, 6), s(1, 4), s(2, 5), s(4, 7), s(4, 2), s(6, 4), s(4, 2);
  } else {
    std::uint64_t best = 0;
    for (std::size_t i = 0; i < N; ++i) {
      std::size_t ge = 0;
      for (std::size_t j = 0; j < N; ++j) ge += p[j] >= p[i];
      const std::uint64_t c = ge >= N / 2 + 1 ? p[i] : 0;
      best = c > best ? c : best;
    }
    return best;
  }
  return p[N / 2];
}

template <std::size_t N>
void committed_index_composed(benchmark::State& st) {
  const auto ms = match_pool<N>();
  std::size_t i = 0;
  for (auto _ : st) {
    const rp::replication_view v{ms[i % pool], rp::replica_id{0}};
    benchmark::DoNotOptimize(rp::majority::commit_point(v));
    ++i;
  }
}

template <std::size_t N>
void committed_index_floor(benchmark::State& st) {
  const auto ms = match_pool<N>();
  for (const auto& m : ms)  // the floor computes the same answer
    if (floor_committed<N>(m) != *rp::majority::commit_point(rp::replication_view{m, rp::replica_id{0}}))
      st.SkipWithError("floor and composed disagree");
  std::size_t i = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(floor_committed<N>(ms[i % pool]));
    ++i;
  }
}

template <std::size_t N>
void committed_index_semi_sync(benchmark::State& st) {
  const auto ms = match_pool<N>();
  std::size_t i = 0;
  for (auto _ : st) {
    const rp::replication_view v{ms[i % pool], rp::replica_id{0}};
    benchmark::DoNotOptimize(rp::semi_synchronous<2>::commit_point(v));
    ++i;
  }
}

// ---- leaderless: maximal versions of R replies ----
constexpr std::size_t vv_width = 5;
struct vv_reply {
  rp::version_vector<vv_width> version;
  rp::value_type value;
};
/// Reply sets built by real updates: R replicas each derived from a shared ancestor by 0 to 2
/// local events, so some supersede others, some are equal and some are concurrent.
template <std::size_t R>
std::vector<std::array<vv_reply, R>> vv_pool() {
  std::mt19937_64 g{R * 7};
  std::vector<std::array<vv_reply, R>> p(pool);
  for (auto& set : p) {
    rp::version_vector<vv_width> base{{5, 3, 2, 7, 1}};
    for (std::size_t i = 0; i < R; ++i) {
      set[i].version = base;
      for (std::uint64_t e = g() % 3; e > 0; --e) (void)set[i].version.advance(rp::replica_id{static_cast<std::uint32_t>(g() % vv_width)});
      set[i].value = static_cast<rp::value_type>(i);
      if (g() % 4 == 0) base = set[i].version;  // a later reply may descend from this one
    }
  }
  return p;
}
template <std::size_t R>
void resolve_vv_composed(benchmark::State& st) {
  const auto p = vv_pool<R>();
  std::size_t i = 0, kept = 0;
  for (auto _ : st) {
    auto set = p[i++ % pool];
    kept += rp::keep_maximal(set.begin(), set.end(), &vv_reply::version);
    benchmark::DoNotOptimize(set);
  }
  benchmark::DoNotOptimize(kept);
}
template <std::size_t R>
void resolve_vv_handwritten(benchmark::State& st) {
  const auto p = vv_pool<R>();
  std::size_t i = 0, kept = 0;
  for (auto _ : st) {
    auto set = p[i++ % pool];
    // One pass, each pair compared at most once (the algorithm keep_maximal uses).
    std::size_t out = 0;
    for (std::size_t a = 0; a < R; ++a) {
      const auto va = set[a].version.counters();
      bool dominated = false;
      for (std::size_t k = 0; k < out;) {
        const auto& vk = set[k].version.counters();
        bool ge = true, lt = true;  // va <= vk, vk <= va: one pass over the counters
        for (std::size_t c = 0; c < vv_width; ++c) {
          ge &= va[c] <= vk[c];
          lt &= vk[c] <= va[c];
        }
        if (ge) {  // kept one at or above: drop the new one
          dominated = true;
          break;
        }
        if (lt) {  // new one supersedes the kept one
          for (std::size_t m = k + 1; m < out; ++m) set[m - 1] = set[m];
          --out;
          continue;
        }
        ++k;
      }
      if (!dominated) set[out++] = set[a];
    }
    kept += out;
    benchmark::DoNotOptimize(set);
  }
  benchmark::DoNotOptimize(kept);
}

template <std::size_t R>
std::vector<std::array<rp::dotted_version_vector, R>> dvv_pool() {
  std::mt19937_64 g{R * 11};
  std::vector<std::array<rp::dotted_version_vector, R>> p(pool);
  for (auto& set : p) {
    rp::dotted_version_vector base;
    for (std::uint32_t r = 0; r < vv_width; ++r)
      for (int e = 0; e < 3; ++e) (void)base.advance(rp::replica_id{r});
    for (std::size_t i = 0; i < R; ++i) {
      set[i] = base;
      for (std::uint64_t e = g() % 3; e > 0; --e) (void)set[i].advance(rp::replica_id{static_cast<std::uint32_t>(g() % vv_width)});
      if (g() % 4 == 0) base = set[i];
    }
  }
  return p;
}
template <std::size_t R>
void resolve_dvv_composed(benchmark::State& st) {
  const auto p = dvv_pool<R>();
  std::array<std::size_t, R> idx{};
  std::size_t i = 0, kept = 0;
  for (auto _ : st) {
    const auto& set = p[i++ % pool];
    // The replies stay where they are (no copies of their vectors): which ones are maximal.
    kept += rp::maximal_positions(set.begin(), set.end(), idx.begin());
    benchmark::DoNotOptimize(idx);
  }
  benchmark::DoNotOptimize(kept);
}
template <std::size_t R>
void resolve_dvv_handwritten(benchmark::State& st) {
  const auto p = dvv_pool<R>();
  std::array<std::size_t, R> idx{};
  std::size_t i = 0, kept = 0;
  for (auto _ : st) {
    const auto& set = p[i++ % pool];
    std::size_t out = 0;
    for (std::size_t a = 0; a < R; ++a) {
      bool dominated = false;
      for (std::size_t k = 0; k < out;) {
        const auto o = set[idx[k]].compare(set[a]);
        if (o == rp::causal_order::after || o == rp::causal_order::equal) {
          dominated = true;
          break;
        }
        if (o == rp::causal_order::before) {
          for (std::size_t m = k + 1; m < out; ++m) idx[m - 1] = idx[m];
          --out;
          continue;
        }
        ++k;
      }
      if (!dominated) idx[out++] = a;
    }
    kept += out;
    benchmark::DoNotOptimize(idx);
  }
  benchmark::DoNotOptimize(kept);
}

// ---- leaderless: ring lookup ----
rp::hash_ring make_ring(std::size_t nodes, std::size_t vnodes) {
  std::vector<rp::ring_member> m;
  for (std::uint32_t i = 0; i < nodes; ++i) m.push_back({rp::replica_id{i}, rp::datacenter{0}});
  return rp::hash_ring::make(m, vnodes).value();
}
void ring_lookup_composed(benchmark::State& st, std::size_t nodes, std::size_t vnodes) {
  const auto ring = make_ring(nodes, vnodes);
  std::array<rp::ring_member, 3> out{};
  rp::key_type k = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(ring.preference_list(k++, 3, out));
    benchmark::DoNotOptimize(out);
  }
}
void ring_lookup_handwritten(benchmark::State& st, std::size_t nodes, std::size_t vnodes) {
  // The same tokens as the ring's, built by hand into plain arrays.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> tokens;
  for (std::uint32_t m = 0; m < nodes; ++m)
    for (std::uint64_t v = 0; v < vnodes; ++v) tokens.emplace_back(rp::mix64(rp::mix64(m + 1) ^ (v * 0x9e3779b97f4a7c15ULL)), m);
  std::sort(tokens.begin(), tokens.end());
  std::vector<std::uint64_t> points;
  std::vector<std::uint32_t> owner;
  for (const auto& [p, m] : tokens) {
    points.push_back(p);
    owner.push_back(m);
  }
  std::array<std::uint32_t, 3> out{};
  rp::key_type k = 0;
  for (auto _ : st) {
    const std::uint64_t p = rp::hash_ring::point_of(k++);
    std::size_t i = static_cast<std::size_t>(std::lower_bound(points.begin(), points.end(), p) - points.begin());
    std::size_t got = 0;
    for (std::size_t step = 0; step < points.size() && got < 3; ++step, ++i) {
      if (i == points.size()) i = 0;
      const std::uint32_t m = owner[i];
      bool seen = false;
      for (std::size_t j = 0; j < got; ++j) seen |= out[j] == m;
      if (!seen) out[got++] = m;
    }
    benchmark::DoNotOptimize(out);
  }
}

// ---- leaderless: coordinator fan-out of a write ----
// One coordinator (node 0 of 5) takes a write for a key it replicates (N = 3, W = 2, LWW on a
// hybrid logical clock: fixed-size versions), stores it, sends it to the other two replicas,
// receives both acknowledgements and answers the client. Keys cycle over 1024 that node 0
// coordinates. `same_work` (below `composed`) does the node's work for this request, every
// check and record included: what the templates cost. `handwritten` (the headline) does the
// same exchange with none of the checks and records a coordinator needs
// beyond it (no consistency level, deadline, addressing check, delete flag, tombstone list,
// hint target or reply status): it takes the same client request and answers its client and
// request id; preference list from the same ring, clock advance, store in a std::map with a
// durable record and a Merkle leaf update over the whole version, one message per replica;
// each acknowledgement, a message naming its request, is found in a fixed ring of 64 slots and
// counted once per replica. The two baselines bound the composed node from both sides: what
// the same work costs written by hand, and what the bare exchange costs.
using fanout_node = rp::leaderless_node<rp::replicator<rp::leaderless<rp::n<3>, rp::w<2>, rp::r<2>>, rp::last_write_wins,
                                                       rp::hybrid_logical_clock>>;
// Enough keys that the branch predictor cannot learn their ring searches (with 64 keys it learnt
// the hand-written loop's branching search: 12 ns a walk, against 27 ns without branches).
constexpr std::size_t fanout_keys = 1024;
std::vector<rp::key_type> coordinated_keys(const rp::hash_ring& ring) {
  std::vector<rp::key_type> keys;
  std::array<rp::ring_member, 3> pl{};
  for (rp::key_type k = 0; keys.size() < fanout_keys; ++k)
    if (ring.preference_list(k, 3, pl) == 3 && pl[0].id == rp::replica_id{0}) keys.push_back(k);
  return keys;
}
/// Runs one fan-out variant's `one()` (a request from client to reply): warmed up first (every
/// key stored twice, every buffer at its size), then timed, counting heap allocations.
template <class F>
void run_fanout(benchmark::State& st, F& one) {
  for (std::size_t i = 0; i < 2 * fanout_keys; ++i) one();
  const auto before = bench::allocations.load();
  for (auto _ : st) one();
  st.counters["allocs_per_request"] = static_cast<double>(bench::allocations.load() - before) / static_cast<double>(st.iterations());
}
/// The replicas' acknowledgements of the puts in `messages`, written into the envelopes `acks`
/// (made once) and addressed back; how many. (What a replica spends building its answer is not
/// the coordinator's work, so both coordinators get theirs this way.)
template <class Put, class Ack, class Messages, class Acks>
std::size_t acknowledge(const Messages& messages, Acks& acks) {
  std::size_t n = 0;
  for (const auto& m : messages) {
    const auto& p = std::get<Put>(m.payload);
    auto& a = acks[n++];
    a.from = m.to;
    a.to = m.from;
    auto& ack = std::get<Ack>(a.payload);
    ack.req = p.req;
    ack.key = p.key;
  }
  return n;
}
void fanout_composed(benchmark::State& st) {
  fanout_node::config cfg;
  cfg.nodes = 5;
  fanout_node node{rp::replica_id{0}, cfg, {}};
  const auto keys = coordinated_keys(node.ring());
  std::array<rp::envelope<fanout_node::message>, 2> acks{};  // (see acknowledge)
  for (auto& a : acks) a.payload = fanout_node::put_ack{};
  std::int64_t t = 1000;
  std::uint64_t id = 0, replies = 0;
  auto one = [&] {
    const rp::key_type k = keys[id % keys.size()];
    const rp::local_time now{rp::duration{++t}};
    node.submit({rp::client_id{1}, rp::request_id{++id}, {rp::op_kind::write, k, static_cast<rp::value_type>(id)}}, now);
    auto& out = node.effects();
    const std::size_t n = acknowledge<fanout_node::put, fanout_node::put_ack>(out.messages, acks);
    out.clear();
    for (std::size_t i = 0; i < n; ++i) (void)node.step(acks[i], now);
    replies += node.effects().replies.size();
    node.effects().clear();
  };
  run_fanout(st, one);
  benchmark::DoNotOptimize(replies);
  if (replies != 2 * fanout_keys + static_cast<std::uint64_t>(st.iterations())) st.SkipWithError("a write was not answered");
}
void fanout_lean(benchmark::State& st) {
  struct stored {
    rp::hybrid_logical_clock version;
    rp::value_type value = 0;
  };
  struct put_msg {
    rp::replica_id to;
    std::uint64_t req = 0;
    rp::key_type key = 0;
    rp::hybrid_logical_clock version;
    rp::value_type value = 0;
  };
  struct reply {
    rp::client_id client;
    rp::request_id id;
  };
  struct ack_msg {
    rp::replica_id from;
    std::uint64_t req = 0;
  };
  struct in_flight {  // a request waiting for acknowledgements
    std::uint64_t req = 0;
    rp::client_id client;  // whom to answer
    rp::request_id id;
    std::array<rp::replica_id, 3> targets{};
    std::array<bool, 3> acked{};
    std::size_t n = 0, acks = 0;
    bool answered = false;
  };
  const auto ring = make_ring(5, 64);
  const auto keys = coordinated_keys(ring);
  const rp::replica_id self{0};
  std::map<rp::key_type, stored> store;
  rp::hybrid_logical_clock clock;
  std::vector<put_msg> out;
  out.reserve(8);
  std::vector<reply> replies_out;
  replies_out.reserve(8);
  std::vector<std::pair<rp::key_type, stored>> durable;  // the persistence outbox
  durable.reserve(8);
  std::array<std::uint64_t, 64> leaves{};                 // Merkle buckets (inner nodes lazy, as the node's)
  std::array<in_flight, 64> table{};                      // requests in flight, slot req % 64
  std::vector<ack_msg> acks;
  acks.reserve(8);
  auto leaf_hash = [](rp::key_type k, const stored& s) {  // the whole version and the value
    return rp::mix64(k ^ static_cast<std::uint64_t>(s.version.wall()) ^ (s.version.logical() << 20) ^
                     (static_cast<std::uint64_t>(s.version.origin().value()) << 52) ^ static_cast<std::uint64_t>(s.value));
  };
  std::int64_t t = 1000;
  std::uint64_t id = 0, replies = 0;
  auto one = [&] {
    const rp::local_time now{rp::duration{++t}};
    // The same client request as the composed node takes, and answered to its client and id.
    const rp::key_type k = keys[id % keys.size()];
    ++id;
    const rp::client_request<rp::kv_op> req{rp::client_id{1}, rp::request_id{id}, {rp::op_kind::write, k, static_cast<rp::value_type>(id)}};
    std::array<rp::ring_member, 3> pl{};
    const std::size_t n = ring.preference_list(k, 3, pl);
    (void)clock.advance(self, now);
    auto& s = store[k];
    if (s.version.compare(clock) == rp::causal_order::before || s.version == rp::hybrid_logical_clock{}) {
      auto& leaf = leaves[rp::mix64(k) & 63];
      leaf ^= leaf_hash(k, s);
      s = {clock, req.op.value};
      leaf ^= leaf_hash(k, s);
      durable.emplace_back(k, s);
    }
    in_flight& q = table[id % table.size()];
    q = {id, req.client, req.id, {}, {}, n, 0, false};
    out.clear();
    for (std::size_t i = 0; i < n; ++i) {
      q.targets[i] = pl[i].id;
      if (pl[i].id == self) {
        q.acked[i] = true;
        ++q.acks;
      } else {
        out.push_back({pl[i].id, id, k, clock, req.op.value});
      }
    }
    acks.clear();
    for (const auto& m : out) acks.push_back({m.to, m.req});  // each replica acknowledges
    for (const auto& a : acks) {
      if (a.from.value() >= 5) continue;  // not a member
      in_flight& r = table[a.req % table.size()];
      if (r.req != a.req) continue;  // late: already answered
      for (std::size_t i = 0; i < r.n; ++i)
        if (r.targets[i] == a.from && !r.acked[i]) {
          r.acked[i] = true;
          ++r.acks;
        }
      if (!r.answered && r.acks >= 2) {
        r.answered = true;
        replies_out.push_back({r.client, r.id});
      }
    }
    replies += replies_out.size() + durable.size();
    replies_out.clear();
    durable.clear();
    benchmark::DoNotOptimize(leaves);
  };
  run_fanout(st, one);
  benchmark::DoNotOptimize(replies);
}

// The hand-written coordinator: the node's work for this write, written out for this one
// configuration (LWW on a hybrid logical clock, strict quorum, N = 3) with no policy, variant
// state or shared reply type. What the node does on this path, it does: the request's
// consistency level resolved against the key's replicas and their datacenters (every level,
// with its errors), the primary quorum (PW), a deadline, the causal context checked, the delete
// flag, a store that merges the clock and keeps the newer version, the Merkle leaf, the durable
// record and the tombstone list; messages in envelopes (sender, receiver, group) carrying the
// request, the key, the version, the hint target and the handoff flag; acknowledgements checked
// for their sender, receiver and group, matched to the target they answer (once, and only if it
// was asked), handoffs apart; and a reply with a status. (A coordinator written for its own
// load: a fixed table of 64 requests in flight, refusing a request when its slot is busy.)
void fanout_same_work(benchmark::State& st) {
  using rp::hybrid_logical_clock;
  struct versioned {  // one version of a key's value (a delete: a tombstone)
    hybrid_logical_clock version;
    rp::value_type value = 0;
    bool tombstone = false;
  };
  struct stored {
    versioned v;
    std::uint64_t fingerprint = 0;  // what its Merkle leaf sums (0: nothing stored)
  };
  struct put {
    std::uint64_t req = 0;
    rp::key_type key = 0;
    versioned v;
    std::optional<rp::replica_id> hint_for;
    bool handoff = false;
  };
  struct put_ack {
    std::uint64_t req = 0;
    rp::key_type key = 0;
    bool handoff = false;
  };
  struct get {
    std::uint64_t req = 0;
    rp::key_type key = 0;
  };
  struct get_reply {
    std::uint64_t req = 0;
    rp::key_type key = 0;
    versioned v;
  };
  using message = std::variant<put, put_ack, get, get_reply>;
  struct envelope {
    // (A constructor of its own: `emplace_back()` would value-initialize the envelope, zero-filling
    // it with GCC's `rep stos` first, slow on short lengths; the library's reply type avoids it so.)
    envelope() noexcept {}  // NOLINT(modernize-use-equals-default)
    rp::replica_id from, to;
    rp::group_id group;
    message payload;
  };
  struct reply {
    rp::client_id client;
    rp::request_id id;
    rp::reply_status status = rp::reply_status::ok;
    rp::errc error{};
  };
  struct durable {
    rp::key_type key = 0;
    versioned v;
  };
  constexpr std::size_t N = 3, W = 2, max_dcs = 16;
  struct request {
    std::uint64_t req = 0;  // 0: a free slot
    bool write = false;
    rp::client_id client;
    rp::request_id id;
    rp::key_type key = 0;
    rp::local_time started{}, deadline{};
    std::array<rp::ring_member, N> targets{};
    std::size_t n = 0;
    std::uint32_t answered = 0, tried = 0;  // bit i: targets[i]
    std::size_t acks = 0, total = 0, primaries = 0;
    bool by_dc = false, replied = false;
    std::array<std::uint8_t, max_dcs> per_dc{};
  };
  struct hint {
    rp::replica_id target;
    rp::key_type key = 0;
  };

  // The cluster: node 0 of 5 (all in datacenter 0), group 0, the node's default timeout.
  const rp::replica_id self{0};
  const std::size_t nodes = 5;
  const rp::group_id group{};
  const rp::duration timeout = std::chrono::milliseconds{500};
  const std::size_t primary_writes = 0;
  const rp::datacenter local{0};
  const auto ring = make_ring(nodes, 64);
  const auto keys = coordinated_keys(ring);

  std::map<rp::key_type, stored> store;
  std::map<rp::key_type, rp::local_time> tombstoned;
  std::vector<hint> hints;
  std::array<std::uint64_t, 64> leaves{};  // Merkle buckets (inner nodes lazy, as the node's)
  std::array<request, 64> table{};         // requests in flight, slot req % 64
  hybrid_logical_clock clock;
  std::uint64_t next_req = 1;
  rp::local_time now{};
  std::vector<envelope> messages;
  std::vector<reply> replies_out;
  std::vector<durable> persist;
  messages.reserve(8);
  replies_out.reserve(8);
  persist.reserve(8);

  std::uint64_t refused = 0;  // (none here: every write is answered ok, checked below)
  auto refuse = [&](const rp::client_request<rp::kv_op>& r, rp::errc why) {
    ++refused;
    replies_out.push_back({r.client, r.id, rp::reply_status::fail, why});
  };
  auto fingerprint = [](const stored& s) {
    const std::uint64_t h = rp::mix64(static_cast<std::uint64_t>(s.v.version.wall()) * 0x9e3779b97f4a7c15ULL ^
                                      s.v.version.logical() * 0xc2b2ae3d27d4eb4fULL ^
                                      std::uint64_t{s.v.version.origin().value()} * 0x165667b19e3779f9ULL) * 31 +
                            static_cast<std::uint64_t>(s.v.value) * 7 + (s.v.tombstone ? 1 : 0);
    return h == 0 ? 1 : h;
  };
  // Keeps the newer of what is stored and what arrives; persists, and updates the Merkle leaf.
  auto store_version = [&](rp::key_type k, const hybrid_logical_clock& v, rp::value_type value, bool tombstone) {
    clock.merge(v);
    stored& s = store[k];
    if (s.fingerprint != 0) {
      const rp::causal_order o = v.compare(s.v.version);
      if (o == rp::causal_order::before || o == rp::causal_order::equal) return;  // known
    }
    const std::uint64_t before = s.fingerprint;
    s.v.version = v;  // (each field written where it lies: see the messages below)
    s.v.value = value;
    s.v.tombstone = tombstone;
    s.fingerprint = fingerprint(s);
    const std::uint64_t kh = rp::mix64(k);
    std::uint64_t& leaf = leaves[kh & 63];
    if (before != 0) leaf ^= rp::mix64(kh ^ before);
    leaf ^= rp::mix64(kh ^ s.fingerprint);
    durable& d = persist.emplace_back();  // (each record written in place, as the messages)
    d.key = k;
    d.v.version = v;
    d.v.value = value;
    d.v.tombstone = tombstone;
    if (tombstone)
      tombstoned.try_emplace(k, now);
    else if (!tombstoned.empty())
      tombstoned.erase(k);
  };
  // The request's level against its key's replicas (Cassandra's levels); an error if unmeetable.
  auto resolve_level = [&](request& q, rp::consistency_level level) -> std::optional<rp::errc> {
    std::size_t total = 0;
    q.by_dc = false;
    switch (level) {
      case rp::consistency_level::configured: total = W; break;
      case rp::consistency_level::one: total = 1; break;
      case rp::consistency_level::two: total = 2; break;
      case rp::consistency_level::three: total = 3; break;
      case rp::consistency_level::quorum: total = q.n / 2 + 1; break;
      case rp::consistency_level::all: total = q.n; break;
      case rp::consistency_level::local_quorum:
      case rp::consistency_level::each_quorum: {
        std::array<std::uint8_t, max_dcs> in_dc{};
        for (std::size_t i = 0; i < q.n; ++i) ++in_dc[q.targets[i].dc.value()];  // (tags checked at start-up)
        q.per_dc = {};
        if (level == rp::consistency_level::local_quorum) {
          if (in_dc[local.value()] == 0) return rp::errc::unavailable;
          total = in_dc[local.value()] / 2 + 1;
          q.per_dc[local.value()] = static_cast<std::uint8_t>(total);
        } else {
          for (std::size_t d = 0; d < max_dcs; ++d)
            if (in_dc[d] > 0) {
              q.per_dc[d] = static_cast<std::uint8_t>(in_dc[d] / 2 + 1);
              total += q.per_dc[d];
            }
        }
        q.by_dc = true;
        break;
      }
      default: return rp::errc::out_of_range;
    }
    if (total > q.n) return rp::errc::unavailable;
    q.total = total;
    return std::nullopt;
  };
  auto met = [&](const request& q) {
    if (q.acks < q.total) return false;
    if (q.primaries > 0 && static_cast<std::size_t>(std::popcount(q.answered)) < q.primaries) return false;
    if (!q.by_dc) return true;
    std::array<std::uint8_t, max_dcs> have{};
    for (std::size_t i = 0; i < q.n; ++i)
      if (q.answered >> i & 1) ++have[q.targets[i].dc.value()];
    for (std::size_t d = 0; d < max_dcs; ++d)
      if (have[d] < q.per_dc[d]) return false;
    return true;
  };
  auto maybe_finish = [&](request& q) {
    if (q.replied || !met(q)) return;
    q.replied = true;
    reply& out = replies_out.emplace_back();
    out.client = q.client;
    out.id = q.id;
    q.req = 0;
  };
  auto start_write = [&](const rp::client_request<rp::kv_op>& r) {
    const std::uint64_t rid = next_req;
    request& q = table[rid % table.size()];
    if (q.req != 0) return refuse(r, rp::errc::unavailable);  // as many in flight as it takes
    q.n = ring.preference_list(r.op.key, N, q.targets);
    q.write = true;
    q.client = r.client;
    q.id = r.id;
    q.key = r.op.key;
    q.started = now;
    q.deadline = now + timeout;
    q.answered = q.tried = 0;
    q.acks = 0;
    q.replied = false;
    if (auto e = resolve_level(q, r.level)) return refuse(r, *e);
    q.primaries = primary_writes;
    if (q.primaries > q.n) return refuse(r, rp::errc::unavailable);
    if (!r.context.empty()) {  // after what the client read
      auto c = rp::causal_context::decode_hlc(r.context, r.op.key);
      if (!c) return refuse(r, c.err().code);
      clock.merge(*c);
    }
    ++next_req;
    q.req = rid;
    (void)clock.advance(self, now);
    const bool remove = r.op.kind == rp::op_kind::remove;
    const rp::value_type value = remove ? 0 : r.op.value;
    for (std::size_t i = 0; i < q.n; ++i) {
      q.tried |= 1u << i;
      if (q.targets[i].id == self) {
        store_version(r.op.key, clock, value, remove);
        q.answered |= 1u << i;
        ++q.acks;
      } else {
        envelope& e = messages.emplace_back();
        e.from = self;
        e.to = q.targets[i].id;
        e.group = group;
        put& p = e.payload.emplace<put>();
        p.req = rid;
        p.key = r.op.key;
        p.v.version = clock;
        p.v.value = value;
        p.v.tombstone = remove;
      }
    }
    maybe_finish(q);
  };
  auto submit = [&](const rp::client_request<rp::kv_op>& r) {
    switch (r.op.kind) {
      case rp::op_kind::write:
      case rp::op_kind::remove: return start_write(r);
      case rp::op_kind::cas: return refuse(r, rp::errc::unavailable);
      default: return refuse(r, rp::errc::unsupported);  // (reads: not this benchmark's path)
    }
  };
  auto on_ack = [&](rp::replica_id from, const put_ack& a) {
    if (a.handoff) {  // a hint handed off: drop it
      std::erase_if(hints, [&](const hint& h) { return h.target == from && h.key == a.key; });
      return;
    }
    if (a.req == 0) return;  // a read repair was stored
    request& q = table[a.req % table.size()];
    if (q.req != a.req || !q.write) return;  // late: already answered
    for (std::size_t i = 0; i < q.n; ++i)
      if (q.targets[i].id == from && !(q.answered >> i & 1) && (q.tried >> i & 1)) {
        q.answered |= 1u << i;
        ++q.acks;
        break;
      }
    maybe_finish(q);
  };
  auto step = [&](const envelope& m) -> std::optional<rp::errc> {
    if (m.from.value() >= nodes || m.from == self || m.to != self) return rp::errc::unknown_replica;
    if (m.group != group) return rp::errc::wrong_group;
    if (const auto* a = std::get_if<put_ack>(&m.payload)) on_ack(m.from, *a);
    return std::nullopt;  // (puts, gets and replies: not this benchmark's path)
  };

  std::array<envelope, 2> acks{};
  for (auto& a : acks) a.payload = put_ack{};
  std::int64_t t = 1000;
  std::uint64_t id = 0, replies = 0, answered = 0;
  auto one = [&] {
    const rp::key_type k = keys[id % keys.size()];
    now = rp::local_time{rp::duration{++t}};
    submit({rp::client_id{1}, rp::request_id{++id}, {rp::op_kind::write, k, static_cast<rp::value_type>(id)}});
    const std::size_t n = acknowledge<put, put_ack>(messages, acks);
    messages.clear();
    for (std::size_t i = 0; i < n; ++i) (void)step(acks[i]);
    answered += replies_out.size();
    replies += replies_out.size() + persist.size();
    replies_out.clear();
    persist.clear();
    benchmark::DoNotOptimize(leaves);
  };
  run_fanout(st, one);
  benchmark::DoNotOptimize(replies);
  if (answered != 2 * fanout_keys + static_cast<std::uint64_t>(st.iterations()) || refused != 0)
    st.SkipWithError("a write was not answered, or was refused");
}

// ---- leaderless: the coordinator's table of requests in flight ----
// A sliding window of requests: each step adds the next id and, once `inflight` are open,
// finds and ends the oldest (an acknowledgement answering it). `composed` is `request_table`;
// `handwritten` a fixed ring of slots sized in advance to a power of two above the window (what
// a coordinator that knows its maximum load would write: it counts an add to a slot still held
// as refused, where the table grows), found by id mod size, with the same three operations.
struct in_flight_request {  // what a request holds (a struct, as the coordinator's)
  std::uint64_t value = 0;
};
void in_flight_composed(benchmark::State& st, std::uint64_t inflight) {
  rp::request_table<in_flight_request> t;
  std::uint64_t id = 0, sum = 0;
  auto one = [&] {
    ++id;
    t.add(id).value = id;
    if (id > inflight) {
      if (const auto* q = t.find(id - inflight)) sum += q->value;
      t.drop(id - inflight);
    }
  };
  for (std::uint64_t i = 0; i < 2 * inflight + 64; ++i) one();  // warm: the table at its size
  const auto before = bench::allocations.load();
  for (auto _ : st) one();
  st.counters["allocs_per_request"] = static_cast<double>(bench::allocations.load() - before) / static_cast<double>(st.iterations());
  benchmark::DoNotOptimize(sum);
}
void in_flight_handwritten(benchmark::State& st, std::uint64_t inflight) {
  struct slot {
    std::uint64_t id = 0;  // 0: free (ids start at 1)
    in_flight_request request;
  };
  std::size_t size = 1;
  while (size <= inflight) size *= 2;
  std::vector<slot> ring(size);
  const std::size_t mask = size - 1;
  std::uint64_t id = 0, sum = 0, refused = 0;
  // The table's three operations, as the composed loop calls them.
  auto add = [&](std::uint64_t i) -> in_flight_request& {
    slot& s = ring[i & mask];
    if (s.id != 0) [[unlikely]]
      ++refused;  // full: a request still holds the slot (never, with the ring sized to the window)
    s.id = i;
    return s.request;
  };
  auto find = [&](std::uint64_t i) -> in_flight_request* {
    slot& s = ring[i & mask];
    return s.id == i ? &s.request : nullptr;
  };
  auto drop = [&](std::uint64_t i) {
    slot& s = ring[i & mask];
    if (s.id == i) s.id = 0;
  };
  auto one = [&] {
    ++id;
    add(id).value = id;
    if (id > inflight) {
      if (const auto* q = find(id - inflight)) sum += q->value;
      drop(id - inflight);
    }
  };
  for (std::uint64_t i = 0; i < 2 * inflight + 64; ++i) one();
  const auto before = bench::allocations.load();
  for (auto _ : st) one();
  st.counters["allocs_per_request"] = static_cast<double>(bench::allocations.load() - before) / static_cast<double>(st.iterations());
  benchmark::DoNotOptimize(sum);
  if (refused != 0) st.SkipWithError("the hand-written ring overflowed");
}

void register_leaderless() {
  benchmark::RegisterBenchmark("coordinator_fanout/composed/3", fanout_composed);
  benchmark::RegisterBenchmark("coordinator_fanout/handwritten/3", fanout_lean);
  benchmark::RegisterBenchmark("coordinator_fanout/same_work/3", fanout_same_work);
  for (std::uint64_t inflight : {1, 16, 1000, 10000}) {
    const std::string a = "/" + std::to_string(inflight);
    benchmark::RegisterBenchmark(("requests_in_flight/composed" + a).c_str(), in_flight_composed, inflight);
    benchmark::RegisterBenchmark(("requests_in_flight/handwritten" + a).c_str(), in_flight_handwritten, inflight);
  }
  auto reg_r = [](auto r) {
    constexpr std::size_t R = decltype(r)::value;
    const std::string n = "/" + std::to_string(R);
    benchmark::RegisterBenchmark(("resolve_maximal_vv/composed" + n).c_str(), resolve_vv_composed<R>);
    benchmark::RegisterBenchmark(("resolve_maximal_vv/handwritten" + n).c_str(), resolve_vv_handwritten<R>);
    benchmark::RegisterBenchmark(("resolve_maximal_dvv/composed" + n).c_str(), resolve_dvv_composed<R>);
    benchmark::RegisterBenchmark(("resolve_maximal_dvv/handwritten" + n).c_str(), resolve_dvv_handwritten<R>);
  };
  reg_r(std::integral_constant<std::size_t, 2>{});
  reg_r(std::integral_constant<std::size_t, 3>{});
  reg_r(std::integral_constant<std::size_t, 5>{});
  for (std::size_t nodes : {6, 64})
    for (std::size_t vnodes : {16, 256}) {
      const std::string a = "/" + std::to_string(nodes) + "/" + std::to_string(vnodes);
      benchmark::RegisterBenchmark(("ring_lookup/composed" + a).c_str(), ring_lookup_composed, nodes, vnodes);
      benchmark::RegisterBenchmark(("ring_lookup/handwritten" + a).c_str(), ring_lookup_handwritten, nodes, vnodes);
    }
}

template <std::size_t N>
void register_n() {
  const std::string n = "/" + std::to_string(N);
  benchmark::RegisterBenchmark(("committed_index/composed" + n).c_str(), committed_index_composed<N>);
  benchmark::RegisterBenchmark(("committed_index/floor" + n).c_str(), committed_index_floor<N>);
  benchmark::RegisterBenchmark(("semi_sync_committed_index/composed" + n).c_str(), committed_index_semi_sync<N>);
}

}  // namespace

int main(int argc, char** argv) {
  register_n<3>();
  register_n<5>();
  register_n<7>();
  register_n<9>();
  register_n<11>();
  register_leaderless();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
