#pragma once
/// \file
/// The node of a sharded replicator: it hosts one replication group per shard it is a member
/// of (sharded/placement.hpp), each an ordinary node of the inner topology, and routes.
///
///   using cockroach_like = replica::replicator<replica::sharded<replica::leader_based, replica::by_range,
///                                                               replica::shards<64>>, replica::majority>;
///   replica::sharded_node<cockroach_like> node{self, config, disk};
///
/// - Every message carries its group (the envelope's `group`: the shard). A message for a group
///   this node does not host is refused (`wrong_group`), as is one from a node outside the
///   group (`unknown_replica`); nothing changes.
/// - Inner nodes see their group's members as local replicas 0..rf-1; the sharded node
///   translates ids both ways, so the inner protocols run unchanged.
/// - Client requests go to the key's shard. A node that does not host it redirects to the
///   shard's home node; a key outside every range fails with `wrong_key`.
/// - Tokens carry their shard (sharded/token.hpp): a reply's token is `shard << 48 | position`;
///   a request whose token names another shard fails with `wrong_key` and changes nothing.
/// - Leaders: a shard's home is its local replica 0, so home leaders spread over the nodes.
///   When a node fails, its shards elect leaders among their other members (the inner
///   election). With `prefer_home_leaders`, a leader that is not its shard's home hands
///   leadership back (`transfer_leadership`) once the home is caught up.
/// - `report()` aggregates the groups: how many this node hosts and leads, the largest
///   follower lag of the groups it leads, and which are degraded.
/// - `sharded_node<R, M>`: every group runs over the data model `M` (`kv_register`, the default,
///   or `kv_store`, or your own `data_model`): a leader-based group replicates `M` as its state
///   machine, a leaderless group stores `M`'s values. A request goes to the shard of
///   `M::key_id(M::key_of(op))` (by range: the integer key itself; range partitioning needs
///   integer keys).

#include <replica/core/fields.hpp>
#include <replica/cluster/cluster_size.hpp>
#include <replica/core/client.hpp>
#include <replica/core/effects.hpp>
#include <replica/core/envelope.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>
#include <replica/core/node.hpp>
#include <replica/data/data_model.hpp>
#include <replica/data/kv_register.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/topology/sharded.hpp>
#include <replica/topology/sharded/placement.hpp>
#include <replica/topology/sharded/token.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <type_traits>
#include <vector>

namespace replica {

namespace detail {

template <class Inner, class R, class Model>
struct group_node {
  static_assert(sizeof(R) == 0,
                "replica::sharded_node: groups of this topology are not supported; use sharded<leader_based> or "
                "sharded<leaderless<...>>");
};
template <class R, class Model>
struct group_node<leader_based, R, Model> {
  using type = leader_based_node<R, Model>;
};
template <class Inner, class R, class Model>
  requires requires { Inner::replication_factor; }
struct group_node<Inner, R, Model> {
  using type = leaderless_node<R, Model>;
};
}  // namespace detail

/// How a node's groups are doing.
struct sharded_status {
  std::size_t hosted = 0;   ///< groups (shards) this node is a member of
  std::size_t leading = 0;  ///< of which it leads
  std::uint64_t max_lag_entries = 0;  ///< the largest follower lag among the groups it leads
  std::vector<std::uint32_t> degraded;  ///< led groups whose commit mode runs degraded
  std::vector<std::uint32_t> led;       ///< the shards it leads
};

template <class R, class Model = kv_register>
class sharded_node {
 public:
  using topology = typename R::topology;
  static_assert(requires { topology::is_sharded; }, "replica::sharded_node: the replicator's topology must be sharded<...>");
  static_assert(data_model<Model>,
                "replica::sharded_node: the second parameter is the data model every group runs over (kv_register, "
                "kv_store or your own data_model): requests are routed by its keys");
  static constexpr bool hashed = std::is_same_v<typename topology::partitioning, replica::by_hash>;
  static_assert(hashed || std::is_integral_v<typename Model::key_type>,
                "replica::sharded_node: range partitioning needs integer keys; shard this data model by_hash");
  using group_replicator = typename R::template rebind<typename topology::inner, dynamic_cluster_size>;
  using group_type = typename detail::group_node<typename topology::inner, group_replicator, Model>::type;
  using operation = operation_t<group_type>;
  using reply = reply_t<group_type>;
  static constexpr bool leader_groups = std::is_same_v<typename topology::inner, leader_based>;

  using message = typename group_type::message;
  struct persist_entry {
    std::uint32_t shard = 0;
    typename group_type::persist_entry entry;
    REPLICA_FIELDS(shard, entry);
    friend bool operator==(const persist_entry&, const persist_entry&) = default;
  };
  struct durable_state {
    std::map<std::uint32_t, typename group_type::durable_state> groups;
    REPLICA_FIELDS(groups);
    friend bool operator==(const durable_state&, const durable_state&) = default;
  };
  struct event {
    std::uint32_t shard = 0;
    typename group_type::event inner;
  };

  struct config {
    std::size_t nodes = default_nodes;
    std::size_t shards = topology::shard_count == dynamic_extent ? 8 : topology::shard_count;
    std::size_t replicas_per_shard = 3;
    std::uint64_t key_space = std::uint64_t{1} << 32;  ///< by_range: keys 0 .. key_space-1
    std::vector<std::uint64_t> range_starts{};        ///< by_range: first key of each shard (empty: equal ranges)
    typename group_type::config group{};               ///< every group's configuration (nodes, group, seed set per shard)
    bool prefer_home_leaders = true;
    duration rebalance_interval = std::chrono::milliseconds{200};
  };

  /// How many nodes a cluster of these nodes has under `c`.
  static std::size_t nodes_in(const config& c) { return c.nodes; }

  sharded_node(replica_id self, const config& cfg, const durable_state& disk)
      : self_{self}, cfg_{cfg}, map_{make_map(cfg)} {
    for (std::uint32_t s : map_.hosted_by(self_)) {
      auto gc = cfg_.group;
      gc.nodes = map_.replicas_per_shard();
      gc.group = group_id{s};
      if constexpr (requires { gc.seed; }) gc.seed = cfg_.group.seed * 1000003 + s;
      auto it = disk.groups.find(s);
      const replica_id local = *map_.local_id(s, self_);
      groups_.emplace(s, group_type{local, gc, it == disk.groups.end() ? typename group_type::durable_state{} : it->second});
    }
  }

  // ---- inputs ----

  status step(const envelope<message>& m, local_time now) {
    if (m.to != self_) return error{errc::unknown_replica, "message addressed to another node"};
    const std::uint32_t s = m.group.value();
    auto g = groups_.find(s);
    if (g == groups_.end()) return error{errc::wrong_group, "a message for a group this node does not host"};
    const auto from = map_.local_id(s, m.from);
    if (!from) return error{errc::unknown_replica, "the sender is not a member of this group"};
    envelope<message> local{*from, *map_.local_id(s, self_), m.group, m.term, m.payload};
    auto st = g->second.step(std::move(local), now);  // (a copy of its own: the group may keep what it carries)
    drain(s, g->second);
    return st;
  }

  void tick(local_time now) {
    for (auto& [s, g] : groups_) {
      g.tick(now);
      drain(s, g);
    }
    if constexpr (leader_groups) {
      if (cfg_.prefer_home_leaders && now - last_rebalance_ >= cfg_.rebalance_interval) {
        last_rebalance_ = now;
        rebalance(now);
      }
    }
  }

  void submit(const client_request<operation>& req, local_time now) {
    auto s = shard_of(Model::key_of(req.op));
    if (!s) return refuse(req, s.err().code);  // outside every range
    auto g = groups_.find(*s);
    if (g == groups_.end()) {
      reply r{req.client, req.id};
      r.status = reply_status::redirect;  // not hosted here: ask the shard's home
      r.leader_hint = map_.home(*s);
      out_.replies.push_back(std::move(r));
      return;
    }
    client_request<operation> local = req;
    if (req.token) {
      if (shard_tokens::shard_of(*req.token) != *s) return refuse(req, errc::wrong_key);  // another shard's token
      local.token = shard_tokens::position_of(*req.token);
    }
    g->second.submit(local, now);
    drain(*s, g->second);
  }

  effects_of<sharded_node>& effects() { return out_; }

  static void persist(durable_state& d, const persist_entry& p) { group_type::persist(d.groups[p.shard], p.entry); }

  // ---- observation ----

  /// The group of shard `s` on this node, or nullptr if it does not host it.
  [[nodiscard]] const group_type* group(std::uint32_t s) const {
    auto it = groups_.find(s);
    return it == groups_.end() ? nullptr : &it->second;
  }
  [[nodiscard]] const shard_map& map() const noexcept { return map_; }
  [[nodiscard]] sharded_status report() const {
    sharded_status st;
    st.hosted = groups_.size();
    if constexpr (leader_groups) {
      for (const auto& [s, g] : groups_) {
        if (!g.is_leader()) continue;
        ++st.leading;
        st.led.push_back(s);
        const auto rep = g.report();
        if (rep.degraded) st.degraded.push_back(s);
        for (const auto& f : rep.followers) st.max_lag_entries = std::max(st.max_lag_entries, f.lag_entries);
      }
    }
    return st;
  }
  /// Whether every shard's live members agree (equal group digests). Nodes host different
  /// shards, so there is no node-wide digest to compare: compare this per shard.
  template <class Cluster>
  [[nodiscard]] static bool shards_converged(const Cluster& c)
    requires has_digest<group_type>
  {
    const sharded_node* any = nullptr;
    for (std::uint32_t i = 0; i < c.size() && !any; ++i) any = c.node(replica_id{i});
    if (!any) return true;
    for (std::uint32_t s = 0; s < any->map_.shards(); ++s) {
      std::optional<std::uint64_t> d;
      for (std::size_t i = 0; i < any->map_.replicas_per_shard(); ++i)
        if (const sharded_node* n = c.node(any->map_.member(s, i)))
          if (const group_type* g = n->group(s)) {
            if (d && *d != g->digest()) return false;
            d = g->digest();
          }
    }
    return true;
  }
  /// Every (key, value) applied in the hosted groups, for lost-write checks (the registers).
  [[nodiscard]] std::vector<std::pair<key_type, value_type>> applied_writes() const
    requires std::is_same_v<Model, kv_register>
  {
    std::vector<std::pair<key_type, value_type>> out;
    for (const auto& [s, g] : groups_)
      for (const auto& kv : writes_of(g)) out.push_back(kv);
    return out;
  }

 private:
  /// A group's applied writes: its own list (leaderless), or kv_register's over its log.
  static std::vector<std::pair<key_type, value_type>> writes_of(const group_type& g)
    requires std::is_same_v<Model, kv_register>
  {
    if constexpr (requires { g.applied_writes(); })
      return g.applied_writes();
    else
      return replica::applied_writes(g);
  }
  static shard_map make_map(const config& c) {
    auto m = shard_map::make(c.nodes, c.shards, c.replicas_per_shard, std::is_same_v<typename topology::partitioning, by_hash>,
                             c.key_space, c.range_starts);
    return m ? std::move(*m) : shard_map::make(1, 1, 1, true).value();  // (an invalid configuration hosts nothing useful)
  }

  /// The shard of key `k`: by hash, of its id; by range, of the integer key itself.
  [[nodiscard]] result<std::uint32_t> shard_of(const typename Model::key_type& k) const noexcept {
    if constexpr (std::is_same_v<Model, kv_register> || !hashed)
      return map_.shard_of(static_cast<std::uint64_t>(k));
    else
      return map_.shard_of_id(Model::key_id(k));
  }
  void refuse(const client_request<operation>& req, errc why) {
    reply r{req.client, req.id};
    r.status = reply_status::fail;
    r.error = why;
    out_.replies.push_back(std::move(r));
  }

  /// Moves a group's effects out, with global node ids and shard-tagged tokens.
  void drain(std::uint32_t s, group_type& g) {
    auto& fx = g.effects();
    for (auto& p : fx.persist) out_.persist.push_back(persist_entry{s, std::move(p)});
    for (auto& m : fx.messages) {
      m.from = self_;
      m.to = map_.member(s, m.to.value());
      out_.messages.push_back(std::move(m));
    }
    for (auto& r : fx.replies) {
      if (r.leader_hint) r.leader_hint = map_.member(s, r.leader_hint->value());
      if (r.token) r.token = shard_tokens::encode(s, *r.token);
      out_.replies.push_back(std::move(r));
    }
    for (auto& e : fx.events) out_.events.push_back(event{s, std::move(e)});
    fx.clear();
  }

  /// Hands leadership back to each led group's home, once the home is caught up.
  void rebalance(local_time now) {
    for (auto& [s, g] : groups_) {
      if (!g.is_leader() || map_.home(s) == self_) continue;
      const auto rep = g.report();
      for (const auto& f : rep.followers)
        if (f.id == replica_id{0} && f.in_sync && f.lag_entries == 0 && f.since_heard < cfg_.rebalance_interval) {
          (void)g.transfer_leadership(replica_id{0}, now);
          drain(s, g);
        }
    }
  }

  replica_id self_;
  config cfg_;
  shard_map map_;
  std::map<std::uint32_t, group_type> groups_;
  local_time last_rebalance_{};
  effects_of<sharded_node> out_;
};

}  // namespace replica
