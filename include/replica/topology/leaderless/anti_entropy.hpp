#pragma once
/// \file
/// Anti-entropy of a leaderless node (`config::anti_entropy_interval` > 0): each node keeps a
/// Merkle tree of its keys (the replica store updates it on every change) and every interval
/// sends it to the next peer (round robin), which descends where the hashes differ and
/// exchanges the keys of those buckets that both replicate, both ways. Keys nobody reads
/// converge; so do replicas that differ only in a version (the tree sums `versions::hash`).
/// (The whole tree goes in one message: 64 buckets, 1 KiB, an equivalent of the level-by-level
/// exchange at this size.) A CRTP base of `leaderless_node`, as the coordinator is.

#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>
#include <replica/topology/leaderless/events.hpp>

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

namespace replica::leaderless_detail {

template <class Node>
class anti_entropy {
 protected:
  Node& n() noexcept { return static_cast<Node&>(*this); }
  const Node& n() const noexcept { return static_cast<const Node&>(*this); }

  /// On a tick: if a round is due, my tree to the next peer that holds data.
  void maybe_start_round() {
    auto& node = n();
    const std::size_t data_nodes = node.cfg_.data_nodes();
    if (node.cfg_.anti_entropy_interval.count() <= 0 || data_nodes <= 1 || node.self_.value() >= data_nodes ||
        node.now_ - last_round_ < node.cfg_.anti_entropy_interval)
      return;
    last_round_ = node.now_;
    const auto count = static_cast<std::uint32_t>(data_nodes);
    peer_ = (peer_ + 1) % count;
    if (peer_ == node.self_.value()) peer_ = (peer_ + 1) % count;
    const auto& tree = node.store_.tree();
    std::vector<std::uint64_t> nodes(2 * tree.buckets);
    for (std::size_t i = 1; i < nodes.size(); ++i) nodes[i] = tree.node(i);
    node.send(replica_id{peer_}, typename Node::ae_tree{std::move(nodes)});
  }
  /// A peer's tree: the buckets where ours differ, with my versions of their keys.
  status on_tree(replica_id from, const std::vector<std::uint64_t>& theirs) {
    const auto& tree = n().store_.tree();
    if (theirs.size() != 2 * tree.buckets) return error{errc::malformed, "a Merkle tree of another depth"};
    std::vector<std::uint32_t> differ;
    // Descend from the root where the hashes differ (the same walk differing_buckets does).
    std::vector<std::size_t> stack{1};
    while (!stack.empty()) {
      const std::size_t i = stack.back();
      stack.pop_back();
      if (tree.node(i) == theirs[i]) continue;
      if (i >= tree.buckets) {
        differ.push_back(static_cast<std::uint32_t>(i - tree.buckets));
      } else {
        stack.push_back(2 * i + 1);
        stack.push_back(2 * i);
      }
    }
    if (differ.empty()) return {};
    n().out_.events.push_back({leaderless_event_kind::anti_entropy, {}, from, static_cast<std::uint32_t>(differ.size())});
    auto entries = entries_in(differ, from);
    n().send(from, typename Node::ae_sync{std::move(differ), std::move(entries), false});
    return {};
  }
  /// A peer's keys of the differing buckets: merged (keys I do not replicate are ignored; a
  /// refused key stays as it was), and, unless this is the reply, mine of the same buckets back.
  template <class Sync>
  status on_sync(replica_id from, const Sync& a) {
    bool refused = false;
    for (const auto& [k, vs] : a.entries)
      if (n().is_replica(k)) refused |= !n().store(k, vs);
    if (!a.reply) n().send(from, Sync{a.buckets, entries_in(a.buckets, from), true});
    if (refused) return Node::order_broken;
    return {};
  }

 private:
  /// My keys in `buckets` that `peer` also replicates, with their versions.
  auto entries_in(const std::vector<std::uint32_t>& buckets, replica_id peer) const {
    std::vector<std::pair<typename Node::key_type, typename Node::state>> out;
    using tree_type = std::remove_cvref_t<decltype(n().store_.tree())>;
    n().store_.for_each([&](const typename Node::key_type& k, const typename Node::state& vs) {
      const auto b = static_cast<std::uint32_t>(tree_type::bucket_of(Node::model::key_id(k)));
      if (std::find(buckets.begin(), buckets.end(), b) == buckets.end()) return;
      if (n().replicates(peer, k)) out.emplace_back(k, vs);
    });
    return out;
  }

  std::uint32_t peer_ = 0;
  local_time last_round_{};
};

}  // namespace replica::leaderless_detail
