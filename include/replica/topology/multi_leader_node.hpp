#pragma once
/// \file
/// The node of a multi-leader replicator: every node is a leader for every key.
///
///   using regions = replica::replicator<replica::multi_leader, replica::keep_siblings, replica::dotted_version_vector>;
///   replica::multi_leader_node<regions> node{self, config, disk};                 // siblings
///   replica::multi_leader_node<replica::replicator<replica::multi_leader, replica::crdt_merge>,
///                              replica::pn_counter> counter{self, config, disk};  // a CRDT per key
///
/// - Each key holds a state-based CRDT (multi_leader/data.hpp): the resolver picks a register
///   (LWW, siblings, merged siblings), or `crdt_merge` takes the CRDT you name.
/// - A write (write, remove, add) is applied locally through the CRDT's delta mutator and
///   becomes a *change*: (origin, sequence number, key, delta, dependencies). It is persisted,
///   and acknowledged by the commit mode: `asynchronous` (the default for this topology) at
///   once; `semi_synchronous<K>` / `first<K>` when K other leaders have applied it;
///   `majority` when a majority of leaders have; `synchronous` when all have. A write that
///   misses its acknowledgements by `request_timeout` answers `unknown`: it is applied here
///   and still propagates; it is never undone.
/// - Propagation (multi_leader/propagation.hpp): all-to-all, star, or ring with forwarding.
///   Changes are sent at once and kept (multi_leader/outbox.hpp) and re-sent every
///   `propagation_interval` until the receiver's acknowledgement (its contiguous applied prefix
///   per origin, multi_leader/acknowledgements.hpp) covers them: at-least-once.
/// - Receipt is deduplicated by (origin, sequence), so duplicates and replays do nothing.
///   Without causal delivery a change is applied whatever arrived before it (state merges do
///   not care about order; a *gap* is reported and the missing change arrives on a re-send).
///   With `causal_delivery`, a change waits until its origin's previous change and everything
///   its origin had applied when it was made (`deps`) have been applied here (FAULTS C5;
///   multi_leader/delivery.hpp).
/// - Last-write-wins counts its losses: a leader's acknowledged write replaced by a write
///   that had not seen it (or that loses at once, behind a larger stamp) is a
///   `discarded_write` event at that leader, each exactly once.
/// - Compare-and-set needs one order of writes; it is refused (`unsupported`).

#include <replica/core/addressing.hpp>
#include <replica/core/client.hpp>
#include <replica/core/effects.hpp>
#include <replica/core/envelope.hpp>
#include <replica/core/extent.hpp>
#include <replica/core/fields.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/node.hpp>
#include <replica/core/result.hpp>
#include <replica/core/structural_hash.hpp>
#include <replica/core/time.hpp>
#include <replica/crdt/dot_context.hpp>
#include <replica/data/data_model.hpp>
#include <replica/topology/multi_leader.hpp>
#include <replica/topology/multi_leader/acknowledgements.hpp>
#include <replica/topology/multi_leader/data.hpp>
#include <replica/topology/multi_leader/delivery.hpp>
#include <replica/topology/multi_leader/events.hpp>
#include <replica/topology/multi_leader/outbox.hpp>
#include <replica/topology/multi_leader/propagation.hpp>
#include <replica/versioning/version_traits.hpp>
#include <replica/versioning/version_vector.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <type_traits>
#include <variant>
#include <vector>

namespace replica {

/// `Data`: the data model (data/data_model.hpp: `kv_register`, the default, or `kv_store`, or your
/// own), whose values each key holds in the resolver's register; or a CRDT each key holds
/// (`multi_leader_node<R, pn_counter>`), over the registers' operations.
template <class R, class Data = kv_register>
class multi_leader_node {
 public:
  using replicator_type = R;
  using model = typename detail::multi_leader_types<R, Data>::model;
  using data_type = typename detail::multi_leader_types<R, Data>::data;
  using key_type = typename model::key_type;
  using value_type = typename model::value_type;
  using operation = typename model::operation;
  /// A read's answer: the values held (several: concurrent siblings), sorted.
  using reply = basic_client_reply<std::vector<value_type>>;
  using commit_mode = typename R::commit_mode;
  static_assert(std::is_same_v<typename R::topology, multi_leader>,
                "replica::multi_leader_node: the replicator's topology must be multi_leader");
  static_assert(std::is_void_v<data_type>  // (crdt_merge without a CRDT: data.hpp's static_assert said so)
                    || (std::is_same_v<model, kv_register> ? replicated_data<data_type> : register_data<data_type, value_type>),
                "replica::multi_leader_node: the data type must be a CRDT with a kv_data<D> specialization giving "
                "update() and read() (docs/policies/crdts.md#your-own-crdt)");
  static constexpr bool lww = R::resolver::needs_total_order;
  static_assert(!lww || std::is_same_v<data_type, lww_register<std::optional<value_type>, typename R::versioning>>,
                "replica::multi_leader_node: last_write_wins stores an lww_register; to store another CRDT use the "
                "crdt_merge resolver");

  /// A change made at `origin`: its `seq`-th, on `key`, as a delta; `deps` is what the origin
  /// had applied (contiguous per origin) when it made it.
  struct change {
    replica_id origin{};
    std::uint64_t seq = 0;
    key_type key{};
    data_type delta{};
    version_vector<> deps{};
    REPLICA_FIELDS(origin, seq, key, delta, deps);
    friend bool operator==(const change&, const change&) = default;
  };

  // ---- messages ----
  struct ship {
    std::vector<change> changes;
    REPLICA_FIELDS(changes);
    friend bool operator==(const ship&, const ship&) = default;
  };
  /// What the sender has applied: every change up to `applied[o]` of each origin o.
  struct ship_ack {
    version_vector<> applied;
    REPLICA_FIELDS(applied);
    friend bool operator==(const ship_ack&, const ship_ack&) = default;
  };
  using message = std::variant<ship, ship_ack>;

  // ---- persistence ----
  struct stored {
    data_type data{};
    dot writer{};  ///< the change that last changed the value (LWW: who wrote it)
    REPLICA_FIELDS(data, writer);
    friend bool operator==(const stored&, const stored&) = default;
  };
  struct applied {
    change c;
    stored after;   ///< the key's state once applied
    bool logged = false;  ///< kept for forwarding
    REPLICA_FIELDS(c, after, logged);
    friend bool operator==(const applied&, const applied&) = default;
  };
  struct trimmed {
    std::vector<dot> dots;  ///< log entries every receiver has acknowledged
    REPLICA_FIELDS(dots);
    friend bool operator==(const trimmed&, const trimmed&) = default;
  };
  using persist_entry = std::variant<applied, trimmed>;
  struct durable_state {
    std::map<key_type, stored> store;
    dot_context delivered;
    std::vector<change> log;
    REPLICA_FIELDS(store, delivered, log);
    friend bool operator==(const durable_state&, const durable_state&) = default;
  };
  using event = basic_multi_leader_event<key_type, value_type>;

  struct config {
    /// How many leaders. 0: the composition's `cluster_size<N>`, or 3 when the size is dynamic
    /// (the same default in every topology). A nonzero count that contradicts N is refused.
    std::size_t nodes = 0;
    group_id group{};
    propagation_topology topology = propagation_topology::all_to_all;
    replica_id hub{0};  ///< star: the hub
    bool causal_delivery = false;
    /// Ignore a change already applied (by origin and sequence). Off only to show what a
    /// non-idempotent (op-based) data type does with duplicates (FAULTS C3).
    bool deduplicate = true;
    duration propagation_interval = std::chrono::milliseconds{20};  ///< re-send what is not acknowledged
    std::size_t max_batch = 256;
    duration request_timeout = std::chrono::seconds{1};  ///< commit modes that wait for other leaders
  };

  /// The compile-time cluster size, or dynamic_extent.
  static constexpr std::size_t fixed_nodes = R::cluster_size_policy::extent;
  /// Whether a node of this composition can run with `c`: at least one node, as many as a
  /// `cluster_size<N>` says, a star's hub among them, batches of at least one change. A node
  /// built with a configuration this refuses takes no part: `step` returns the error, every
  /// request is refused with its code, and it sends nothing.
  static status validate(const config& c) {
    if (fixed_nodes != dynamic_extent && c.nodes != 0 && c.nodes != fixed_nodes)
      return error{errc::out_of_range, "config::nodes contradicts the composition's cluster_size<N>: set nodes to N, or use a dynamic size"};
    if (c.topology == propagation_topology::star && c.hub.value() >= nodes_in(c))
      return error{errc::unknown_replica, "the star's hub is not a replica of the cluster"};
    if (c.max_batch == 0) return error{errc::out_of_range, "max_batch must be at least 1"};
    return {};
  }
  /// How many replicas a cluster of these nodes has under `c`.
  static std::size_t nodes_in(const config& c) { return resolve_nodes(fixed_nodes, c.nodes); }
  [[nodiscard]] const status& config_status() const noexcept { return config_; }
  /// The configuration in use: `nodes` as `nodes_in` resolves it.
  [[nodiscard]] const config& configuration() const noexcept { return cfg_; }

  multi_leader_node(replica_id self, const config& cfg, const durable_state& disk)
      : self_{self},
        cfg_{with_count(cfg)},
        config_{validate(cfg)},
        plan_{cfg.topology, self, cfg_.nodes, cfg.hub},
        targets_{plan_.targets()},
        store_{disk.store},
        delivered_{disk.delivered},
        outbox_{disk.log},
        acks_{cfg_.nodes} {
    own_seq_ = delivered_.compact_part().counter(self_);
  }

  // ---- inputs ----

  status step(const envelope<message>& m, local_time now) {
    if (!config_) return config_;
    now_ = now;
    if (auto ok = check_addressing(m, self_, cfg_.nodes, cfg_.group); !ok) return ok;
    return std::visit([&](const auto& p) { return handle(m.from, p); }, m.payload);
  }

  void tick(local_time now) {
    if (!config_) return;
    now_ = now;
    acks_.expire(now_, [&](client_id client, request_id id) {
      reply r{client, id};
      r.status = reply_status::unknown;  // applied here and propagating; not confirmed by enough leaders
      out_.replies.push_back(std::move(r));
    });
    if (now_ - last_resend_ >= cfg_.propagation_interval) {
      last_resend_ = now_;
      trim_log();
      for (replica_id p : targets_)
        if (auto again = outbox_.due(p, plan_, acks_.applied(p), cfg_.max_batch); !again.empty()) send(p, ship{std::move(again)});
    }
  }

  void submit(const client_request<operation>& req, local_time now) {
    now_ = now;
    if (!config_) return refuse(req, config_.code());
    const data_access kind = model::kind_of(req.op);
    if (kind == data_access::read) return read(req);
    if (kind == data_access::cas) return refuse(req, errc::unsupported);  // needs one order of writes
    if (auto ok = admit<model>(req.op); !ok) return refuse(req, ok.code());  // what the model cannot keep
    if (wait_for() > cfg_.nodes - 1) return refuse(req, errc::unavailable);
    const key_type& k = model::key_of(req.op);
    auto [it, fresh] = store_.try_emplace(k);
    stored& st = it->second;
    const update_info at{self_, now_, context_key(k), &req.context};
    auto delta = model_update<model>(st.data, req.op, at);  // (a body the type cannot keep: refused)
    if (!delta) {
      if (fresh) store_.erase(it);
      return refuse(req, delta.err().code);  // nothing changed
    }
    change c{self_, ++own_seq_, k, std::move(*delta), delivered_.compact_part()};
    delivered_.insert(dot{self_, c.seq});
    if constexpr (lww) {
      if (st.data.version() == c.delta.version()) {
        st.writer = dot{self_, c.seq};
      } else {
        // Behind a larger stamp already here (a physical clock running slow): lost at once.
        out_.events.push_back({event::kind::discarded_write, k, self_, c.seq, model::value_of(req.op), 1});
        ++discarded_;
      }
    } else {
      st.writer = dot{self_, c.seq};
    }
    outbox_.keep(c);
    out_.persist.push_back(applied{c, st, true});
    for (replica_id p : targets_)
      if (plan_.ships(self_, p)) send(p, ship{{c}});
    if (wait_for() == 0) {
      out_.replies.push_back(reply{req.client, req.id});
    } else {
      acks_.await(c.seq, req.client, req.id, now_ + cfg_.request_timeout);
    }
  }

  effects_of<multi_leader_node>& effects() { return out_; }

  static void persist(durable_state& d, const persist_entry& p) {
    if (const auto* a = std::get_if<applied>(&p)) {
      d.store[a->c.key] = a->after;
      d.delivered.insert(dot{a->c.origin, a->c.seq});
      if (a->logged) d.log.push_back(a->c);
    } else {
      const auto& t = std::get<trimmed>(p);
      std::erase_if(d.log, [&](const change& c) {
        return std::binary_search(t.dots.begin(), t.dots.end(), dot{c.origin, c.seq});
      });
    }
  }

  // ---- observation ----

  /// What a read of `k` here returns.
  [[nodiscard]] std::vector<value_type> read(const key_type& k) const {
    auto it = store_.find(k);
    return it == store_.end() ? std::vector<value_type>{} : std::vector<value_type>(kv_data<data_type>::read(it->second.data));
  }
  [[nodiscard]] const data_type* data(const key_type& k) const {
    auto it = store_.find(k);
    return it == store_.end() ? nullptr : &it->second.data;
  }
  /// Every (key, value) a read here would return (a set's elements, a register's siblings).
  [[nodiscard]] std::vector<std::pair<key_type, value_type>> applied_writes() const {
    std::vector<std::pair<key_type, value_type>> out;
    for (const auto& [k, st] : store_)
      for (value_type v : kv_data<data_type>::read(st.data)) out.emplace_back(k, v);
    return out;
  }
  /// Acknowledged writes of this leader that last-write-wins discarded.
  [[nodiscard]] std::uint64_t discarded_writes() const noexcept { return discarded_; }
  /// Changes waiting for their dependencies (causal delivery).
  [[nodiscard]] std::size_t held() const noexcept { return held_.size(); }
  /// Changes kept for sending until acknowledged.
  [[nodiscard]] std::size_t log_size() const noexcept { return outbox_.size(); }
  [[nodiscard]] const dot_context& delivered() const noexcept { return delivered_; }
  /// A hash of the replicated state of every key (the data type's state, not what a read
  /// returns: two counters can read the same and differ inside): equal on leaders that have
  /// converged. (Not the last writer's dot: which change reached a leader last depends on
  /// delivery order.)
  [[nodiscard]] std::uint64_t digest() const {
    std::uint64_t h = 1469598103934665603ULL;
    for (const auto& [k, st] : store_) h = (h ^ (value_hash(k) * 0x9e3779b97f4a7c15ULL + value_hash(st.data))) * 1099511628211ULL;
    return h;
  }

 private:
  static config with_count(config c) {
    c.nodes = nodes_in(c);
    return c;
  }
  using buffer = multi_leader_detail::causal_buffer<change>;

  static constexpr std::size_t wait_for_of(std::size_t n) noexcept {
    return multi_leader_detail::leaders_to_wait_for<commit_mode>::of(n);
  }
  [[nodiscard]] std::size_t wait_for() const noexcept { return wait_for_of(cfg_.nodes); }

  /// The 32-bit id a causal context is bound to (the key itself for integer keys).
  static std::uint32_t context_key(const key_type& k) noexcept { return static_cast<std::uint32_t>(model::key_id(k)); }

  void read(const client_request<operation>& req) {
    const key_type& k = model::key_of(req.op);
    reply r{req.client, req.id};
    r.result = read(k);
    std::sort(r.result.begin(), r.result.end());
    if constexpr (requires(const data_type& d) { kv_data<data_type>::context(replica::key_type{}, d); }) {
      // Always a context, even for a key never written: a write that passes it back replaces
      // exactly what was read (nothing), where a write without one replaces all held here.
      const data_type* d = data(k);
      r.context = kv_data<data_type>::context(context_key(k), d ? *d : data_type{});
    }
    out_.replies.push_back(std::move(r));
  }
  void refuse(const client_request<operation>& req, errc why) {
    reply r{req.client, req.id};
    r.status = reply_status::fail;
    r.error = why;
    out_.replies.push_back(std::move(r));
  }

  /// Whether `v` names only replicas of the cluster, each once, in order, with counters below
  /// 2^63 (where a correct replica's stay).
  [[nodiscard]] bool sane(const version_vector<>& v) const {
    return v.well_formed() && v.within_bounds() &&
           std::all_of(v.entries().begin(), v.entries().end(), [&](const auto& e) { return e.id.value() < cfg_.nodes; });
  }
  [[nodiscard]] status validate(const change& c) const {
    if (c.origin.value() >= cfg_.nodes) return error{errc::unknown_replica, "a change from an origin outside the cluster"};
    if (c.seq == 0) return error{errc::malformed, "a change with sequence number 0"};
    if (c.seq >= (std::uint64_t{1} << 63)) return error{errc::out_of_range, "a change with a sequence number at or above 2^63"};
    // Dependencies on replicas that do not exist would hold the change back for ever.
    if (!sane(c.deps)) return error{errc::out_of_range, "a change whose dependencies name a replica outside the cluster or a counter at or above 2^63"};
    if constexpr (lww) {
      // A stamp beyond any correct clock would leave the key's register no room to advance.
      if (!versions::within_bounds(c.delta.version())) return error{errc::out_of_range, "a change whose version no correct replica makes"};
    }
    if constexpr (requires(const data_type& d) { kv_data<data_type>::minted_by(d, replica_id{}); }) {
      if (!kv_data<data_type>::minted_by(c.delta, c.origin))
        return error{errc::malformed, "a delta carrying updates its origin could not have made"};
    }
    return {};
  }
  status handle(replica_id from, const ship& s) {
    for (const change& c : s.changes)
      if (auto ok = validate(c); !ok) return ok;  // one bad change: the whole message is refused, nothing applied
    bool any_origin_else = false;
    for (const change& c : s.changes) {
      receive(from, c);
      any_origin_else |= c.origin != from;
    }
    send(from, ship_ack{delivered_.compact_part()});
    if (wait_for() > 0 && any_origin_else) {
      // Relayed changes: their origins wait for this leader's acknowledgement too.
      std::vector<replica_id> origins;
      for (const change& c : s.changes)
        if (c.origin != from && c.origin != self_ && std::find(origins.begin(), origins.end(), c.origin) == origins.end())
          origins.push_back(c.origin);
      for (replica_id o : origins) send(o, ship_ack{delivered_.compact_part()});
    }
    return {};
  }
  void receive(replica_id from, const change& c) {
    const dot d{c.origin, c.seq};
    if (cfg_.deduplicate && (delivered_.contains(d) || held_.holds(d))) {
      out_.events.push_back({event::kind::duplicate, c.key, c.origin, c.seq, {}, 1});
      return;
    }
    if (cfg_.causal_delivery && !buffer::deliverable(c, delivered_.compact_part())) {
      held_.hold(c);
      out_.events.push_back({event::kind::held, c.key, c.origin, c.seq, {}, 1});
      return;
    }
    apply(from, c);
    if (cfg_.causal_delivery)  // release what now has its dependencies
      held_.release([&]() -> const version_vector<>& { return delivered_.compact_part(); },
                    [&](const change& next) { apply(from, next); });
  }
  void apply(replica_id from, const change& c) {
    if (!cfg_.causal_delivery && c.seq > delivered_.compact_part().counter(c.origin) + 1)
      out_.events.push_back({event::kind::gap, c.key, c.origin, c.seq, {}, 1});
    stored& st = store_[c.key];
    if constexpr (lww) {
      const bool was_incoming = st.data.written() && st.data.version() == c.delta.version();
      const auto lost = st.data.value();
      st.data.merge(c.delta);
      if (!was_incoming && st.data.version() == c.delta.version()) {
        // The incoming write replaced what was here: if that was this leader's write and the
        // incoming one had not seen it, an acknowledged write is gone.
        if (st.writer.id == self_ && st.writer.counter > 0 && c.deps.counter(self_) < st.writer.counter) {
          out_.events.push_back({event::kind::discarded_write, c.key, self_, st.writer.counter, lost.value_or(value_type{}), 1});
          ++discarded_;
        }
        st.writer = dot{c.origin, c.seq};
      }
    } else {
      st.data.merge(c.delta);
      st.writer = dot{c.origin, c.seq};
      if constexpr (detail::is_sibling_register<data_type>::value) {
        const auto n = st.data.kernel().entries().size();
        if (n > 1) out_.events.push_back({event::kind::siblings, c.key, c.origin, c.seq, {}, static_cast<std::uint32_t>(n)});
      }
    }
    delivered_.insert(dot{c.origin, c.seq});
    const bool logged = plan_.relays();
    if (logged) outbox_.keep(c);
    out_.persist.push_back(applied{c, st, logged});
    if (logged)
      for (replica_id p : targets_)
        if (p != from && plan_.ships(c.origin, p)) send(p, ship{{c}});
  }
  status handle(replica_id from, const ship_ack& a) {
    if (!sane(a.applied)) return error{errc::out_of_range, "an acknowledgement naming a replica outside the cluster or a counter at or above 2^63"};
    acks_.heard(from, a.applied);
    if (acks_.waiting())
      acks_.confirm(self_, wait_for(), [&](client_id client, request_id id) { out_.replies.push_back(reply{client, id}); });
    return {};
  }
  /// Drops the kept changes every receiver they go to has acknowledged.
  void trim_log() {
    if (auto gone = outbox_.trim(plan_, targets_, acks_); !gone.empty()) out_.persist.push_back(trimmed{std::move(gone)});
  }

  template <class P>
  void send(replica_id to, P payload) {
    out_.messages.emplace_back(self_, to, cfg_.group, term{0}, built_by{[&] { return message{std::in_place_type<P>, std::move(payload)}; }});
  }

  replica_id self_;
  config cfg_;
  status config_;  ///< validate(cfg_)
  propagation_plan plan_;
  std::vector<replica_id> targets_;
  std::map<key_type, stored> store_;
  dot_context delivered_;
  multi_leader_detail::outbox<change> outbox_;  ///< changes to send until acknowledged
  multi_leader_detail::ack_book acks_;          ///< what each peer has applied; own writes waiting for it
  buffer held_;                                 ///< changes waiting for their dependencies
  std::uint64_t own_seq_ = 0;
  std::uint64_t discarded_ = 0;
  local_time now_{}, last_resend_{};
  effects_of<multi_leader_node> out_;
};

}  // namespace replica
