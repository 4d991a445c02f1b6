// libFuzzer target: a live three-node cluster fed well-typed messages with arbitrary field values
// (issue 27, point 2). The first byte picks the topology (leader-based Raft, leaderless N = 3
// with dotted version vectors, multi-leader last-write-wins); the rest is a script, one step per
// byte:
//   0  time passes (the next byte, in milliseconds) and every node ticks;
//   1  the messages the nodes sent each other are delivered (at most 64, oldest first);
//   2  a client writes, reads or compare-and-sets a small key at a node;
//   3  a message from bytes: the next byte is its length, then that many bytes decoded by the
//      codec as an envelope (a well-typed message, every field as the bytes say), addressed
//      from a valid peer to a node and stepped in (what a buggy or corrupted peer would send);
//   4  a node restarts from its disk (every persist entry it produced, applied in order).
// Nothing may crash, read out of bounds or grow without bound (ASan, UBSan and libFuzzer's RSS
// limit watch), and after every step each leader-based node's local invariants hold (applied
// at most commit, commit at most the last index, the log numbered consecutively after its
// snapshot, terms non-decreasing and none above the node's own): a violation aborts.
//   build/clang/fuzz/fuzz_live_cluster -max_total_time=60 CORPUS_COPY   (scripts/fuzz)
#include <replica/commit/majority.hpp>
#include <replica/core/node.hpp>
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

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace {

using namespace replica;
using raft = leader_based_node<replicator<leader_based, majority, cluster_size<3>>>;
using dynamo = leaderless_node<replicator<leaderless<n<3>, w<2>, r<2>>, keep_siblings, dotted_version_vector>>;
using regions = multi_leader_node<replicator<multi_leader, last_write_wins, hybrid_logical_clock>>;

constexpr std::size_t nodes = 3;
constexpr std::size_t max_in_flight = 4096;  // the nodes' own messages waiting; older ones are dropped beyond

/// The leader-based node's local invariants; true for the others (their state has no such order).
template <class Node>
bool invariants_hold(const Node& n) {
  if constexpr (requires { n.commit_index(); n.log(); }) {
    if (n.applied_index() > n.commit_index() || n.commit_index() > n.last_index()) return false;
    if (n.first_index() > n.snapshot_index() + 1 || n.snapshot_index() > n.applied_index()) return false;
    std::uint64_t index = n.first_index() - 1;
    term last{};
    for (const auto& e : n.log()) {
      if (e.index != ++index || e.term < last || e.term > n.current_term()) return false;
      last = e.term;
    }
    return index == n.last_index();
  } else {
    (void)n;
    return true;
  }
}

template <class Node>
typename Node::config config_of(std::uint32_t i) {
  typename Node::config c;
  c.nodes = nodes;
  if constexpr (requires { c.seed; }) c.seed = i + 1;
  return c;
}

template <class Node>
struct cluster {
  std::array<typename Node::durable_state, nodes> disks{};
  std::array<std::optional<Node>, nodes> live;
  std::deque<envelope<typename Node::message>> in_flight;
  duration now{};
  std::uint64_t next_request = 1;

  cluster() {
    for (std::uint32_t i = 0; i < nodes; ++i) live[i].emplace(replica_id{i}, config_of<Node>(i), disks[i]);
  }
  /// Carries out node `i`'s effects: persist onto its disk, messages into flight, replies dropped.
  void drain(std::size_t i) {
    auto& fx = live[i]->effects();
    for (const auto& p : fx.persist) Node::persist(disks[i], p);
    for (auto& m : fx.messages) {
      if (in_flight.size() >= max_in_flight) in_flight.pop_front();
      in_flight.push_back(std::move(m));
    }
    fx.clear();
    if (!invariants_hold(*live[i])) std::abort();
  }
  void step(std::size_t to, const envelope<typename Node::message>& m) {
    (void)live[to]->step(m, local_time{now});
    drain(to);
  }
};

template <class Node>
std::unique_ptr<cluster<Node>> run(std::span<const std::uint8_t> in) {
  auto owned = std::make_unique<cluster<Node>>();
  cluster<Node>& c = *owned;
  std::size_t at = 0;
  auto next = [&]() -> std::uint8_t { return at < in.size() ? in[at++] : 0; };
  std::size_t steps = 0;
  while (at < in.size() && ++steps < 2000) {
    const std::uint8_t op = next();
    const std::size_t target = (op >> 3) % nodes;
    switch (op % 5) {
      case 0:
        c.now += std::chrono::milliseconds{next()};
        for (std::size_t i = 0; i < nodes; ++i) {
          c.live[i]->tick(local_time{c.now});
          c.drain(i);
        }
        break;
      case 1:
        for (int k = 0; k < 64 && !c.in_flight.empty(); ++k) {
          auto m = std::move(c.in_flight.front());
          c.in_flight.pop_front();
          if (m.to.value() < nodes) c.step(m.to.value(), m);
        }
        break;
      case 2: {
        const std::uint8_t b = next();
        const op_kind kinds[] = {op_kind::write, op_kind::read, op_kind::cas};
        const kv_op o{kinds[b % 3], static_cast<key_type>(b >> 4 & 3), static_cast<value_type>(b), static_cast<value_type>(b >> 2)};
        c.live[target]->submit(client_request<kv_op>{client_id{1}, request_id{c.next_request++}, o}, local_time{c.now});
        c.drain(target);
        break;
      }
      case 3: {
        const std::size_t len = next();
        const std::size_t take = std::min(len, in.size() - at);
        auto m = io::decode<envelope<typename Node::message>>(std::as_bytes(in.subspan(at, take)));
        at += take;
        if (!m) break;
        m->to = replica_id{static_cast<std::uint32_t>(target)};
        m->from = replica_id{static_cast<std::uint32_t>((target + 1 + (op >> 7)) % nodes)};
        m->group = group_id{};  // (a message for another group is refused before anything else is read)
        c.step(target, *m);
        break;
      }
      default:
        c.live[target].reset();
        c.live[target].emplace(replica_id{static_cast<std::uint32_t>(target)}, config_of<Node>(static_cast<std::uint32_t>(target)),
                               c.disks[target]);
        c.drain(target);
        break;
    }
  }
  return owned;
}

/// The script byte for step `kind` (0-4) at node `target`.
std::uint8_t op(std::uint8_t kind, std::size_t target) {
  for (unsigned b = 0;; ++b)
    if (b % 5 == kind && (b >> 3) % nodes == target) return static_cast<std::uint8_t>(b);
}

/// A script that lets a cluster elect, take writes and reads, and restart a node.
std::vector<std::uint8_t> base_script(std::uint8_t topology) {
  std::vector<std::uint8_t> s{topology};
  for (int k = 0; k < 8; ++k) s.insert(s.end(), {op(0, 0), 100, op(1, 0)});  // time passes; deliver
  for (std::uint8_t w = 0; w < 6; ++w)  // a request at each node in turn, then its messages
    s.insert(s.end(), {op(2, w % 3), static_cast<std::uint8_t>(w * 17), op(1, 0), op(0, 0), 30, op(1, 0), op(1, 0)});
  s.insert(s.end(), {op(4, 1), op(0, 0), 200, op(1, 0), op(1, 0)});  // node 1 restarts; time passes; deliver
  return s;
}

/// The base script, then messages of the cluster's own traffic stepped in again from bytes:
/// as they were, and with one byte set to 0xff (a field at an extreme).
template <class Node>
void seeds_for(std::uint8_t topology, std::vector<std::vector<std::byte>>& out) {
  const auto base = base_script(topology);
  auto as_bytes = [](const std::vector<std::uint8_t>& v) {
    return std::vector<std::byte>(reinterpret_cast<const std::byte*>(v.data()), reinterpret_cast<const std::byte*>(v.data() + v.size()));
  };
  out.push_back(as_bytes(base));
  std::vector<std::uint8_t> s = base;
  s.insert(s.end(), {op(0, 0), 60, op(2, 0), 3});  // a tick and a write: heartbeats, appends, puts or ships in flight
  const auto c = run<Node>(std::span{s}.subspan(1));
  int added = 0;
  for (const auto& m : c->in_flight) {
    const auto bytes = io::encode(m);
    if (bytes.size() > 255 || added == 6) continue;
    for (int variant = 0; variant < 2; ++variant) {
      std::vector<std::uint8_t> t = s;
      t.insert(t.end(), {op(3, m.to.value()), static_cast<std::uint8_t>(bytes.size())});
      for (const std::byte b : bytes) t.push_back(static_cast<std::uint8_t>(b));
      if (variant == 1) t[t.size() - bytes.size() / 2] = 0xff;
      t.insert(t.end(), {op(0, 0), 50, op(1, 0), op(0, 0), 50, op(1, 0)});
      out.push_back(as_bytes(t));
    }
    ++added;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest{data + 1, size - 1};
  switch (data[0] % 3) {
    case 0: (void)run<raft>(rest); break;
    case 1: (void)run<dynamo>(rest); break;
    default: (void)run<regions>(rest); break;
  }
  return 0;
}

/// Seed inputs: for each topology, a cluster that elects (or just runs), takes writes and
/// reads, and restarts a node; then the same with messages of its own traffic stepped in again
/// from bytes, as they were and with a field's byte at an extreme. `replay_live_cluster
/// --write-seeds DIR` writes them.
std::vector<std::vector<std::byte>> replica_fuzz_seeds() {
  std::vector<std::vector<std::byte>> out;
  seeds_for<raft>(0, out);
  seeds_for<dynamo>(1, out);
  seeds_for<regions>(2, out);
  return out;
}
