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
/// - Compare-and-set needs a single order of writes; it is refused (`fail`, `unavailable`).
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

#include <replica/core/fields.hpp>
#include <replica/core/addressing.hpp>
#include <replica/core/client.hpp>
#include <replica/core/effects.hpp>
#include <replica/core/envelope.hpp>
#include <replica/core/fixed_vector.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>
#include <replica/resolve/crdt_merge.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/maximal.hpp>
#include <replica/core/node.hpp>
#include <replica/topology/leaderless/consistency.hpp>
#include <replica/topology/leaderless/context.hpp>
#include <replica/topology/multi_leader/data.hpp>
#include <replica/topology/leaderless/merkle.hpp>
#include <replica/topology/leaderless/request_table.hpp>
#include <replica/topology/leaderless/ring.hpp>
#include <replica/topology/leaderless/vv_siblings.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/lamport_clock.hpp>
#include <replica/versioning/physical_clock.hpp>
#include <replica/versioning/version_vector.hpp>

#include <boost/container/small_vector.hpp>
#include <boost/container/static_vector.hpp>

#include <algorithm>
#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace replica {

namespace detail {
template <class V>
struct is_version_vector : std::false_type {};
template <std::size_t N>
struct is_version_vector<version_vector<N>> : std::true_type {};
}  // namespace detail

/// What a leaderless node reports.
struct leaderless_event {
  enum class kind : std::uint8_t {
    sloppy_write,     ///< a write was acknowledged with `count` acks from fallbacks
    hint_stored,      ///< this fallback holds a write for `peer`
    hint_delivered,   ///< this fallback handed a write off to `peer` and dropped the hint
    read_repair,      ///< this coordinator sent the resolved versions of `key` to `count` replicas
    anti_entropy,     ///< a round with `peer` found `count` differing buckets and exchanged their keys
  } what{};
  key_type key = 0;
  replica_id peer{};
  std::uint32_t count = 0;
};

constexpr std::string_view to_string(leaderless_event::kind k) noexcept {
  using k_t = leaderless_event::kind;
  switch (k) {
    case k_t::sloppy_write: return "sloppy_write";
    case k_t::hint_stored: return "hint_stored";
    case k_t::hint_delivered: return "hint_delivered";
    case k_t::read_repair: return "read_repair";
    case k_t::anti_entropy: return "anti_entropy";
  }
  return "?";
}

template <class R, class Data = void>
class leaderless_node {
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
  /// `keep_siblings` with plain version vectors: the siblings share one vector per key (vv_siblings).
  static constexpr bool vv_mode = std::is_same_v<resolver, keep_siblings> && detail::is_version_vector<version_type>::value;
  /// Whether a key holds a data type (a CRDT or vv_siblings) rather than a list of versioned siblings.
  static constexpr bool data_mode = crdt_mode || vv_mode;

  static_assert(requires { topology::replication_factor; },
                "replica::leaderless_node: the replicator's topology must be leaderless<...>");
  static_assert(!crdt_mode || !std::is_void_v<Data>,
                "replica::leaderless_node: with crdt_merge, name the CRDT each key holds, for example "
                "leaderless_node<R, or_set<value_type>> or leaderless_node<R, pn_counter> "
                "(docs/diagnostics.md#crdt-needs-type)");
  static_assert(crdt_mode || std::is_void_v<Data>,
                "replica::leaderless_node: a data type is named only with the crdt_merge resolver");
  static_assert(!crdt_mode || std::is_void_v<Data> || replicated_data<Data>,
                "replica::leaderless_node: the data type must be a CRDT with a kv_data<D> specialization giving "
                "update() and read() (docs/policies/crdts.md#your-own-crdt)");
  static_assert(lww || data_mode || std::is_same_v<version_type, dotted_version_vector>,
                "replica::leaderless_node: siblings are kept with dotted_version_vector or a version_vector; use one "
                "of them as the version type (or last_write_wins with a totally ordered version)");
  static_assert(lww || std::is_same_v<resolver, keep_siblings> || merges || crdt_mode,
                "replica::leaderless_node: supports last_write_wins, keep_siblings, merge_with<F> and crdt_merge");

  /// One stored version of a key's value.
  struct versioned {
    version_type version{};
    value_type value = 0;
    bool tombstone = false;  ///< a delete: supersedes what it saw, reads as nil
    REPLICA_FIELDS(version, value, tombstone);
    friend bool operator==(const versioned&, const versioned&) = default;
  };
  /// (Two inline: a write, or a pair of concurrent ones, allocates nothing with fixed-size versions.)
  /// Under last-write-wins a key holds one version (the order is total: no two are concurrent):
  /// a `fixed_vector` of one, copied as a plain struct.
  using siblings = std::conditional_t<lww, fixed_vector<versioned, 1>, boost::container::small_vector<versioned, 2>>;
  /// Room for the versions of two sibling lists together, before the maximal ones are kept.
  using merge_buffer = std::conditional_t<lww, fixed_vector<versioned, 2>, siblings>;
  /// What a key holds, and what writes, reads, repairs, hints and anti-entropy carry: the
  /// sibling list, or under crdt_merge the CRDT state (a write carries its delta).
  using data_type = std::conditional_t<vv_mode, vv_siblings, std::conditional_t<std::is_void_v<Data>, g_counter, Data>>;
  using state = std::conditional_t<data_mode, data_type, siblings>;

  // ---- messages ----
  /// Store these versions (merge them with yours); `hint_for`: you are a fallback holding them for that replica.
  struct put {
    std::uint64_t req = 0;  ///< the coordinator's request (0: a read repair); a handoff: which contents of the hint (`handoff_stamp`)
    key_type key = 0;
    state versions;
    std::optional<replica_id> hint_for{};
    bool handoff = false;  ///< a fallback handing off a hinted write
    REPLICA_FIELDS(req, key, versions, hint_for, handoff);
    friend bool operator==(const put&, const put&) = default;
  };
  struct put_ack {
    std::uint64_t req = 0;
    key_type key = 0;
    bool handoff = false;
    REPLICA_FIELDS(req, key, handoff);
    friend bool operator==(const put_ack&, const put_ack&) = default;
  };
  struct get {
    std::uint64_t req = 0;
    key_type key = 0;
    REPLICA_FIELDS(req, key);
    friend bool operator==(const get&, const get&) = default;
  };
  struct get_reply {
    std::uint64_t req = 0;
    key_type key = 0;
    state versions;
    REPLICA_FIELDS(req, key, versions);
    friend bool operator==(const get_reply&, const get_reply&) = default;
  };
  /// A write for a key this node does not replicate, passed to one that does.
  struct forward {
    client_request<kv_op> request;
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
    key_type key = 0;
    state versions;
    REPLICA_FIELDS(key, versions);
    friend bool operator==(const store_write&, const store_write&) = default;
  };
  struct hint {
    replica_id target{};
    key_type key = 0;
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
    key_type key = 0;
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
  using event = leaderless_event;

  struct config {
    std::size_t nodes = 3;
    group_id group{};
    std::size_t vnodes = 64;
    std::vector<std::uint16_t> datacenters{};  ///< datacenter of node i (empty: all in 0)
    duration request_timeout = std::chrono::milliseconds{500};
    duration replica_timeout = std::chrono::milliseconds{50};  ///< sloppy: when to try a fallback
    duration handoff_interval = std::chrono::milliseconds{100};
    bool read_repair = true;
    /// How long a key whose every version is a tombstone is kept before it is collected
    /// (Cassandra's gc_grace_seconds). Collected earlier than every replica has seen the
    /// delete, a replica that missed it brings the value back.
    duration tombstone_grace = std::chrono::seconds{10};
    /// 0: no anti-entropy. Otherwise every interval this node compares its Merkle tree with the
    /// next peer (round robin) and exchanges the keys of the buckets that differ.
    duration anti_entropy_interval{0};
    /// Primary-only quorums (Riak's PW and PR): how many of a write's acknowledgements, or of a
    /// read's replies, must come from the key's own N replicas (fallbacks do not count), on top of
    /// W or R. 0: no such requirement. A write that cannot collect them answers `unknown` at
    /// `request_timeout` (it may be stored on fallbacks), a read too; more than N is refused
    /// at once (`unavailable`).
    std::size_t primary_writes = 0;
    std::size_t primary_reads = 0;
    /// W and R for requests at `consistency_level::configured`, as Riak's bucket properties
    /// `w` and `r` (0: the compile-time `w<W>`, `r<R>`). At most N.
    std::size_t write_quorum = 0;
    std::size_t read_quorum = 0;
    /// Nodes `0 .. storage_nodes - 1` hold data (0: every node). The others are client-side
    /// coordinators: on the ring they are not, they own no keys and are never fallbacks, but they
    /// coordinate requests like any node (Voldemort's client-side routing, a token-aware driver).
    std::size_t storage_nodes = 0;
  };

  /// Whether `c` describes a cluster this node can run in: a node count the ring accepts,
  /// `storage_nodes` within it, datacenter tags below 16, primary quorums at most N.
  static status validate(const config& c) {
    if (c.nodes == 0) return error{errc::out_of_range, "a leaderless cluster needs at least one node"};
    if (c.storage_nodes > c.nodes) return error{errc::out_of_range, "storage_nodes is more than the cluster's nodes"};
    if (c.primary_writes > n_replicas || c.primary_reads > n_replicas)
      return error{errc::out_of_range, "a primary quorum (PW, PR) larger than N can never be met"};
    if (c.write_quorum > n_replicas || c.read_quorum > n_replicas)
      return error{errc::out_of_range, "a write or read quorum larger than N can never be met"};
    if constexpr (requires { R::reads::strong; }) {
      if constexpr (R::reads::strong) {
        const std::size_t w = c.write_quorum ? c.write_quorum : w_quorum, r = c.read_quorum ? c.read_quorum : r_quorum;
        if (w + r <= n_replicas)
          return error{errc::out_of_range, "strong_reads promised: the configured W + R must exceed N (as the compile-time ones do)"};
      }
    }
    for (auto d : c.datacenters)
      if (d >= quorum_requirement::max_dcs) return error{errc::out_of_range, "datacenter tags must be below 16"};
    if (c.vnodes == 0) return error{errc::out_of_range, "the ring needs at least one virtual node per member"};
    return {};
  }

  leaderless_node(replica_id self, const config& cfg, const durable_state& disk)
      : self_{self}, cfg_{cfg}, config_{validate(cfg)}, ring_{make_ring(cfg)},
        local_dc_{self.value() < cfg.datacenters.size() ? cfg.datacenters[self.value()] : std::uint16_t{0}},
        quorum_{cfg.read_quorum ? cfg.read_quorum : r_quorum, cfg.write_quorum ? cfg.write_quorum : w_quorum},
        hints_{disk.hints} {
    for (const hint& h : hints_) hint_serial_ = std::max(hint_serial_, h.serial);
    for (const auto& [k, vs] : disk.store) {
      const std::uint64_t fp = fingerprint(vs);
      store_.emplace_hint(store_.end(), k, held{vs, fp});
      tree_.update(k, 0, fp);
      if constexpr (!data_mode) {
        for (const auto& v : vs) clock_merge(v.version);
        if (only_tombstones(vs)) tombstoned_.emplace(k, local_time{});
      }
    }
  }

  // ---- inputs ----

  status step(const envelope<message>& m, local_time now) {
    now_ = now;
    if (auto ok = check_addressing(m, self_, cfg_.nodes, cfg_.group); !ok) return ok;
    return std::visit([&](const auto& p) { return handle(m.from, p); }, m.payload);
  }

  void tick(local_time now) {
    now_ = now;
    expire_requests();
    collect_tombstones();
    if (cfg_.anti_entropy_interval.count() > 0 && storage_nodes() > 1 && self_.value() < storage_nodes() &&
        now_ - last_anti_entropy_ >= cfg_.anti_entropy_interval) {
      last_anti_entropy_ = now_;
      const auto n = static_cast<std::uint32_t>(storage_nodes());
      ae_peer_ = (ae_peer_ + 1) % n;
      if (ae_peer_ == self_.value()) ae_peer_ = (ae_peer_ + 1) % n;
      std::vector<std::uint64_t> nodes(2 * merkle_tree<merkle_depth>::buckets);
      for (std::size_t i = 1; i < nodes.size(); ++i) nodes[i] = tree_.node(i);
      send(replica_id{ae_peer_}, ae_tree{std::move(nodes)});
    }
    if (now_ - last_handoff_ >= cfg_.handoff_interval) {
      last_handoff_ = now_;
      for (const hint& h : hints_) send(h.target, put{handoff_stamp(h), h.key, h.versions, std::nullopt, true});
    }
  }

  void submit(const client_request<kv_op>& req, local_time now) {
    now_ = now;
    if (!config_) return refuse(req, config_.code());  // a configuration `validate` refuses: no request runs
    switch (req.op.kind) {
      case op_kind::read: return start_read(req);
      case op_kind::write:
      case op_kind::remove: return start_write(req);
      case op_kind::cas: return refuse(req, errc::unavailable);  // needs one order of writes: a leader or consensus
      case op_kind::add:
        if constexpr (data_mode) return start_write(req);  // what the CRDT makes of it (kv_data)
        return refuse(req, errc::unsupported);           // registers only (counters, sets: crdt_merge)
    }
  }

  effects_of<leaderless_node>& effects() { return out_; }

  static void persist(durable_state& d, const persist_entry& p) {
    if (const auto* s = std::get_if<store_write>(&p)) {
      if (is_empty(s->versions))
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
  [[nodiscard]] const state* stored(key_type k) const {
    auto it = store_.find(k);
    return it == store_.end() ? nullptr : &it->second.versions;
  }
  /// The values of `k` this node stores (siblings, tombstones left out), sorted.
  [[nodiscard]] std::vector<value_type> values(key_type k) const {
    const state* s = stored(k);
    return s ? live(*s) : std::vector<value_type>{};
  }
  [[nodiscard]] const std::vector<hint>& hints() const noexcept { return hints_; }
  [[nodiscard]] const hash_ring& ring() const noexcept { return ring_; }
  /// Every (key, value) this node stores, for lost-write checks.
  [[nodiscard]] std::vector<std::pair<key_type, value_type>> applied_writes() const {
    std::vector<std::pair<key_type, value_type>> out;
    for (const auto& [k, h] : store_)
      for (value_type v : live(h.versions)) out.emplace_back(k, v);
    for (const hint& h : hints_)
      for (value_type v : live(h.versions)) out.emplace_back(h.key, v);
    return out;
  }
  /// A hash of the stored keys and live sibling values (not hints, not tombstones): equal on
  /// replicas that would answer every read alike.
  [[nodiscard]] std::uint64_t digest() const {
    std::uint64_t h = 1469598103934665603ULL;
    for (const auto& [k, e] : store_) {
      for (value_type v : live(e.versions)) h = (h ^ (static_cast<std::uint64_t>(k) * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(v))) * 1099511628211ULL;
    }
    return h;
  }

 private:
  enum class kind : std::uint8_t { read, write };
  /// A request's targets: the key's N replicas and, for a sloppy write, as many fallbacks.
  static constexpr std::size_t max_targets = 2 * n_replicas;
  template <class T>
  using per_target = std::conditional_t<std::is_trivially_copyable_v<T>, fixed_vector<T, max_targets>,
                                        boost::container::static_vector<T, max_targets>>;
  struct request {
    kind what{};
    client_id client{};
    request_id id{};
    key_type key = 0;
    local_time started{}, deadline{};
    per_target<ring_member> targets;  ///< the key's replicas, then fallbacks tried
    std::bitset<max_targets> answered;  ///< per target (bit i: targets[i])
    std::bitset<max_targets> tried;     ///< per target: sent to
    per_target<std::size_t> covered_by;  ///< per home replica: the fallback (target index) holding its write, or SIZE_MAX
    per_target<local_time> covered_at;   ///< per home replica: when that fallback was asked
    std::size_t acks = 0, fallback_acks = 0;
    state write;                    ///< what a write stores
    per_target<state> replies;      ///< per target, what a read got (reads only)
    quorum_requirement needs{};        ///< from the request's consistency level
    std::size_t primaries = 0;         ///< PW or PR: answers needed from the key's own replicas
    bool replied = false;              ///< the client has its answer (a read may still repair)
    // blocking read repair: the read waits for these replicas to acknowledge `repaired`
    per_target<bool> repair_wait;
    std::size_t waiting = 0;  ///< repairs not yet acknowledged (> 0: the read is waiting for them)
    state repaired;

    /// Whether the answers so far satisfy the level and the primary quorum.
    [[nodiscard]] bool met() const {
      if (acks < needs.total) return false;  // (acks: how many targets answered)
      if (primaries > 0) {
        std::size_t home = 0;
        for (std::size_t i = 0; i < targets.size() && i < n_replicas; ++i) home += answered[i] ? 1 : 0;
        if (home < primaries) return false;
      }
      if (!needs.by_dc) return true;  // (else: which datacenters answered)
      per_target<ring_member> members;  // the targets that answered (acknowledged, or replied)
      for (std::size_t i = 0; i < targets.size(); ++i)
        if (answered[i]) members.push_back(targets[i]);
      return needs.met(std::span<const ring_member>{members.data(), members.size()});
    }
  };

  static hash_ring make_ring(const config& c) {
    std::vector<ring_member> m;
    for (std::uint32_t i = 0; i < storage_of(c); ++i)
      m.push_back({replica_id{i}, datacenter{i < c.datacenters.size() ? c.datacenters[i] : std::uint16_t{0}}});
    auto r = hash_ring::make(std::move(m), c.vnodes);
    return r ? std::move(*r) : hash_ring::make({{replica_id{0}, datacenter{0}}}, 1).value();
  }

  /// `k`'s N replicas and then `extra` fallbacks, into `out` (a request's own targets).
  void walk_into(per_target<ring_member>& out, key_type k, std::size_t extra = 0) const {
    const std::size_t want = std::min(std::min(n_replicas + extra, max_targets), storage_nodes());
    out.resize_for_overwrite(ring_.walk(k, std::span{out.data(), want}));
  }
  /// How many nodes hold data (the rest are client-side coordinators).
  static std::size_t storage_of(const config& c) noexcept {
    return c.storage_nodes == 0 ? c.nodes : std::min(c.storage_nodes, c.nodes);
  }
  [[nodiscard]] std::size_t storage_nodes() const noexcept { return storage_of(cfg_); }
  /// Whether `r` is one of `k`'s N replicas (no allocation: the list is on the stack).
  [[nodiscard]] bool replicates(replica_id r, key_type k) const {
    std::array<ring_member, n_replicas> pl{};
    const std::size_t got = ring_.preference_list(k, n_replicas, pl);
    return std::any_of(pl.begin(), pl.begin() + static_cast<std::ptrdiff_t>(got), [&](const ring_member& m) { return m.id == r; });
  }
  [[nodiscard]] bool is_replica(key_type k) const { return replicates(self_, k); }
  /// Whether `n` maximal versions fit what a key holds: under last-write-wins one, so two
  /// concurrent versions mean the version type broke the total order it claims.
  static constexpr bool fits(std::size_t n) noexcept {
    if constexpr (lww)
      return n <= 1;
    else
      return true;
  }
  static constexpr error order_broken{errc::malformed, "last_write_wins: two concurrent versions of one key (the version type breaks its total order)"};
  /// The maximal versions of `a` and `b` together (what a replica keeps when it merges them);
  /// nothing if they do not fit a key (see fits).
  static std::optional<state> merged(const state& a, const state& b) {
    if constexpr (data_mode) {
      return join(a, b);
    } else {
      merge_buffer all(a.begin(), a.end());
      all.insert(all.end(), b.begin(), b.end());
      all.resize(keep_maximal(all.begin(), all.end(), &versioned::version));
      if (!fits(all.size())) return std::nullopt;
      if constexpr (std::is_same_v<merge_buffer, state>)
        return all;
      else
        return state(all.begin(), all.end());
    }
  }
  /// Whether `s` holds nothing (no key, or a collected one).
  static bool is_empty(const state& s) {
    if constexpr (data_mode)
      return s == state{};
    else
      return s.empty();
  }
  /// Whether `s` is only deletes (collectable after the grace period). A CRDT's removes are its own.
  static bool only_tombstones(const state& s) {
    if constexpr (data_mode)
      return false;
    else
      return !s.empty() && std::all_of(s.begin(), s.end(), [](const versioned& v) { return v.tombstone; });
  }
  /// The values a read of `s` shows, sorted: the live siblings (a delete reads as nothing), or
  /// what the CRDT reads as.
  static std::vector<value_type> live(const state& s) {
    std::vector<value_type> out;
    if constexpr (data_mode) {
      for (value_type v : kv_data<data_type>::read(s)) out.push_back(v);
    } else {
      for (const auto& v : s)
        if (!v.tombstone) out.push_back(v.value);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // ---- storage ----
  /// Merges `incoming` into what is stored for `k`, and persists it if it changed. False (the
  /// store unchanged) if the versions cannot be one key's: the caller refuses with order_broken.
  [[nodiscard]] bool store(key_type k, const state& incoming) {
    held& h = store_[k];
    state& mine = h.versions;
    bool newer = false;
    if constexpr (!data_mode) {
      for (const auto& v : incoming) clock_merge(v.version);
      const arrival a = arrival_of(incoming, mine);
      if (a == arrival::known) return true;  // a replica hearing again what it has
      newer = a == arrival::newer;
    }
    const std::uint64_t before = h.fingerprint;
    if (newer) {
      // A newer write (or the first): the maximal versions are the incoming ones. (The same
      // result as merged()'s, `mine` being maximal already, without building the union.)
      mine = incoming;
      if constexpr (!data_mode)
        if (mine.size() > 1) mine.resize(keep_maximal(mine.begin(), mine.end(), &versioned::version));
    } else {
      std::optional<state> all = merged(mine, incoming);
      if (!all) return false;
      if (same_set(*all, mine)) return true;
      mine = std::move(*all);
    }
    h.fingerprint = fingerprint(mine);
    tree_.update(k, before, h.fingerprint);
    out_.persist.emplace_back(std::in_place_type<store_write>, k, mine);
    if (only_tombstones(mine))
      tombstoned_.try_emplace(k, now_);
    else if (!tombstoned_.empty())
      tombstoned_.erase(k);
    return true;
  }
  /// How versions arriving stand to those held: `known`, every one at or below one held (the
  /// maximal versions of both are those held); `newer`, every one held strictly below one
  /// arriving (they are the arriving ones, kept maximal); else `mixed` (merge).
  enum class arrival : std::uint8_t { known, newer, mixed };
  static arrival arrival_of(const siblings& incoming, const siblings& mine) {
    if (incoming.size() == 1 && mine.size() == 1) {  // the usual shape, one comparison for both questions
      const causal_order o = incoming.front().version.compare(mine.front().version);
      return o == causal_order::before || o == causal_order::equal ? arrival::known
             : o == causal_order::after                            ? arrival::newer
                                                                   : arrival::mixed;
    }
    if (covers(mine, incoming)) return arrival::known;
    return covers(incoming, mine, true) ? arrival::newer : arrival::mixed;
  }
  /// Whether every version in `b` is at or below one in `a` (`strictly`: below one), so that
  /// the maximal versions of both together are those of `a` (`strictly`: none of `b`'s).
  static bool covers(const siblings& a, const siblings& b, bool strictly = false) {
    for (const auto& y : b) {
      const bool found = std::any_of(a.begin(), a.end(), [&](const versioned& x) {
        const causal_order o = y.version.compare(x.version);
        return o == causal_order::before || (!strictly && o == causal_order::equal);
      });
      if (!found) return false;
    }
    return true;
  }
  /// Collects keys that have been only tombstones for the grace period.
  void collect_tombstones() {
    for (auto it = tombstoned_.begin(); it != tombstoned_.end();) {
      if (now_ - it->second < cfg_.tombstone_grace) {
        ++it;
        continue;
      }
      if (auto s = store_.find(it->first); s != store_.end()) {
        tree_.update(it->first, s->second.fingerprint, 0);
        store_.erase(s);
      }
      out_.persist.push_back(store_write{it->first, {}});
      it = tombstoned_.erase(it);
    }
  }
  static bool same_set(const state& a, const state& b) {
    if constexpr (data_mode) {
      return a == b;
    } else {
      if (a.size() != b.size()) return false;
      for (const auto& x : a)
        if (std::find(b.begin(), b.end(), x) == b.end()) return false;
      return true;
    }
  }
  void clock_merge(const version_type& v) {
    if constexpr (lww) clock_.merge(v);
  }
  /// The causal context a read returns for the versions `best` of `k`.
  static payload context_of(key_type k, const state& best) {
    if constexpr (data_mode) {
      if constexpr (requires { kv_data<data_type>::context(k, best); })
        return kv_data<data_type>::context(k, best);
      else
        return {};
    } else if constexpr (std::is_same_v<version_type, dotted_version_vector>) {
      // Exactly the siblings' joined history, gaps and all: a plain version vector would also
      // cover the gaps, and a write made with it would supersede a sibling whose dot lies in
      // one, an acknowledged write this reader never saw (FAULTS.md B7 lost one at seed 678).
      dotted_version_vector seen;
      for (const auto& v : best) seen.merge(v.version);
      return leaderless_context::encode_history(k, seen.base(), seen.cloud());
    } else if constexpr (std::is_same_v<version_type, hybrid_logical_clock>) {
      return best.empty() ? payload{} : leaderless_context::encode(k, best.front().version);
    } else {
      return {};  // other version types carry no context
    }
  }
  /// The version of a new write of `k` coordinated here, after the client's `context` (empty:
  /// a blind write). Changes nothing: under a totally ordered version the caller moves the
  /// clock past it once the write is accepted (`clock_merge`). Errors (a malformed context, one
  /// for another key) are returned.
  result<version_type> new_version(key_type k, const payload& context) const {
    if constexpr (std::is_same_v<version_type, dotted_version_vector>) {
      leaderless_context::history seen;
      if (!context.empty()) {
        auto c = leaderless_context::decode_history(context, k);
        if (!c) return c.err();
        seen = std::move(*c);
      }
      // Supersedes exactly what the client saw; the dot is this replica's next event for k.
      std::uint64_t counter = seen.vv.counter(self_);
      for (const dot& d : seen.above)
        if (d.id == self_) counter = std::max(counter, d.counter);
      if (const state* s = stored(k))
        for (const auto& v : *s) counter = std::max(counter, v.version.max_counter(self_));
      return dotted_version_vector::event(seen.vv, seen.above, dot{self_, counter + 1});
    } else {
      version_type next = clock_;
      if (!context.empty()) {
        if constexpr (std::is_same_v<version_type, hybrid_logical_clock>) {
          auto c = leaderless_context::decode_hlc(context, k);
          if (!c) return c.err();
          next.merge(*c);  // after what the client saw, even if this clock is behind
        } else {
          return error{errc::malformed, "this version type takes no causal context"};
        }
      }
      (void)next.advance(self_, now_);  // past every version seen here (unless the clock is physical)
      return next;
    }
  }

  // ---- coordination ----
  void start_write(const client_request<kv_op>& req) {
    const std::uint64_t id = next_req_;
    request& q = pending_.add(id);
    if constexpr (lww) {
      // The write made first and the ring walked after: a last-write-wins version needs no
      // placement, and the walk gives the version's stores time to reach the cache before the
      // store and the puts copy it. (Copied right after being written a field at a time, it was
      // read back with wider loads, a store-forwarding stall: docs/benchmarks.md, fan-out.) The
      // clock moves past the version only once the request is accepted, below.
      if (auto ok = make_write(q, req); !ok) {
        pending_.drop(id);
        return refuse(req, ok.err().code);
      }
    }
    walk_into(q.targets, req.op.key, sloppy ? n_replicas : 0);
    const auto home_end = q.targets.begin() + static_cast<std::ptrdiff_t>(std::min(n_replicas, q.targets.size()));
    const bool replica = std::any_of(q.targets.begin(), home_end, [&](const ring_member& m) { return m.id == self_; });
    if (!lww && !replica) {
      // A sibling's (or a CRDT's) dot must name a replica of the key: let the first one coordinate.
      const replica_id first = q.targets.front().id;
      pending_.drop(id);
      send(first, forward{req});
      return;
    }
    ++next_req_;
    if (auto ok = init_request(q, kind::write, req); !ok) {
      pending_.drop(id);
      return refuse(req, ok.err().code);
    }
    if constexpr (lww) {
      clock_merge(q.write.front().version);  // accepted: the next version comes after this one
    } else if (auto ok = make_write(q, req); !ok) {  // an operation the type has not, a bad context: nothing changes
      pending_.drop(id);
      return refuse(req, ok.err().code);
    }
    if (replica && !store(req.op.key, q.write)) {
      pending_.drop(id);
      return refuse(req, order_broken.code);
    }
    for (std::size_t i = 0; i < q.targets.size() && i < n_replicas; ++i) {
      if (q.targets[i].id == self_) {
        q.answered[i] = true;
        q.tried[i] = true;
        ++q.acks;
        continue;
      }
      q.tried[i] = true;
      send_new<put>(q.targets[i].id, id, req.op.key, q.write, std::nullopt, false);
    }
    maybe_finish_write(id, q);
  }
  /// What the write `req` stores, into `q.write`: the CRDT's delta (made on a copy of this
  /// replica's state), or one version of the value after the client's context. An error (an
  /// operation the type has not, a bad context) changes nothing but the request slot.
  status make_write(request& q, const client_request<kv_op>& req) {
    if constexpr (data_mode) {
      const state* mine = stored(req.op.key);
      state scratch = mine ? *mine : state{};
      auto delta = kv_data<data_type>::update(scratch, req.op, update_info{self_, now_, req.op.key, &req.context});
      if (!delta) return delta.err();
      q.write = std::move(*delta);
    } else {
      auto version = new_version(req.op.key, req.context);
      if (!version) return version.err();
      q.write.clear();
      versioned& w = q.write.emplace_back();  // (written where it lies)
      w.version = std::move(*version);
      w.value = req.op.kind == op_kind::remove ? value_type{0} : req.op.value;
      w.tombstone = req.op.kind == op_kind::remove;
    }
    return {};
  }
  void start_read(const client_request<kv_op>& req) {
    const std::uint64_t id = next_req_++;
    request& q = pending_.add(id);
    walk_into(q.targets, req.op.key);
    if (auto ok = init_request(q, kind::read, req); !ok) {
      pending_.drop(id);
      return refuse(req, ok.err().code);
    }
    for (std::size_t i = 0; i < q.targets.size() && i < n_replicas; ++i) {
      q.tried[i] = true;
      if (q.targets[i].id == self_) {
        q.answered[i] = true;
        q.replies[i] = stored(req.op.key) ? *stored(req.op.key) : state{};
        ++q.acks;
        continue;
      }
      send(q.targets[i].id, get{id, req.op.key});
    }
    maybe_finish_read(id, q);
  }
  /// Answers `fail` with `why`: the request had no effect.
  void refuse(const client_request<kv_op>& req, errc why) {
    client_reply r{req.client, req.id};
    r.status = reply_status::fail;
    r.error = why;
    out_.replies.push_back(std::move(r));
  }
  /// Fills the (recycled) request `q` for `req` to `q.targets` (the key's replicas, then
  /// fallbacks, set by the caller); an error if its level or primary quorum cannot be met.
  status init_request(request& q, kind k, const client_request<kv_op>& req) const {
    q.what = k;
    q.client = req.client;
    q.id = req.id;
    q.key = req.op.key;
    q.started = now_;
    q.deadline = now_ + cfg_.request_timeout;
    q.answered.reset();
    q.tried.reset();
    if constexpr (sloppy) {  // (only a sloppy quorum's fallbacks cover a home replica)
      q.covered_by.assign(q.targets.size(), SIZE_MAX);
      q.covered_at.assign(q.targets.size(), local_time{});
    }
    q.replies.clear();
    if (k == kind::read) q.replies.assign(q.targets.size(), state{});
    q.acks = q.fallback_acks = 0;
    q.replied = false;
    q.repair_wait.clear();
    q.waiting = 0;
    const std::size_t home = std::min(n_replicas, q.targets.size());
    if (auto ok = require(q.needs, req.level, std::span<const ring_member>{q.targets.data(), home}, quorum_[k == kind::write], local_dc_); !ok)
      return ok;  // a level the key's replicas cannot meet
    q.primaries = k == kind::write ? cfg_.primary_writes : cfg_.primary_reads;
    if (q.primaries > home) return error{errc::unavailable, "the primary quorum (PW, PR) needs more replicas than the key has"};
    return {};
  }
  void maybe_finish_write(std::uint64_t id, request& q) {
    if (q.replied || !q.met()) return;
    q.replied = true;
    client_reply& r = out_.replies.emplace_back();  // built in place
    r.client = q.client;
    r.id = q.id;
    if constexpr (sloppy) {  // (only a sloppy quorum's fallbacks acknowledge for others)
      r.fallback_acks = static_cast<std::uint32_t>(q.fallback_acks);
      if (q.fallback_acks > 0) out_.events.push_back({leaderless_event::kind::sloppy_write, q.key, self_, static_cast<std::uint32_t>(q.fallback_acks)});
    }
    // The context of what was written (Riak's PUT returning the object's context): a client that
    // writes again without reading passes it, and supersedes its own write. (LWW needs none:
    // its coordinators advance past every version they have seen.)
    if constexpr (!lww) r.context = context_of(q.key, q.write);
    pending_.drop(id);
  }
  void maybe_finish_read(std::uint64_t id, request& q) {
    if (!q.replied && q.waiting == 0 && q.met()) {
      std::optional<state> resolved = resolve(q);
      if (!resolved) {
        // The replicas' versions cannot be one value: refuse the read, repair nothing.
        q.replied = true;
        client_reply r{q.client, q.id};
        r.status = reply_status::fail;
        r.error = order_broken.code;
        out_.replies.push_back(std::move(r));
        pending_.drop(id);
        return;
      }
      state& best = *resolved;
      if constexpr (blocking_repair) {
        if (start_blocking_repair(id, q, best)) return;  // answers once the stale replicas acknowledged
      }
      answer_read(q, best);
    }
    // Every replica answered (or the deadline passed): repair the ones that are behind.
    const bool all = q.answered.count() == q.targets.size();
    if (q.replied && all) {
      repair(q);
      pending_.drop(id);
    }
  }
  void answer_read(request& q, const state& best) {
    q.replied = true;
    client_reply r{q.client, q.id};
    r.result = live(best);  // a deleted key reads as nil
    if constexpr (merges) {
      // The application's merge: one value (the context still covers every sibling, so a write
      // that follows this read replaces them all).
      r.result = detail::fold_siblings<typename resolver::function>(std::move(r.result));
    }
    r.context = context_of(q.key, best);
    out_.replies.push_back(std::move(r));
  }
  /// Blocking read repair: the replicas that answered with less than `best` are written it, and
  /// the read waits for them. False if none is behind (answer now).
  bool start_blocking_repair(std::uint64_t id, request& q, state& best) {
    q.repair_wait.assign(q.targets.size(), false);
    std::uint32_t sent = 0;
    for (std::size_t i = 0; i < q.targets.size(); ++i) {
      if (!q.answered[i] || is_empty(best) || same_set(q.replies[i], best)) continue;
      if (q.targets[i].id == self_) {
        (void)store(q.key, best);  // (best is maximal over what was read: it fits)
        q.replies[i] = best;
        continue;
      }
      q.repair_wait[i] = true;
      ++sent;
      send(q.targets[i].id, put{id, q.key, best, std::nullopt, false});
    }
    if (sent == 0) return false;
    q.waiting = sent;
    q.repaired = std::move(best);
    out_.events.push_back({leaderless_event::kind::read_repair, q.key, self_, sent});
    return true;
  }
  /// A replica acknowledged a blocking read repair.
  void repair_acked(std::uint64_t id, request& q, replica_id from) {
    for (std::size_t i = 0; i < q.targets.size(); ++i) {
      if (q.targets[i].id != from || !q.repair_wait[i]) continue;
      q.repair_wait[i] = false;
      q.replies[i] = q.repaired;  // (so the read's late repair does not send it again)
      if (--q.waiting == 0) {
        answer_read(q, q.repaired);
        maybe_finish_read(id, q);
      }
      return;
    }
  }
  /// What the answers of `q` resolve to: the maximal versions among them (every concurrent
  /// sibling), or the join of the CRDT states.
  /// The maximal versions of every answer; nothing if they cannot be one key's (see fits).
  std::optional<state> resolve(const request& q) const {
    state all;
    if constexpr (data_mode) {
      for (std::size_t i = 0; i < q.targets.size(); ++i)
        if (q.answered[i]) all.merge(q.replies[i]);
    } else {
      // Every answered version by address, and only the maximal ones copied (not every reply's
      // versions gathered into one list first: that list outgrew its two in-place slots, an
      // allocation per read, as soon as three replicas answered).
      boost::container::small_vector<const versioned*, 2 * max_targets> seen;
      for (std::size_t i = 0; i < q.targets.size(); ++i)
        if (q.answered[i])
          for (const versioned& v : q.replies[i]) seen.push_back(&v);
      boost::container::small_vector<std::size_t, 2 * max_targets> at(seen.size());
      const std::size_t k = maximal_positions(seen.begin(), seen.end(), at.begin(), [](const versioned* v) -> const version_type& { return v->version; });
      if (!fits(k)) return std::nullopt;
      for (std::size_t j = 0; j < k; ++j) all.push_back(*seen[at[j]]);
    }
    return all;
  }
  /// Read repair: every replica that answered with less than the resolved versions gets them
  /// all (siblings included: it never picks one).
  void repair(const request& q) {
    if (!cfg_.read_repair) return;
    const std::optional<state> resolved = resolve(q);
    if (!resolved || is_empty(*resolved)) return;
    const state& best = *resolved;
    std::uint32_t sent = 0;
    for (std::size_t i = 0; i < q.targets.size(); ++i) {
      if (!q.answered[i] || same_set(q.replies[i], best)) continue;
      ++sent;
      if (q.targets[i].id == self_)
        (void)store(q.key, best);  // (best is maximal over what was read: it fits)
      else
        send(q.targets[i].id, put{0, q.key, best, std::nullopt, false});
    }
    if (sent > 0) out_.events.push_back({leaderless_event::kind::read_repair, q.key, self_, sent});
  }
  void expire_requests() {
    for (const std::uint64_t id : pending_.oldest_first()) {
      request* found = pending_.find(id);
      if (!found) continue;  // (none today: handling one request ends only that one; a guard, not a path)
      request& q = *found;
      if (now_ >= q.deadline) {
        if (q.what == kind::read && q.replied) {
          repair(q);  // some replicas never answered: repair those that did
        } else if (!q.replied) {
          // A request that times out answers unknown, never failed (Cassandra's WriteTimeout and
          // ReadTimeout): a write stored on fewer than W may still be there and spread; a read
          // (or its blocking repair) may have reached replicas. `unavailable` says why.
          client_reply r{q.client, q.id};
          r.status = reply_status::unknown;
          r.error = errc::unavailable;
          out_.replies.push_back(std::move(r));
        }
        pending_.drop(id);
        continue;
      }
      if constexpr (sloppy) {
        if (q.what == kind::write && now_ - q.started >= cfg_.replica_timeout) try_fallbacks(id, q);
      }
    }
  }
  /// Sloppy quorum: for every home replica still silent, the next untried fallback gets the
  /// write with a hint naming it (and the one after, if that fallback is silent too).
  void try_fallbacks(std::uint64_t id, request& q) {
    const std::size_t home = std::min(n_replicas, q.targets.size());
    for (std::size_t i = 0; i < home; ++i) {
      if (q.answered[i]) continue;
      if (q.covered_by[i] != SIZE_MAX && (q.answered[q.covered_by[i]] || now_ - q.covered_at[i] < cfg_.replica_timeout)) continue;
      for (std::size_t f = home; f < q.targets.size(); ++f) {
        if (q.tried[f]) continue;
        q.tried[f] = true;
        q.covered_by[i] = f;
        q.covered_at[i] = now_;
        if (q.targets[f].id == self_) {  // the coordinator is a fallback itself: hold the hint here
          if (!keep_hint(hint{q.targets[i].id, q.key, q.write})) break;  // not held: no acknowledgement
          q.answered[f] = true;
          ++q.acks;
          ++q.fallback_acks;
        } else {
          send(q.targets[f].id, put{id, q.key, q.write, q.targets[i].id, false});
        }
        break;
      }
    }
    maybe_finish_write(id, q);
  }
  /// Keeps a hint for its target; false (nothing kept) if its versions and a hint already held
  /// for the same key cannot be one key's.
  [[nodiscard]] bool keep_hint(const hint& h) {
    auto it = std::find_if(hints_.begin(), hints_.end(), [&](const hint& x) { return x.target == h.target && x.key == h.key; });
    if (it != hints_.end()) {
      // One hint per (target, key): merge the versions, as the store would.
      std::optional<state> all = merged(it->versions, h.versions);
      if (!all) return false;
      if (same_set(*all, it->versions)) return true;
      it->versions = std::move(*all);
      it->serial = ++hint_serial_;
      out_.persist.push_back(hint_drop{h.target, h.key});
      out_.persist.push_back(*it);
      return true;
    }
    hints_.push_back(h);
    hints_.back().serial = ++hint_serial_;
    out_.persist.push_back(hints_.back());
    out_.events.push_back({leaderless_event::kind::hint_stored, h.key, h.target, 1});
    return true;
  }

  // ---- anti-entropy ----
  /// A hash of a version (what fingerprint() sums over a key's siblings).
  static std::uint64_t version_hash(const version_type& v) {
    // Fixed-size versions: the fields multiplied apart (independent, in parallel), then mixed once.
    constexpr std::uint64_t k1 = 0x9e3779b97f4a7c15ULL, k2 = 0xc2b2ae3d27d4eb4fULL, k3 = 0x165667b19e3779f9ULL;
    if constexpr (std::is_same_v<version_type, hybrid_logical_clock>) {
      return mix64(static_cast<std::uint64_t>(v.wall()) * k1 ^ v.logical() * k2 ^ std::uint64_t{v.origin().value()} * k3);
    } else if constexpr (std::is_same_v<version_type, physical_clock>) {
      return mix64(static_cast<std::uint64_t>(v.micros()) * k1 ^ std::uint64_t{v.origin().value()} * k3);
    } else if constexpr (std::is_same_v<version_type, lamport_clock>) {
      return mix64(v.counter() * k1 ^ std::uint64_t{v.origin().value()} * k3);
    } else {
      std::uint64_t h = 0x84222325cbf29ce4ULL;
      auto mixin = [&h](std::uint64_t x) { h = (h ^ x) * 0x100000001b3ULL + (h >> 31); };
      if constexpr (std::is_same_v<version_type, dotted_version_vector>) {
        for (const auto& e : v.base().entries()) {
          mixin(e.id.value());
          mixin(e.counter);
        }
        for (const auto& d : v.cloud()) {
          mixin(d.id.value() + 0x5555);
          mixin(d.counter);
        }
      }
      return h;
    }
  }
  /// What the Merkle tree holds for a key: an order-independent hash of its versions.
  /// (A CRDT: `kv_data<D>::fingerprint` if it has one, else a hash of what it reads as; states
  /// that read alike but differ inside, such as a PN-Counter's two halves, then look equal to
  /// anti-entropy, and converge through reads and writes only.)
  /// (Always inlined: every write to the store computes it, and GCC kept it a call; inlined, the
  /// fan-out request is about 1 ns faster, docs/benchmarks.md.)
  [[gnu::always_inline]] static std::uint64_t fingerprint(const state& vs) {
    if constexpr (data_mode) {
      if (vs == state{}) return 0;
      std::uint64_t h = 0;
      if constexpr (requires { kv_data<data_type>::fingerprint(vs); }) {
        h = kv_data<data_type>::fingerprint(vs);
      } else {
        h = 0x9e3779b97f4a7c15ULL;
        for (value_type v : live(vs)) h = (h ^ static_cast<std::uint64_t>(v)) * 0x100000001b3ULL;
      }
      return h == 0 ? 1 : h;
    } else {
      if (vs.empty()) return 0;
      std::uint64_t h = 0x9e3779b97f4a7c15ULL;
      for (const auto& v : vs) h += version_hash(v.version) * 31 + static_cast<std::uint64_t>(v.value) * 7 + (v.tombstone ? 1 : 0);
      return h == 0 ? 1 : h;
    }
  }
  /// My keys in `buckets` that `peer` also replicates, with their versions.
  std::vector<std::pair<key_type, state>> entries_in(const std::vector<std::uint32_t>& buckets, replica_id peer) const {
    std::vector<std::pair<key_type, state>> out;
    for (const auto& [k, h] : store_) {
      const auto b = static_cast<std::uint32_t>(merkle_tree<merkle_depth>::bucket_of(k));
      if (std::find(buckets.begin(), buckets.end(), b) == buckets.end()) continue;
      if (replicates(peer, k)) out.emplace_back(k, h.versions);
    }
    return out;
  }
  status handle(replica_id from, const ae_tree& t) {
    if (t.nodes.size() != 2 * merkle_tree<merkle_depth>::buckets) return error{errc::malformed, "a Merkle tree of another depth"};
    std::vector<std::uint32_t> differ;
    // Descend from the root where the hashes differ (the same walk differing_buckets does).
    std::vector<std::size_t> stack{1};
    while (!stack.empty()) {
      const std::size_t i = stack.back();
      stack.pop_back();
      if (tree_.node(i) == t.nodes[i]) continue;
      if (i >= merkle_tree<merkle_depth>::buckets) {
        differ.push_back(static_cast<std::uint32_t>(i - merkle_tree<merkle_depth>::buckets));
      } else {
        stack.push_back(2 * i + 1);
        stack.push_back(2 * i);
      }
    }
    if (differ.empty()) return {};
    out_.events.push_back({leaderless_event::kind::anti_entropy, 0, from, static_cast<std::uint32_t>(differ.size())});
    auto entries = entries_in(differ, from);
    send(from, ae_sync{std::move(differ), std::move(entries), false});
    return {};
  }
  status handle(replica_id from, const ae_sync& a) {
    bool refused = false;
    for (const auto& [k, vs] : a.entries)
      if (is_replica(k)) refused |= !store(k, vs);  // (keys I do not replicate are ignored; a refused key stays as it was)
    if (!a.reply) send(from, ae_sync{a.buckets, entries_in(a.buckets, from), true});
    if (refused) return order_broken;
    return {};
  }

  // ---- handlers ----
  status handle(replica_id from, const put& p) {
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
      handed_off(from, a.key, a.req);
      return {};
    }
    if (a.req == 0) return {};  // a read repair was stored
    request* found = pending_.find(a.req);
    if (!found) return {};  // late: already answered
    request& q = *found;
    if (q.what == kind::read) {
      if (q.waiting > 0) repair_acked(a.req, q, from);
      return {};
    }
    for (std::size_t i = 0; i < q.targets.size(); ++i) {
      if (q.targets[i].id != from || q.answered[i] || !q.tried[i]) continue;
      q.answered[i] = true;
      ++q.acks;
      if (sloppy && i >= n_replicas) ++q.fallback_acks;
      break;
    }
    maybe_finish_write(a.req, q);
    return {};
  }
  /// What a handoff of `h` carries in `put::req` and its acknowledgement echoes: the hint's
  /// serial and its contents' fingerprint. (The serial alone could repeat after a restart, a
  /// dropped hint's number being given again; the fingerprint alone misses a CRDT state that
  /// changed without changing how it reads.)
  static std::uint64_t handoff_stamp(const hint& h) { return mix64(h.serial ^ fingerprint(h.versions)); }
  /// `from` stored what this fallback held for it under `k`, as of `stamp`: drop the hint unless
  /// a newer write joined it since. (Out of line: the acknowledgement handler is on every
  /// write's path, handoffs are not.)
  [[gnu::noinline, gnu::cold]] void handed_off(replica_id from, key_type k, std::uint64_t stamp) {
    auto it = std::find_if(hints_.begin(), hints_.end(), [&](const hint& h) { return h.target == from && h.key == k; });
    // (Another stamp: the hint took a newer write since that handoff was sent; the next sends it.)
    if (it != hints_.end() && handoff_stamp(*it) == stamp) {
      hints_.erase(it);
      out_.persist.push_back(hint_drop{from, k});
      out_.events.push_back({leaderless_event::kind::hint_delivered, k, from, 1});
    }
  }
  status handle(replica_id from, const get& g) {
    const state* s = stored(g.key);
    send(from, get_reply{g.req, g.key, s ? *s : state{}});
    return {};
  }
  status handle(replica_id from, const get_reply& g) {
    request* found = pending_.find(g.req);
    if (!found || found->what != kind::read) return {};
    request& q = *found;
    for (std::size_t i = 0; i < q.targets.size(); ++i) {
      if (q.targets[i].id != from || q.answered[i]) continue;
      q.answered[i] = true;
      q.replies[i] = g.versions;
      ++q.acks;
      break;
    }
    maybe_finish_read(g.req, q);
    return {};
  }
  status handle(replica_id, const forward& f) {
    if (f.request.op.kind == op_kind::read || f.request.op.kind == op_kind::cas)
      return error{errc::malformed, "only writes, removes and adds are forwarded"};
    if (!is_replica(f.request.op.key)) return error{errc::unknown_replica, "forwarded a write for a key this node does not replicate"};
    start_write(f.request);
    return {};
  }

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
  /// What a key holds, with its fingerprint (what its Merkle leaf sums; kept so that an update
  /// takes the old one out without hashing the old versions again).
  struct held {
    state versions{};
    std::uint64_t fingerprint = 0;  ///< fingerprint(versions)
  };
  std::map<key_type, held> store_;
  std::map<key_type, local_time> tombstoned_;  ///< keys whose versions are all tombstones, since when (restarts the grace after a crash)
  std::vector<hint> hints_;
  std::uint64_t hint_serial_ = 0;  ///< the last `hint::serial` given (restored hints: their highest)
  version_type clock_{};
  request_table<request> pending_;  ///< requests this node coordinates, in flight (slots reused: no allocation per request)
  std::uint64_t next_req_ = 1;
  merkle_tree<merkle_depth> tree_;
  std::uint32_t ae_peer_ = 0;
  local_time now_{}, last_handoff_{}, last_anti_entropy_{};
  effects_of<leaderless_node> out_;
};

}  // namespace replica
