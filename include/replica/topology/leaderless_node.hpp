#pragma once
/// \file
/// The node of a leaderless (Dynamo-style) replicator: every node stores the keys the ring
/// gives it and can coordinate requests.
///
///   using dynamo_like = replica::replicator<replica::leaderless<replica::n<3>, replica::w<2>, replica::r<2>,
///                                                               replica::sloppy_quorum>,
///                                           replica::keep_siblings, replica::dotted_version_vector>;
///   replica::leaderless_node<dynamo_like> node{self, config, disk};
///
/// - Placement: a `hash_ring` over the cluster's nodes (`config::vnodes`, datacenter tags in
///   `config::datacenters`); a key's replicas are its preference list of N.
/// - Writes: under `keep_siblings` a node that is not one of the key's replicas forwards the
///   write to the first one, which coordinates (as Riak does, so that the version's dot names
///   a replica of the key); under LWW any node coordinates. The coordinator makes the new version (`last_write_wins`: its clock advanced past
///   every version it has seen; `keep_siblings`: a dotted version vector event that supersedes
///   nothing the client did not see, so a blind write is a sibling of what is there), stores it,
///   sends it to the other replicas and answers `ok` at W acknowledgements (itself included).
///   - `sloppy_quorum`: a replica silent for `replica_timeout` is replaced by the next fallback
///     on the ring, which stores the write with a hint naming the replica and acknowledges;
///     its acknowledgement counts towards W, and the `sloppy_write` event says how many acks
///     came from fallbacks. The fallback hands the write off when the replica answers again
///     (`handoff_interval`), and drops the hint once the handoff of its current contents is
///     acknowledged (a write that joined it meanwhile waits for the next handoff). Hints are persisted.
///   - `strict_quorum`: only the key's replicas count; a write that cannot reach W of them
///     answers `unknown` at `request_timeout` (it may be stored on fewer: never `fail`).
/// - Reads: the coordinator (any node) asks all N replicas and answers at R replies with the
///   maximal versions among them (`keep_maximal`): one value under LWW, every concurrent
///   sibling otherwise. Read repair (asynchronous) then sends the resolved siblings to every
///   replica that answered with less (`read_repair` event); it never picks one of concurrent
///   siblings (LWW has only one).
/// - Deletes write a tombstone: a version like any other, which reads as nil and supersedes
///   what the deleting client saw. A key that is only tombstones is collected after
///   `tombstone_grace`; collected before every replica has the tombstone, the value comes back
///   from a replica that missed the delete (FAULTS B9).
/// - Compare-and-set needs a single order of writes; it is refused (`fail`, `unsupported`, as in
///   every topology without one order of writes).
///
/// - Consistency levels per request (`client_request::level`; `configured` is W or R), checked
///   against the key's replicas and datacenters: one that cannot be met fails at once
///   (`unavailable`).
/// - Causal contexts: a read's reply carries the context of what it returned; a write that
///   passes it back supersedes exactly that (siblings resolved). A malformed context, or one
///   made for another key, fails the write (`malformed`, `wrong_key`) and changes nothing.
///
/// - Anti-entropy (`anti_entropy_interval` > 0): each node keeps a Merkle tree of its keys
///   (updated on every store change) and periodically sends it to the next peer, which
///   descends where the hashes differ and exchanges the keys of those buckets that both
///   replicate, both ways. Keys nobody reads converge. (The whole tree goes in one message:
///   64 buckets, 1 KiB, an equivalent of the level-by-level exchange at this size.)
///
/// - `blocking_read_repair` (a topology parameter): the read repairs the stale replicas of its
///   quorum and answers only when they acknowledged (not acknowledged by the deadline: the read
///   answers `unknown`, as every request that times out); `async_read_repair` answers first.
/// - `config::primary_writes` / `primary_reads` (Riak's PW / PR), `config::storage_nodes`
///   (client-side coordinators: nodes beyond it own no keys and only coordinate),
///   `config::write_quorum` / `read_quorum` (W and R at run time, Riak's bucket properties).
///   `validate(config)` checks a configuration; a node built with one it refuses fails every
///   request with that error.
/// - What a key holds: versioned siblings (LWW, DVV siblings, `merge_with<F>` reading them
///   through F) or a data type through `kv_data<D>` (`crdt_merge` with the CRDT named as the
///   second template parameter; `keep_siblings` over a plain `version_vector`: `vv_siblings`).
///   What the node needs of a version type (hash, context, next event) it asks
///   `versions::...` (versioning/version_traits.hpp), never the concrete type.
///
/// How the node is built (each part its own header under topology/leaderless/, tested alone
/// where it keeps state): `store_strategy.hpp` (what a key holds: versioned siblings or a data
/// type), `replica_store.hpp` (the store, its Merkle tree, `tombstones.hpp`), `hints.hpp`
/// (hinted handoff's book), and three CRTP bases that keep no state of the node's:
/// `coordinator.hpp` (fan-out, quorums, levels, PW/PR, fallbacks, timeouts),
/// `read_repair.hpp` and `anti_entropy.hpp`. `config.hpp`, `events.hpp`, `ring.hpp`,
/// `consistency.hpp`, `request_table.hpp` and `merkle.hpp` are their vocabulary.

#include <replica/core/addressing.hpp>
#include <replica/core/client.hpp>
#include <replica/core/effects.hpp>
#include <replica/core/envelope.hpp>
#include <replica/core/fields.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/node.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>
#include <replica/data/data_model.hpp>
#include <replica/data/kv_data.hpp>
#include <replica/data/kv_register.hpp>
#include <replica/data/vv_siblings.hpp>
#include <replica/resolve/crdt_merge.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/topology/leaderless/anti_entropy.hpp>
#include <replica/topology/leaderless/config.hpp>
#include <replica/topology/leaderless/consistency.hpp>
#include <replica/topology/leaderless/coordinator.hpp>
#include <replica/topology/leaderless/events.hpp>
#include <replica/topology/leaderless/hints.hpp>
#include <replica/topology/leaderless/read_repair.hpp>
#include <replica/topology/leaderless/replica_store.hpp>
#include <replica/topology/leaderless/request_table.hpp>
#include <replica/topology/leaderless/ring.hpp>
#include <replica/topology/leaderless/store_strategy.hpp>
#include <replica/versioning/version_traits.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <type_traits>
#include <variant>
#include <vector>

namespace replica {

namespace leaderless_detail {
/// The store strategy of a node (store_strategy.hpp): a data type per key, or versioned siblings.
template <class R, class Model, class Data, bool CrdtMode, bool VvMode>
struct strategy_of {
  using resolver = typename R::resolver;
  using fold = typename decltype([] {
    if constexpr (requires { typename resolver::function; })
      return std::type_identity<typename resolver::function>{};
    else
      return std::type_identity<void>{};
  }())::type;
  using type = std::conditional_t<VvMode, data_strategy<vv_siblings>,
                                  std::conditional_t<CrdtMode, data_strategy<std::conditional_t<data_model<Data>, g_counter, Data>>,
                                                     version_siblings<typename R::versioning, typename Model::value_type,
                                                                      resolver::needs_total_order, fold>>>;
};
}  // namespace leaderless_detail

/// `Data`: the data model (data/data_model.hpp: `kv_register`, `kv_store`, your own), or under
/// `crdt_merge` the CRDT each key holds (over the registers' operations).
template <class R, class Data = kv_register>
class leaderless_node : private leaderless_detail::coordinator<leaderless_node<R, Data>>,
                        private leaderless_detail::read_repair<leaderless_node<R, Data>>,
                        private leaderless_detail::anti_entropy<leaderless_node<R, Data>> {
  using coordinator = leaderless_detail::coordinator<leaderless_node>;
  using read_repair = leaderless_detail::read_repair<leaderless_node>;
  using anti_entropy = leaderless_detail::anti_entropy<leaderless_node>;
  friend coordinator;
  friend read_repair;
  friend anti_entropy;

 public:
  using replicator_type = R;
  using topology = typename R::topology;
  using version_type = typename R::versioning;
  using resolver = typename R::resolver;
  static constexpr std::size_t n_replicas = topology::replication_factor;
  static constexpr std::size_t w_quorum = topology::write_quorum;
  static constexpr std::size_t r_quorum = topology::read_quorum;
  static constexpr bool sloppy = topology::sloppy;
  static constexpr bool lww = resolver::needs_total_order;
  static constexpr bool blocking_repair = topology::blocking_read_repair;
  /// `merge_with<F>`: siblings are kept as under keep_siblings; a read answers them folded through F.
  static constexpr bool merges = requires { typename resolver::function; };
  /// `crdt_merge`: every key holds the CRDT `Data` (`leaderless_node<R, or_set<value_type>>`).
  static constexpr bool crdt_mode = std::is_same_v<resolver, crdt_merge>;
  /// What a request carries and a key holds: the data model (a CRDT per key: the registers').
  using model = std::conditional_t<crdt_mode || !data_model<Data>, kv_register, Data>;
  using key_type = typename model::key_type;
  using value_type = typename model::value_type;
  using operation = typename model::operation;
  /// A read's answer: the values held (several: concurrent siblings), sorted.
  using reply = basic_client_reply<std::vector<value_type>>;
  /// `keep_siblings` with a version type whose siblings share one vector per key
  /// (`version_traits<V>::one_vector_per_key`: plain version vectors): `vv_siblings`.
  static constexpr bool vv_mode = std::is_same_v<resolver, keep_siblings> && versions::one_vector_per_key<version_type>;
  /// What a key holds and how (store_strategy.hpp).
  using strategy = typename leaderless_detail::strategy_of<R, model, Data, crdt_mode, vv_mode>::type;
  /// Whether a key holds a data type (a CRDT or vv_siblings) rather than a list of versioned siblings.
  static constexpr bool data_mode = strategy::data_mode;

  static_assert(requires { topology::replication_factor; },
                "replica::leaderless_node: the replicator's topology must be leaderless<...>");
  static_assert(!crdt_mode || !data_model<Data>,
                "replica::leaderless_node: with crdt_merge, name the CRDT each key holds, for example "
                "leaderless_node<R, or_set<value_type>> or leaderless_node<R, pn_counter> "
                "(docs/diagnostics.md#crdt-needs-type)");
  static_assert(crdt_mode || data_model<Data>,
                "replica::leaderless_node: the second parameter is the data model (kv_register, kv_store or your own "
                "data_model, data/data_model.hpp); a CRDT is named only with the crdt_merge resolver");
  static_assert(!(vv_mode || crdt_mode) || std::is_same_v<model, kv_register>,
                "replica::leaderless_node: a data type per key (a CRDT, or keep_siblings over plain version vectors) stores "
                "the integer registers; over another data model keep siblings with dotted_version_vector "
                "(docs/models/leaderless.md)");
  static_assert(!crdt_mode || data_model<Data> || replicated_data<Data>,
                "replica::leaderless_node: the data type must be a CRDT with a kv_data<D> specialization giving "
                "update() and read() (docs/policies/crdts.md#your-own-crdt)");
  static_assert(lww || data_mode || versions::makes_events<version_type>,
                "replica::leaderless_node: keeping siblings needs a version type that makes a write's version: "
                "dotted_version_vector, a version_vector (one per key), or your own with version_traits<V>::next "
                "(docs/diagnostics.md#siblings-need-events)");
  static_assert(lww || std::is_same_v<resolver, keep_siblings> || merges || crdt_mode,
                "replica::leaderless_node: supports last_write_wins, keep_siblings, merge_with<F> and crdt_merge");

  /// What a key holds, and what writes, reads, repairs, hints and anti-entropy carry: the
  /// sibling list, or the data type's state (a write carries its delta).
  using state = typename strategy::state;
  /// Versioned siblings only: one stored version, and a key's list of them.
  using versioned = typename decltype([] {
    if constexpr (data_mode) return std::type_identity<void>{};
    else return std::type_identity<typename strategy::versioned>{};
  }())::type;
  using siblings = std::conditional_t<data_mode, void, state>;

  // ---- messages ----
  /// Store these versions (merge them with yours); `hint_for`: you are a fallback holding them for that replica.
  struct put {
    std::uint64_t req = 0;  ///< the coordinator's request (0: a read repair); a handoff: which contents of the hint (`handoff_stamp`)
    key_type key{};
    state versions;
    std::optional<replica_id> hint_for{};
    bool handoff = false;  ///< a fallback handing off a hinted write
    REPLICA_FIELDS(req, key, versions, hint_for, handoff);
    friend bool operator==(const put&, const put&) = default;
  };
  struct put_ack {
    std::uint64_t req = 0;
    key_type key{};
    bool handoff = false;
    REPLICA_FIELDS(req, key, handoff);
    friend bool operator==(const put_ack&, const put_ack&) = default;
  };
  struct get {
    std::uint64_t req = 0;
    key_type key{};
    REPLICA_FIELDS(req, key);
    friend bool operator==(const get&, const get&) = default;
  };
  struct get_reply {
    std::uint64_t req = 0;
    key_type key{};
    state versions;
    REPLICA_FIELDS(req, key, versions);
    friend bool operator==(const get_reply&, const get_reply&) = default;
  };
  /// A write for a key this node does not replicate, passed to one that does.
  struct forward {
    client_request<operation> request;
    REPLICA_FIELDS(request);
    friend bool operator==(const forward&, const forward&) = default;
  };
  /// Anti-entropy, step 1: my Merkle tree (every node hash: 2^depth buckets, a few KiB).
  struct ae_tree {
    std::vector<std::uint64_t> nodes;
    REPLICA_FIELDS(nodes);
    friend bool operator==(const ae_tree&, const ae_tree&) = default;
  };
  /// Step 2 (and 3, with `reply` set): the keys we both replicate in the buckets where our
  /// trees differ, with my versions of them; the receiver merges them and, if asked, answers
  /// with its own versions of the same buckets.
  struct ae_sync {
    std::vector<std::uint32_t> buckets;
    std::vector<std::pair<key_type, state>> entries;
    bool reply = false;
    REPLICA_FIELDS(buckets, entries, reply);
    friend bool operator==(const ae_sync&, const ae_sync&) = default;
  };
  using message = std::variant<put, put_ack, get, get_reply, forward, ae_tree, ae_sync>;
  static constexpr std::size_t merkle_depth = 6;

  // ---- persistence ----
  struct store_write {
    key_type key{};
    state versions;
    REPLICA_FIELDS(key, versions);
    friend bool operator==(const store_write&, const store_write&) = default;
  };
  struct hint {
    replica_id target{};
    key_type key{};
    state versions;
    /// A new number each time a write joins the hint: a handoff's acknowledgement names the
    /// contents it is for, so a hint that took a newer write while its handoff was in flight is
    /// kept until that write is handed off too.
    std::uint64_t serial = 0;
    REPLICA_FIELDS(target, key, versions, serial);
    friend bool operator==(const hint&, const hint&) = default;
  };
  struct hint_drop {
    replica_id target{};
    key_type key{};
    REPLICA_FIELDS(target, key);
    friend bool operator==(const hint_drop&, const hint_drop&) = default;
  };
  using persist_entry = std::variant<store_write, hint, hint_drop>;
  struct durable_state {
    std::map<key_type, state> store;
    std::vector<hint> hints;
    REPLICA_FIELDS(store, hints);
    friend bool operator==(const durable_state&, const durable_state&) = default;
  };
  using event = basic_leaderless_event<key_type>;

  using config = leaderless_config;

  /// Whether `c` describes a cluster this node can run in: a node count the ring accepts,
  /// `storage_nodes` within it, datacenter tags below 16, quorums at most N (and, with
  /// `strong_reads`, W + R > N).
  static status validate(const config& c) { return leaderless_detail::validate(c, n_replicas, w_quorum, r_quorum, strong_reads); }
  /// How many nodes a cluster of these nodes has under `c`.
  static std::size_t nodes_in(const config& c) { return c.nodes; }
  /// Whether the composition promises that reads see the latest acknowledged write (W + R > N).
  /// The promise holds per request too: a request whose level's quorum, with the configured
  /// quorum of the other kind, does not exceed N is refused (`out_of_range`) when it arrives.
  static constexpr bool strong_reads = [] {
    if constexpr (requires { R::reads::strong; })
      return bool{R::reads::strong};
    else
      return false;
  }();

  leaderless_node(replica_id self, const config& cfg, const durable_state& disk)
      : self_{self}, cfg_{cfg}, config_{validate(cfg)}, ring_{make_ring(cfg)},
        local_dc_{self.value() < cfg.datacenters.size() ? cfg.datacenters[self.value()] : std::uint16_t{0}},
        quorum_{cfg.read_quorum ? cfg.read_quorum : r_quorum, cfg.write_quorum ? cfg.write_quorum : w_quorum},
        hints_{disk.hints} {
    store_.restore(disk.store);
    if constexpr (lww)
      for (const auto& [k, vs] : disk.store)
        for (const auto& v : vs) clock_.merge(v.version);
  }

  // ---- inputs ----

  status step(const envelope<message>& m, local_time now) {
    now_ = now;
    if (auto ok = check_addressing(m, self_, cfg_.nodes, cfg_.group); !ok) return ok;
    if (!bounded(m.payload)) return out_of_bounds;
    return std::visit([&](const auto& p) { return handle(m.from, p); }, m.payload);
  }

  void tick(local_time now) {
    now_ = now;
    this->expire_requests();
    store_.collect(now_, cfg_.tombstone_grace, out_.persist);
    this->maybe_start_round();
    if (now_ - last_handoff_ >= cfg_.handoff_interval) {
      last_handoff_ = now_;
      for (const hint& h : hints_.all()) send(h.target, put{hints_.stamp(h), h.key, h.versions, std::nullopt, true});
    }
  }

  void submit(const client_request<operation>& req, local_time now) {
    now_ = now;
    if (!config_) return this->refuse(req, config_.code());  // a configuration `validate` refuses: no request runs
    const data_access kind = model::kind_of(req.op);
    if (kind != data_access::read)
      if (auto ok = admit<model>(req.op); !ok) return this->refuse(req, ok.code());  // what the model cannot keep
    switch (kind) {
      case data_access::read: return this->start_read(req);
      case data_access::write:
      case data_access::remove: return this->start_write(req);
      case data_access::cas: return this->refuse(req, errc::unsupported);  // needs one order of writes: a leader or consensus
      case data_access::add:
        if constexpr (data_mode) return this->start_write(req);  // what the CRDT makes of it (kv_data)
        return this->refuse(req, errc::unsupported);           // registers only (counters, sets: crdt_merge)
      case data_access::other: return this->refuse(req, errc::unsupported);
    }
  }

  effects_of<leaderless_node>& effects() { return out_; }

  static void persist(durable_state& d, const persist_entry& p) {
    if (const auto* s = std::get_if<store_write>(&p)) {
      if (strategy::is_empty(s->versions))
        d.store.erase(s->key);  // a collected tombstone
      else
        d.store[s->key] = s->versions;
    } else if (const auto* h = std::get_if<hint>(&p)) {
      d.hints.push_back(*h);
    } else {
      const auto& x = std::get<hint_drop>(p);
      std::erase_if(d.hints, [&](const hint& held) { return held.target == x.target && held.key == x.key; });
    }
  }

  // ---- observation ----

  /// The versions of `k` this node stores.
  [[nodiscard]] const state* stored(const key_type& k) const { return store_.find(k); }
  /// The values of `k` this node stores (siblings, tombstones left out), sorted.
  [[nodiscard]] std::vector<value_type> values(const key_type& k) const {
    const state* s = stored(k);
    return s ? strategy::live(*s) : std::vector<value_type>{};
  }
  [[nodiscard]] const std::vector<hint>& hints() const noexcept { return hints_.all(); }
  [[nodiscard]] const hash_ring& ring() const noexcept { return ring_; }
  /// Every (key, value) this node stores, for lost-write checks.
  [[nodiscard]] std::vector<std::pair<key_type, value_type>> applied_writes() const {
    std::vector<std::pair<key_type, value_type>> out;
    store_.for_each([&](const key_type& k, const state& vs) {
      for (value_type v : strategy::live(vs)) out.emplace_back(k, v);
    });
    for (const hint& h : hints_.all())
      for (value_type v : strategy::live(h.versions)) out.emplace_back(h.key, v);
    return out;
  }
  /// A hash of the stored keys and live sibling values (not hints, not tombstones): equal on
  /// replicas that would answer every read alike.
  [[nodiscard]] std::uint64_t digest() const {
    std::uint64_t h = 1469598103934665603ULL;
    store_.for_each([&](const key_type& k, const state& vs) {
      const std::uint64_t kh = value_hash(k);
      for (const value_type& v : strategy::live(vs))
        h = (h ^ (kh * 0x9e3779b97f4a7c15ULL + value_hash(v))) * 1099511628211ULL;
    });
    return h;
  }

 private:
  using request = leaderless_detail::request<state, n_replicas, key_type>;
  /// The 32-bit id a causal context is bound to (the key itself for integer keys).
  static std::uint32_t context_key(const key_type& k) noexcept { return static_cast<std::uint32_t>(model::key_id(k)); }
  static constexpr error out_of_bounds{errc::out_of_range, "a version no correct replica makes (a counter at or above 2^63)"};
  /// Whether every version `m` carries is within the bounds correct replicas stay in
  /// (versions::within_bounds): a clock that merged one beyond would have no room to advance,
  /// and every later write at this replica would fail.
  static bool bounded(const message& m) {
    if constexpr (data_mode) {
      return true;
    } else {
      auto fine = [](const state& s) {
        return std::all_of(s.begin(), s.end(), [](const auto& v) { return versions::within_bounds(v.version); });
      };
      if (const auto* p = std::get_if<put>(&m)) return fine(p->versions);
      if (const auto* g = std::get_if<get_reply>(&m)) return fine(g->versions);
      if (const auto* a = std::get_if<ae_sync>(&m))
        return std::all_of(a->entries.begin(), a->entries.end(), [&](const auto& e) { return fine(e.second); });
      return true;
    }
  }
  static constexpr error order_broken{errc::malformed, "last_write_wins: two concurrent versions of one key (the version type breaks its total order)"};

  static hash_ring make_ring(const config& c) {
    std::vector<ring_member> m;
    for (std::uint32_t i = 0; i < c.data_nodes(); ++i)
      m.push_back({replica_id{i}, datacenter{i < c.datacenters.size() ? c.datacenters[i] : std::uint16_t{0}}});
    auto r = hash_ring::make(std::move(m), c.vnodes);
    return r ? std::move(*r) : hash_ring::make({{replica_id{0}, datacenter{0}}}, 1).value();
  }
  /// Whether `r` is one of `k`'s N replicas (no allocation: the list is on the stack).
  [[nodiscard]] bool replicates(replica_id r, const key_type& k) const {
    std::array<ring_member, n_replicas> pl{};
    const std::size_t got = ring_.preference_list(model::key_id(k), n_replicas, pl);
    return std::any_of(pl.begin(), pl.begin() + static_cast<std::ptrdiff_t>(got), [&](const ring_member& m) { return m.id == r; });
  }
  [[nodiscard]] bool is_replica(const key_type& k) const { return replicates(self_, k); }
  /// Merges `incoming` into what is stored for `k` (persisted if it changed). False (the store
  /// unchanged) if the versions cannot be one key's: the caller refuses with order_broken.
  [[nodiscard]] bool store(const key_type& k, const state& incoming) {
    if constexpr (lww)
      for (const auto& v : incoming) clock_.merge(v.version);
    return store_.put(k, incoming, now_, out_.persist);
  }
  void clock_merge(const version_type& v) {
    if constexpr (lww) clock_.merge(v);
  }
  /// Keeps a hint for its target; false (nothing kept) if it and a hint already held for the
  /// same key cannot be one key's.
  [[nodiscard]] bool keep_hint(const hint& h) {
    bool added = false;
    if (!hints_.keep(h, out_.persist, &added)) return false;
    if (added) out_.events.push_back({leaderless_event_kind::hint_stored, h.key, h.target, 1});
    return true;
  }

  // ---- handlers ----
  status handle(replica_id from, const put& p) {
    // A hint names one of the key's replicas; any other would be kept and re-sent for ever.
    if (p.hint_for && *p.hint_for != self_ && !replicates(*p.hint_for, p.key))
      return error{errc::unknown_replica, "a hint for a replica that does not replicate the key"};
    // A hinted write is kept apart from the store (reads do not see it) until handed off.
    if (!p.hint_for || *p.hint_for == self_) {
      if (!store(p.key, p.versions)) return order_broken;  // not acknowledged: the write is not held
    } else if (!keep_hint(hint{*p.hint_for, p.key, p.versions})) {
      return order_broken;
    }
    send_new<put_ack>(from, p.req, p.key, p.handoff);
    return {};
  }
  status handle(replica_id from, const put_ack& a) {
    if (a.handoff) {
      if (hints_.handed_off(from, a.key, a.req, out_.persist)) out_.events.push_back({leaderless_event_kind::hint_delivered, a.key, from, 1});
      return {};
    }
    if (a.req == 0) return {};  // a read repair was stored
    this->write_acked(from, a.req);
    return {};
  }
  status handle(replica_id from, const get& g) {
    const state* s = stored(g.key);
    send(from, get_reply{g.req, g.key, s ? *s : state{}});
    return {};
  }
  status handle(replica_id from, const get_reply& g) {
    this->read_replied(from, g.req, g.versions);
    return {};
  }
  status handle(replica_id, const forward& f) {
    const data_access kind = model::kind_of(f.request.op);
    if (kind != data_access::write && kind != data_access::remove && kind != data_access::add)
      return error{errc::malformed, "only writes, removes and adds are forwarded"};
    if (!is_replica(model::key_of(f.request.op))) return error{errc::unknown_replica, "forwarded a write for a key this node does not replicate"};
    if (auto ok = admit<model>(f.request.op); !ok) return ok;  // (the forwarding node refuses these: a hostile forward)
    this->start_write(f.request);
    return {};
  }
  status handle(replica_id from, const ae_tree& t) { return this->on_tree(from, t.nodes); }
  status handle(replica_id from, const ae_sync& a) { return this->on_sync(from, a); }

  template <class P>
  void send(replica_id to, P&& payload) {
    send_new<std::remove_cvref_t<P>>(to, std::forward<P>(payload));
  }
  /// Sends a `P` made from `args` where it lies in the outbox (no temporary message to move).
  template <class P, class... A>
  void send_new(replica_id to, A&&... args) {
    out_.messages.emplace_back(self_, to, cfg_.group, replica::term{},
                               built_by{[&] { return message{std::in_place_type<P>, std::forward<A>(args)...}; }});
  }

  replica_id self_;
  config cfg_;
  status config_;  ///< validate(cfg_)
  hash_ring ring_;
  datacenter local_dc_;  ///< this node's datacenter (what LOCAL_QUORUM counts)
  /// What `consistency_level::configured` stands for: R (index 0) and W (index 1), from the
  /// configuration or else the compile-time r<R>, w<W>.
  std::array<std::size_t, 2> quorum_;
  leaderless_detail::replica_store<strategy, model, store_write, merkle_depth> store_;
  leaderless_detail::hint_book<strategy, hint, hint_drop> hints_;
  /// Every version this node has seen (totally ordered types: a new write's version comes after it).
  version_type clock_{};
  request_table<request> pending_;  ///< requests this node coordinates, in flight (slots reused: no allocation per request)
  std::uint64_t next_req_ = 1;
  local_time now_{}, last_handoff_{};
  effects_of<leaderless_node> out_;
};

}  // namespace replica
