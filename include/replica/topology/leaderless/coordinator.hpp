#pragma once
/// \file
/// The coordinator of a leaderless node: a request's targets (the key's N replicas, then
/// fallbacks), fan-out, counting acknowledgements and replies against the request's level and
/// primary quorum (PW/PR), sloppy-quorum fallbacks, answering at W or R, and timeouts (which
/// answer `unknown`, never `fail`). A CRTP base of `leaderless_node`, as the leader-based role
/// steps are: the state stays the node's, and the node befriends this class.

#include <replica/core/client.hpp>
#include <replica/core/fixed_vector.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>
#include <replica/topology/leaderless/consistency.hpp>
#include <replica/topology/leaderless/events.hpp>
#include <replica/topology/leaderless/ring.hpp>

#include <boost/container/static_vector.hpp>

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>

namespace replica::leaderless_detail {

enum class request_kind : std::uint8_t { read, write };

/// A request a coordinator has in flight. `N`: the replication factor; `State`: what a key
/// holds; `Key`: the data model's key type.
template <class State, std::size_t N, class Key>
struct request {
  /// A request's targets: the key's N replicas and, for a sloppy write, as many fallbacks.
  static constexpr std::size_t max_targets = 2 * N;
  template <class T>
  using per_target = std::conditional_t<std::is_trivially_copyable_v<T>, fixed_vector<T, max_targets>,
                                        boost::container::static_vector<T, max_targets>>;
  request_kind what{};
  client_id client{};
  request_id id{};
  Key key{};
  local_time started{}, deadline{};
  per_target<ring_member> targets;     ///< the key's replicas, then fallbacks tried
  std::bitset<max_targets> answered;   ///< per target (bit i: targets[i])
  std::bitset<max_targets> tried;      ///< per target: sent to
  per_target<std::size_t> covered_by;  ///< per home replica: the fallback (target index) holding its write, or SIZE_MAX
  per_target<local_time> covered_at;   ///< per home replica: when that fallback was asked
  std::size_t acks = 0, fallback_acks = 0;
  State write;                         ///< what a write stores
  per_target<State> replies;           ///< per target, what a read got (reads only)
  quorum_requirement needs{};          ///< from the request's consistency level
  std::size_t primaries = 0;           ///< PW or PR: answers needed from the key's own replicas
  bool replied = false;                ///< the client has its answer (a read may still repair)
  // blocking read repair: the read waits for these replicas to acknowledge `repaired`
  per_target<bool> repair_wait;
  std::size_t waiting = 0;  ///< repairs not yet acknowledged (> 0: the read is waiting for them)
  State repaired;

  /// Whether the answers so far satisfy the level and the primary quorum.
  [[nodiscard]] bool met() const {
    if (acks < needs.total) return false;  // (acks: how many targets answered)
    if (primaries > 0) {
      std::size_t home = 0;
      for (std::size_t i = 0; i < targets.size() && i < N; ++i) home += answered[i] ? 1 : 0;
      if (home < primaries) return false;
    }
    if (!needs.by_dc) return true;  // (else: which datacenters answered)
    per_target<ring_member> members;  // the targets that answered (acknowledged, or replied)
    for (std::size_t i = 0; i < targets.size(); ++i)
      if (answered[i]) members.push_back(targets[i]);
    return needs.met(std::span<const ring_member>{members.data(), members.size()});
  }
  /// Marks the first target `from` that has not answered (and was sent to, if `sent_only`) as
  /// answered; its index, or nothing.
  std::optional<std::size_t> answer_from(replica_id from, bool sent_only) {
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (targets[i].id != from || answered[i] || (sent_only && !tried[i])) continue;
      answered[i] = true;
      ++acks;
      return i;
    }
    return std::nullopt;
  }
};

template <class Node>
class coordinator {
 protected:
  Node& n() noexcept { return static_cast<Node&>(*this); }
  const Node& n() const noexcept { return static_cast<const Node&>(*this); }

  template <class Req>
  void start_write(const Req& req) {
    using model = typename Node::model;
    constexpr bool lww = Node::lww;
    const auto& key = model::key_of(req.op);
    const std::uint64_t id = n().next_req_;
    auto& q = n().pending_.add(id);
    if constexpr (lww) {
      // The write made first and the ring walked after: a last-write-wins version needs no
      // placement, and the walk gives the version's stores time to reach the cache before the
      // store and the puts copy it. (Copied right after being written a field at a time, it was
      // read back with wider loads, a store-forwarding stall: docs/benchmarks.md, fan-out.) The
      // clock moves past the version only once the request is accepted, below.
      if (auto ok = make_write(q, req); !ok) {
        n().pending_.drop(id);
        return refuse(req, ok.err().code);
      }
    }
    walk_into(q.targets, key, Node::sloppy ? Node::n_replicas : 0);
    const auto home_end = q.targets.begin() + static_cast<std::ptrdiff_t>(std::min(Node::n_replicas, q.targets.size()));
    const bool replica = std::any_of(q.targets.begin(), home_end, [&](const ring_member& m) { return m.id == n().self_; });
    if (!lww && !replica) {
      // A sibling's (or a CRDT's) dot must name a replica of the key: let the first one coordinate.
      const replica_id first = q.targets.front().id;
      n().pending_.drop(id);
      n().send(first, typename Node::forward{req});
      return;
    }
    ++n().next_req_;
    if (auto ok = init_request(q, request_kind::write, req); !ok) {
      n().pending_.drop(id);
      return refuse(req, ok.err().code);
    }
    if constexpr (lww) {
      n().clock_merge(q.write.front().version);  // accepted: the next version comes after this one
    } else if (auto ok = make_write(q, req); !ok) {  // an operation the type has not, a bad context: nothing changes
      n().pending_.drop(id);
      return refuse(req, ok.err().code);
    }
    if (replica && !n().store(key, q.write)) {
      n().pending_.drop(id);
      return refuse(req, Node::order_broken.code);
    }
    for (std::size_t i = 0; i < q.targets.size() && i < Node::n_replicas; ++i) {
      q.tried[i] = true;
      if (q.targets[i].id == n().self_) {
        q.answered[i] = true;
        ++q.acks;
        continue;
      }
      n().template send_new<typename Node::put>(q.targets[i].id, id, key, q.write, std::nullopt, false);
    }
    maybe_finish_write(id, q);
  }
  /// What the write `req` stores, into `q.write` (the strategy's `make_write`). An error (an
  /// operation the type has not, a bad context) changes nothing but the request slot.
  template <class Q, class Req>
  status make_write(Q& q, const Req& req) {
    using model = typename Node::model;
    const auto& key = model::key_of(req.op);
    const auto mine = [&] { return n().stored(key); };
    if constexpr (Node::data_mode)  // (a data type per key: over the registers' kv_op)
      return Node::strategy::make_write(q.write, req.op, req.context, mine, n().clock_, n().self_, n().now_);
    else
      return Node::strategy::make_write(q.write, model::kind_of(req.op), model::value_of(req.op), Node::context_key(key), req.context,
                                        mine, n().clock_, n().self_, n().now_);
  }
  template <class Req>
  void start_read(const Req& req) {
    const auto& key = Node::model::key_of(req.op);
    const std::uint64_t id = n().next_req_++;
    auto& q = n().pending_.add(id);
    walk_into(q.targets, key);
    if (auto ok = init_request(q, request_kind::read, req); !ok) {
      n().pending_.drop(id);
      return refuse(req, ok.err().code);
    }
    for (std::size_t i = 0; i < q.targets.size() && i < Node::n_replicas; ++i) {
      q.tried[i] = true;
      if (q.targets[i].id == n().self_) {
        q.answered[i] = true;
        const auto* mine = n().stored(key);
        q.replies[i] = mine ? *mine : typename Node::state{};
        ++q.acks;
        continue;
      }
      n().send(q.targets[i].id, typename Node::get{id, key});
    }
    maybe_finish_read(id, q);
  }
  /// Answers `fail` with `why`: the request had no effect.
  template <class Req>
  void refuse(const Req& req, errc why) {
    typename Node::reply r{req.client, req.id};
    r.status = reply_status::fail;
    r.error = why;
    n().out_.replies.push_back(std::move(r));
  }
  /// `k`'s N replicas and then `extra` fallbacks, into `out` (a request's own targets).
  template <class Targets, class Key>
  void walk_into(Targets& out, const Key& k, std::size_t extra = 0) const {
    const std::size_t want = std::min(std::min(Node::n_replicas + extra, Node::request::max_targets), n().cfg_.data_nodes());
    out.resize_for_overwrite(n().ring_.walk(Node::model::key_id(k), std::span{out.data(), want}));
  }
  /// Fills the (recycled) request `q` for `req` to `q.targets` (the key's replicas, then
  /// fallbacks, set by the caller); an error if its level or primary quorum cannot be met.
  template <class Q, class Req>
  status init_request(Q& q, request_kind k, const Req& req) const {
    q.what = k;
    q.client = req.client;
    q.id = req.id;
    q.key = Node::model::key_of(req.op);
    q.started = n().now_;
    q.deadline = n().now_ + n().cfg_.request_timeout;
    q.answered.reset();
    q.tried.reset();
    if constexpr (Node::sloppy) {  // (only a sloppy quorum's fallbacks cover a home replica)
      q.covered_by.assign(q.targets.size(), SIZE_MAX);
      q.covered_at.assign(q.targets.size(), local_time{});
    }
    q.replies.clear();
    if (k == request_kind::read) q.replies.assign(q.targets.size(), typename Node::state{});
    q.acks = q.fallback_acks = 0;
    q.replied = false;
    q.repair_wait.clear();
    q.waiting = 0;
    const std::size_t home = std::min(Node::n_replicas, q.targets.size());
    const std::size_t quorum = n().quorum_[k == request_kind::write];
    if (auto ok = require(q.needs, req.level, std::span<const ring_member>{q.targets.data(), home}, quorum, n().local_dc_); !ok)
      return ok;  // a level the key's replicas cannot meet
    if constexpr (Node::strong_reads) {
      // The composed promise holds per request: this level's quorum must overlap the other
      // kind's configured one (a read at ONE under W = 2, N = 3 may miss the latest write).
      const std::size_t other = n().quorum_[k != request_kind::write];
      if (q.needs.total + other <= Node::n_replicas)
        return error{errc::out_of_range, "strong_reads promised: this level's quorum and the configured other one do not overlap"};
    }
    q.primaries = k == request_kind::write ? n().cfg_.primary_writes : n().cfg_.primary_reads;
    if (q.primaries > home) return error{errc::unavailable, "the primary quorum (PW, PR) needs more replicas than the key has"};
    return {};
  }
  template <class Q>
  void maybe_finish_write(std::uint64_t id, Q& q) {
    if (q.replied || !q.met()) return;
    q.replied = true;
    auto& r = n().out_.replies.emplace_back();  // built in place
    r.client = q.client;
    r.id = q.id;
    if constexpr (Node::sloppy) {  // (only a sloppy quorum's fallbacks acknowledge for others)
      r.fallback_acks = static_cast<std::uint32_t>(q.fallback_acks);
      if (q.fallback_acks > 0)
        n().out_.events.push_back({leaderless_event_kind::sloppy_write, q.key, n().self_, static_cast<std::uint32_t>(q.fallback_acks)});
    }
    // The context of what was written (Riak's PUT returning the object's context): a client that
    // writes again without reading passes it, and supersedes its own write. (LWW needs none:
    // its coordinators advance past every version they have seen.)
    if constexpr (!Node::lww) r.context = Node::strategy::context(Node::context_key(q.key), q.write);
    n().pending_.drop(id);
  }
  template <class Q>
  void maybe_finish_read(std::uint64_t id, Q& q) {
    if (!q.replied && q.waiting == 0 && q.met()) {
      auto resolved = resolve(q);
      if (!resolved) {
        // The replicas' versions cannot be one value: refuse the read, repair nothing.
        q.replied = true;
        typename Node::reply r{q.client, q.id};
        r.status = reply_status::fail;
        r.error = Node::order_broken.code;
        n().out_.replies.push_back(std::move(r));
        n().pending_.drop(id);
        return;
      }
      auto& best = *resolved;
      if constexpr (Node::blocking_repair) {
        if (n().start_blocking_repair(id, q, best)) return;  // answers once the stale replicas acknowledged
      }
      answer_read(q, best);
    }
    // Every replica answered (or the deadline passed): repair the ones that are behind.
    const bool all = q.answered.count() == q.targets.size();
    if (q.replied && all) {
      n().repair(q);
      n().pending_.drop(id);
    }
  }
  template <class Q, class State>
  void answer_read(Q& q, const State& best) {
    q.replied = true;
    typename Node::reply r{q.client, q.id};
    r.result = Node::strategy::read(best);  // a deleted key reads as nil; merge_with: one value
    r.context = Node::strategy::context(Node::context_key(q.key), best);
    n().out_.replies.push_back(std::move(r));
  }
  /// The join of the answers of `q`: the maximal versions among them (every concurrent
  /// sibling), or the CRDT states joined; nothing if they cannot be one key's.
  template <class Q>
  auto resolve(const Q& q) const {
    return Node::strategy::template resolve<Node::request::max_targets>(q.replies, q.answered, q.targets.size());
  }
  void expire_requests() {
    for (const std::uint64_t id : n().pending_.oldest_first()) {
      auto* found = n().pending_.find(id);
      if (!found) continue;  // (none today: handling one request ends only that one; a guard, not a path)
      auto& q = *found;
      if (n().now_ >= q.deadline) {
        if (q.what == request_kind::read && q.replied) {
          n().repair(q);  // some replicas never answered: repair those that did
        } else if (!q.replied) {
          // A request that times out answers unknown, never failed (Cassandra's WriteTimeout and
          // ReadTimeout): a write stored on fewer than W may still be there and spread; a read
          // (or its blocking repair) may have reached replicas. `unavailable` says why.
          typename Node::reply r{q.client, q.id};
          r.status = reply_status::unknown;
          r.error = errc::unavailable;
          n().out_.replies.push_back(std::move(r));
        }
        n().pending_.drop(id);
        continue;
      }
      if constexpr (Node::sloppy) {
        if (q.what == request_kind::write && n().now_ - q.started >= n().cfg_.replica_timeout) try_fallbacks(id, q);
      }
    }
  }
  /// Sloppy quorum: for every home replica still silent, the next untried fallback gets the
  /// write with a hint naming it (and the one after, if that fallback is silent too).
  template <class Q>
  void try_fallbacks(std::uint64_t id, Q& q) {
    const std::size_t home = std::min(Node::n_replicas, q.targets.size());
    for (std::size_t i = 0; i < home; ++i) {
      if (q.answered[i]) continue;
      if (q.covered_by[i] != SIZE_MAX && (q.answered[q.covered_by[i]] || n().now_ - q.covered_at[i] < n().cfg_.replica_timeout)) continue;
      for (std::size_t f = home; f < q.targets.size(); ++f) {
        if (q.tried[f]) continue;
        q.tried[f] = true;
        q.covered_by[i] = f;
        q.covered_at[i] = n().now_;
        if (q.targets[f].id == n().self_) {  // the coordinator is a fallback itself: hold the hint here
          if (!n().keep_hint(typename Node::hint{q.targets[i].id, q.key, q.write})) break;  // not held: no acknowledgement
          q.answered[f] = true;
          ++q.acks;
          ++q.fallback_acks;
        } else {
          n().send(q.targets[f].id, typename Node::put{id, q.key, q.write, q.targets[i].id, false});
        }
        break;
      }
    }
    maybe_finish_write(id, q);
  }
  /// A replica acknowledged a write (or a blocking read repair) of request `req`.
  void write_acked(replica_id from, std::uint64_t req) {
    auto* found = n().pending_.find(req);
    if (!found) return;  // late: already answered
    auto& q = *found;
    if (q.what == request_kind::read) {
      if (q.waiting > 0) n().repair_acked(req, q, from);
      return;
    }
    if (auto i = q.answer_from(from, true); i && Node::sloppy && *i >= Node::n_replicas) ++q.fallback_acks;
    maybe_finish_write(req, q);
  }
  /// A replica answered a read of request `req` with `versions`.
  template <class State>
  void read_replied(replica_id from, std::uint64_t req, const State& versions) {
    auto* found = n().pending_.find(req);
    if (!found || found->what != request_kind::read) return;
    auto& q = *found;
    if (auto i = q.answer_from(from, false)) q.replies[*i] = versions;
    maybe_finish_read(req, q);
  }
};

}  // namespace replica::leaderless_detail
