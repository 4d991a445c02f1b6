// The Dynamo shopping cart (DeCandia et al., SOSP 2007), across two regions that lose touch:
//   1. the customer adds milk (region A); it replicates to B;
//   2. the regions are cut off; the customer, routed to B, removes the milk and adds eggs;
//      meanwhile a second device, still on A, adds bread;
//   3. the link heals; every leader converges; what is in the cart?
// - union merge (siblings merged by set union, Dynamo's choice): nothing added is lost, but the
//   removed milk comes back;
// - last write wins: one region's cart wins whole: an acknowledged add disappears;
// - OR-Set: bread and eggs, no milk: the remove took away exactly the add it had seen.
#include <replica/crdt/or_set.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/crdt_merge.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/resolve/merge_with.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/multi_leader_node.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace rp = replica;
using namespace std::chrono_literals;

enum item : rp::value_type { milk = 0, eggs = 1, bread = 2 };
const char* names[] = {"milk", "eggs", "bread"};

/// A cart as a bitmask of items; the union of two carts.
struct cart_union {
  rp::value_type operator()(rp::value_type a, rp::value_type b) const { return a | b; }
};

using union_cart = rp::multi_leader_node<rp::replicator<rp::multi_leader, rp::merge_with<cart_union>, rp::dotted_version_vector>>;
using lww_cart = rp::multi_leader_node<rp::replicator<rp::multi_leader, rp::last_write_wins, rp::hybrid_logical_clock>>;
using or_set_cart = rp::multi_leader_node<rp::replicator<rp::multi_leader, rp::crdt_merge>, rp::or_set<rp::value_type>>;

const rp::replica_id A{0}, B{1};
constexpr rp::key_type cart = 1;

template <class Node>
struct shop {
  static constexpr bool register_cart = !std::is_same_v<Node, or_set_cart>;
  rp::sim::cluster<Node> c = [] {
    rp::sim::cluster_options o;
    o.nodes = 2;
    o.link.latency = rp::sim::constant_latency{30ms};
    typename Node::config cfg;
    cfg.nodes = 2;
    return rp::sim::cluster<Node>{o, cfg};
  }();

  /// Reads the cart at `at` and applies one change (add or remove `it`): a read-modify-write
  /// with the read's context for a register cart, one operation for the OR-Set.
  void change(rp::replica_id at, item it, bool add) {
    if constexpr (register_cart) {
      const auto r = c.invoke(at, {rp::op_kind::read, cart});
      c.run_for(5ms);
      rp::value_type mask = 0;
      for (rp::value_type v : c.node(at)->read(cart)) mask |= v;
      mask = add ? (mask | (rp::value_type{1} << it)) : (mask & ~(rp::value_type{1} << it));
      c.invoke(at, {rp::op_kind::write, cart, mask}, 1s, std::nullopt, c.last_context(r));
    } else {
      c.invoke(at, {add ? rp::op_kind::add : rp::op_kind::remove, cart, it});
    }
    c.run_for(5ms);
  }
  std::string contents(rp::replica_id at) const {
    rp::value_type mask = 0;
    for (rp::value_type v : c.node(at)->read(cart)) mask |= register_cart ? v : (rp::value_type{1} << v);
    std::string s;
    for (int i = 0; i < 3; ++i)
      if (mask & (rp::value_type{1} << i)) s += std::string{s.empty() ? "" : ", "} + names[i];
    return "{" + s + "}";
  }
};

template <class Node>
void story(const char* name) {
  shop<Node> s;
  s.change(A, milk, true);
  s.c.run_for(100ms);
  s.c.net().split({A});
  s.change(B, milk, false);
  s.change(B, eggs, true);
  s.change(A, bread, true);
  s.c.net().heal();
  s.c.run_for(500ms);
  std::printf("%-12s cart at A %-22s at B %-22s converged %s\n", name, s.contents(A).c_str(), s.contents(B).c_str(),
              s.c.converged() ? "yes" : "NO");
}

int main() {
  std::printf("add milk; cut off; at B remove milk, add eggs; at A add bread; heal:\n");
  story<union_cart>("union merge");
  story<lww_cart>("LWW");
  story<or_set_cart>("OR-Set");
  return 0;
}
