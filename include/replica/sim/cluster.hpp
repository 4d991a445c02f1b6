#pragma once
/// \file
/// The deterministic simulator: a cluster of any `simulated_node` type in one process, under
/// virtual time, with one seeded generator. Events are ordered by (time, sequence number), so a
/// seed replays the same run exactly; `trace_hash()` fingerprints a run.
///
/// It models what FAULTS.md lists: per-link latency, loss, duplication and reordering;
/// partitions (see `network`); crash and restart (the disk survives, memory does not); pause and
/// resume (messages wait; the node resumes with old beliefs); per-node clock skew, drift and
/// jumps; and clients with timeouts that record Jepsen-style histories. Configured by
/// sim/options.hpp.

#include <replica/check/history.hpp>
#include <replica/core/client.hpp>
#include <replica/sim/clock.hpp>
#include <replica/sim/network.hpp>
#include <replica/sim/node.hpp>
#include <replica/sim/options.hpp>
#include <replica/sim/random.hpp>
#include <replica/sim/session.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <type_traits>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace replica::sim {

template <simulated_node Node>
class cluster {
 public:
  using node_type = Node;
  using message = typename Node::message;
  using config = typename Node::config;
  using durable_state = typename Node::durable_state;
  using node_event = typename Node::event;
  /// What a client request carries, and what the node answers.
  using operation = operation_t<Node>;
  using reply_type = reply_t<Node>;
  /// Whether the node speaks the register vocabulary (`kv_op`, `client_reply`): then the
  /// cluster's client sessions can drive it and record histories for the checkers. A node over
  /// another state machine is driven with `submit` and heard through `on_reply`.
  static constexpr bool speaks_registers = std::is_same_v<operation, kv_op> && std::is_same_v<reply_type, client_reply>;

  /// A cluster of `o.nodes` replicas configured with `cfg`. A configuration the node refuses
  /// (`Node::validate`), or whose node count (`Node::nodes_in`) is not `o.nodes`, starts no
  /// replica: `config_status()` says why, and nothing happens until the cluster is made again.
  explicit cluster(cluster_options o, config cfg = {})
      : opt_{std::move(o)}, cfg_{std::move(cfg)}, config_status_{check_cluster_config<Node>(opt_, cfg_)}, rng_{opt_.seed}, net_{opt_.nodes, opt_.link} {
    slots_.resize(opt_.nodes);
    for (std::size_t i = 0; i < opt_.nodes; ++i) {
      slots_[i].random = rng_.fork();
      if (config_status_) start_node(id(i), rng_.below(static_cast<std::uint64_t>(opt_.tick_interval.count())));
    }
  }

  /// Why this cluster's configuration was refused (then no replica runs), or success.
  [[nodiscard]] const status& config_status() const noexcept { return config_status_; }
  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  // ---- time ------------------------------------------------------------------------------

  [[nodiscard]] sim_time now() const noexcept { return now_; }
  /// Processes every event up to and including `t`; time then reads `t`.
  void run_until(sim_time t) {
    while (!queue_.empty() && queue_.top().at <= t) process_one();
    now_ = std::max(now_, t);
  }
  void run_for(duration d) { run_until(now_ + d.count()); }
  /// Runs until `done(*this)` holds (checked after every event) or `deadline`; whether it held.
  template <class Pred>
  bool run_until(Pred done, sim_time deadline) {
    if (done(*this)) return true;
    while (!queue_.empty() && queue_.top().at <= deadline) {
      process_one();
      if (done(*this)) return true;
    }
    now_ = std::max(now_, deadline);
    return done(*this);
  }

  // ---- nodes and faults --------------------------------------------------------------------

  [[nodiscard]] std::size_t size() const noexcept { return opt_.nodes; }
  [[nodiscard]] bool up(replica_id r) const { return slot(r).node.has_value(); }
  [[nodiscard]] bool paused(replica_id r) const { return slot(r).paused; }
  /// The node, or nullptr while it is crashed.
  Node* node(replica_id r) { return slot(r).node ? &*slot(r).node : nullptr; }
  const Node* node(replica_id r) const { return slot(r).node ? &*slot(r).node : nullptr; }
  /// What the node has persisted (survives crashes).
  [[nodiscard]] const durable_state& disk(replica_id r) const { return slot(r).disk; }
  /// Replaces the node's disk (a lost or wiped disk); takes effect at the next restart. The
  /// replica restarts as the node type says a replica that lost its disk must
  /// (`disk_after_loss`: a leader-based replica rebuilds before it votes); `as_new` restarts it
  /// from an empty disk instead, as if it were a replica of a new cluster: the operator's
  /// mistake that D10 is about (a wiped member started with `--bootstrap`).
  enum class after_wipe : std::uint8_t { rebuild, as_new };
  void wipe_disk(replica_id r, after_wipe how = after_wipe::rebuild) {
    slot(r).disk = how == after_wipe::rebuild ? disk_after_loss<Node>() : durable_state{};
  }

  /// kill -9: the process stops; its memory is gone, its disk stays.
  void crash(replica_id r) {
    auto& s = slot(r);
    if (!s.node) return;
    s.node.reset();
    s.paused = false;
    s.held.clear();
    s.inbox.clear();  // (what waited in memory for the process is gone with it)
    s.inbox_head = 0;
    trace(kind::crash, r.value(), 0);
  }
  /// Starts a crashed node again from its disk.
  void restart(replica_id r) {
    if (slot(r).node || !config_status_) return;
    trace(kind::restart, r.value(), 0);
    if (restart_tap_) restart_tap_(r, slot(r).disk);
    start_node(r, 0);
  }
  /// SIGSTOP: the node does nothing; messages and requests for it wait.
  void pause(replica_id r) {
    if (slot(r).node) slot(r).paused = true;
    trace(kind::pause, r.value(), 0);
  }
  /// SIGCONT: the node takes what waited, with the beliefs it had, then ticks.
  void resume(replica_id r) {
    auto& s = slot(r);
    if (!s.node || !s.paused) return;
    s.paused = false;
    trace(kind::resume, r.value(), 0);
    auto held = std::move(s.held);
    s.held.clear();
    for (auto& h : held) dispatch(r, std::move(h));
    do_tick(r);
  }

  network& net() noexcept { return net_; }
  /// Latency by message rather than by link: `f` returns the model for a message (nullptr: the
  /// link's). For models where each kind of message has its own distribution, as PBS's WARS
  /// model gives writes, acknowledgements, reads and responses each their own leg.
  void set_message_latency(std::function<const latency_model*(const envelope<message>&)> f) { message_latency_ = std::move(f); }
  /// The latency between client `client` and node `node`, both ways, for clients that are not
  /// all in one place (a region's clients near its replica, far from the others): `f` returns
  /// the model to use, or nullptr for `cluster_options::client_latency`.
  void set_client_latency(std::function<const latency_model*(std::uint64_t client, replica_id node)> f) {
    client_latency_ = std::move(f);
  }
  /// `f(replica, effects)` sees every effects batch a node produces, before it is carried out:
  /// a test's tap on the real messages and persist entries of a run (the codec's round trip).
  void on_effects(std::function<void(replica_id, const effects_of<Node>&)> f) { effects_tap_ = std::move(f); }
  /// `f(replica, disk)` is called before a crashed node starts again, with the disk it would
  /// start from: a driver whose disks are real replaces it with what its storage recovers (a
  /// write-ahead-log directory per node: tests/io/wal.cpp runs the same trace on both).
  void on_restart(std::function<void(replica_id, durable_state&)> f) { restart_tap_ = std::move(f); }
  node_clock& clock(replica_id r) { return slot(r).clock; }
  rng& random() noexcept { return rng_; }
  const cluster_options& options() const noexcept { return opt_; }
  const config& node_config() const noexcept { return cfg_; }

  /// An operator's (or a controller's) action on a live, unpaused node now: calls
  /// `f(node, local_now)` and carries out its effects like any other input. Returns what `f`
  /// returns; `std::nullopt` (without calling `f`) if the node is down or paused.
  template <class F>
  auto operate(replica_id r, F f) -> std::optional<std::invoke_result_t<F, Node&, local_time>> {
    auto& s = slot(r);
    if (!s.node || s.paused) return std::nullopt;
    trace(kind::act, r.value(), 1);
    auto out = f(*s.node, s.clock.read(now_));
    drain(r);
    return out;
  }

  /// Runs `f(*this)` at true time `t` (or now, if `t` has passed): how fault schedules act.
  void at(sim_time t, std::function<void(cluster&)> f) { push(std::max(t, now_), action{std::move(f)}); }

  // ---- clients -----------------------------------------------------------------------------

  /// Starts sessions that issue operations until `o.stop`; their ids follow existing clients.
  void add_sessions(const session_options& o) {
    for (std::size_t i = 0; i < o.clients; ++i) {
      const std::size_t c = clients_.size();
      clients_.push_back(client_session{o, rng_.fork()});
      clients_[c].target = o.targets.empty() ? id(c % opt_.nodes) : o.targets[i % o.targets.size()];
      push(std::max(o.start, now_) + clients_[c].random.below(1000), next_op{static_cast<std::uint32_t>(c)});
    }
  }
  /// One operation from a new one-shot client to `target`; returns its process id in the history.
  /// `token`, if given, travels with the request (a read-your-writes token).
  std::uint64_t invoke(replica_id target, kv_op op, duration timeout = std::chrono::seconds{1},
                       std::optional<std::uint64_t> token = std::nullopt, replica::payload context = {},
                       consistency_level level = consistency_level::configured) {
    session_options o;
    o.clients = 0;
    o.timeout = timeout;
    o.stop = now_;  // no follow-up operations
    o.send_tokens = token.has_value();
    o.send_context = !context.empty();
    o.level = level;
    const std::size_t c = clients_.size();
    clients_.push_back(client_session{o, rng_.fork()});
    clients_[c].target = target;
    clients_[c].token = token;
    clients_[c].context = std::move(context);
    clients_[c].context_key = op.key;
    begin(static_cast<std::uint32_t>(c), op);
    return c;
  }
  /// A request from a client of the caller's own (any operation type), delivered to `target`
  /// after the client latency; its reply goes to the `on_reply` handler. Use client ids that the
  /// cluster's own sessions do not (they count from 0).
  void submit(replica_id target, client_request<operation> req) {
    const sim_time at = now_ + client_delay(req.client.value(), target, rng_);
    push(at, request_ev{target, std::move(req)});
  }
  /// Called with every reply a node sends, when it reaches the client (also for the cluster's
  /// own sessions, before they record it).
  void on_reply(std::function<void(const reply_type&)> f) { reply_handler_ = std::move(f); }

  /// The causal context of the last read reply a client received (leaderless topologies).
  [[nodiscard]] const replica::payload& last_context(std::uint64_t client) const { return clients_.at(client).context; }
  /// The token of the last reply a client received (a write's log position), if any.
  [[nodiscard]] std::optional<std::uint64_t> last_token(std::uint64_t client) const { return clients_.at(client).token; }
  [[nodiscard]] const check::history& history() const noexcept { return history_; }
  /// Moves out the history recorded so far; what follows is recorded afresh. A long run that
  /// reads its history in pieces keeps its memory flat (the `bottleneck` experiment).
  [[nodiscard]] check::history take_history() noexcept { return std::exchange(history_, {}); }
  /// Whether any client operation is outstanding.
  [[nodiscard]] bool clients_idle() const noexcept { return pending_clients_ == 0; }

  // ---- observation ---------------------------------------------------------------------------

  [[nodiscard]] const std::vector<logged_event<node_event>>& events() const noexcept { return events_; }
  /// Moves out the node events logged so far, as `take_history` does.
  [[nodiscard]] std::vector<logged_event<node_event>> take_events() noexcept { return std::exchange(events_, {}); }
  /// FNV-1a over every processed event (time, kind, endpoints): equal for equal runs.
  [[nodiscard]] std::uint64_t trace_hash() const noexcept { return hash_; }
  [[nodiscard]] std::uint64_t events_processed() const noexcept { return processed_; }
  [[nodiscard]] std::uint64_t messages_delivered() const noexcept { return delivered_; }
  [[nodiscard]] std::uint64_t messages_dropped() const noexcept { return dropped_; }

  /// A network that holds messages and lets them go much later (a stalled switch queue, a
  /// retransmitting middlebox; FAULTS.md A10, "replayed"): from now on a copy of every message
  /// sent is kept, up to `limit` of them.
  void record_messages(std::size_t limit = 10'000) {
    recording_ = true;
    record_limit_ = limit;
  }
  /// Stops keeping copies and delivers every kept one again, each after a fresh delay on its
  /// link (they may arrive in any order, terms and positions long out of date); how many.
  std::size_t replay_recorded() {
    recording_ = false;
    auto old = std::move(recorded_);
    recorded_.clear();
    for (auto& m : old) {
      const sim_time at = now_ + net_.link(m.from, m.to).latency.sample(slot(m.from).random).count();
      push(at, deliver{std::move(m)});
    }
    return old.size();
  }
  /// Messages and client requests node `r` has handled (times the service time: its busy time).
  [[nodiscard]] std::uint64_t inputs_served(replica_id r) const { return slot(r).served; }

  /// Equal digests on every live node (needs `Node::digest()`).
  [[nodiscard]] bool converged() const
    requires has_digest<Node>
  {
    std::optional<std::uint64_t> d;
    for (const auto& s : slots_) {
      if (!s.node) continue;
      const std::uint64_t x = s.node->digest();
      if (d && *d != x) return false;
      d = x;
    }
    return true;
  }

 private:
  enum class kind : std::uint8_t { deliver, tick, request, reply, timeout, next, act, crash, restart, pause, resume, drop };

  struct deliver {
    envelope<message> msg;
  };
  struct tick_ev {
    replica_id node;
    std::uint64_t incarnation;
  };
  struct request_ev {
    replica_id node;
    client_request<operation> req;
  };
  struct reply_ev {
    reply_type reply;
  };
  struct timeout_ev {
    std::uint32_t client;
    request_id id;
  };
  struct next_op {
    std::uint32_t client;
  };
  struct action {
    std::function<void(cluster&)> f;
  };
  /// Service time: the node is free; it takes the next input from its inbox.
  struct serve_ev {
    replica_id node;
  };
  using queued = std::variant<deliver, tick_ev, request_ev, reply_ev, timeout_ev, next_op, action, serve_ev>;

  /// The queue orders small records; what happens waits in `pool_` (the heap moves 24 bytes,
  /// not a message).
  struct scheduled {
    sim_time at;
    std::uint64_t seq;
    std::size_t what;  ///< index in pool_
    friend bool operator>(const scheduled& a, const scheduled& b) { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
  };

  /// What waits for a paused node.
  using held_item = std::variant<deliver, request_ev>;

  struct slot_state {
    std::optional<Node> node;
    durable_state disk{};
    node_clock clock{};
    bool paused = false;
    std::uint64_t incarnation = 0;
    std::vector<held_item> held;
    sim::rng random{0};
    sim_time busy_until = 0;     ///< service time: busy with an earlier input until then
    std::vector<held_item> inbox;  ///< service time: inputs waiting for the node, in arrival order
    std::size_t inbox_head = 0;    ///< the next one to serve
    std::uint64_t served = 0;      ///< messages and requests handled
    bool serve_scheduled = false;
  };

  static replica_id id(std::size_t i) { return replica_id{static_cast<std::uint32_t>(i)}; }
  slot_state& slot(replica_id r) { return slots_.at(r.value()); }
  const slot_state& slot(replica_id r) const { return slots_.at(r.value()); }

  void push(sim_time at, queued p) {
    std::size_t i = pool_.size();
    if (free_.empty()) {
      pool_.push_back(std::move(p));
    } else {
      i = free_.back();
      free_.pop_back();
      pool_[i] = std::move(p);
    }
    queue_.push(scheduled{at, seq_++, i});
  }

  void trace(kind k, std::uint64_t a, std::uint64_t b) {
    auto mix = [this](std::uint64_t x) {
      for (int i = 0; i < 8; ++i) {
        hash_ ^= (x >> (8 * i)) & 0xff;
        hash_ *= 0x100000001b3ULL;
      }
    };
    mix(static_cast<std::uint64_t>(now_));
    mix(static_cast<std::uint64_t>(k));
    mix(a);
    mix(b);
  }

  void start_node(replica_id r, std::int64_t first_tick_delay) {
    auto& s = slot(r);
    s.node.emplace(r, cfg_, s.disk);
    ++s.incarnation;
    push(now_ + first_tick_delay, tick_ev{r, s.incarnation});
  }

  void process_one() {
    const scheduled ev = queue_.top();
    queue_.pop();
    now_ = ev.at;
    ++processed_;
    queued what = std::move(pool_[ev.what]);
    free_.push_back(ev.what);
    std::visit([this](auto& p) { this->handle(p); }, what);
  }

  void handle(deliver& d) {
    const replica_id to = d.msg.to;
    if (!net_.reachable(d.msg.from, to) || !slot(to).node) {
      ++dropped_;
      trace(kind::drop, d.msg.from.value(), to.value());
      return;
    }
    if (enqueue(to, d)) return;
    dispatch(to, std::move(d));
  }
  /// Service time: if `r` is busy (or others wait before it), `item` joins its inbox (true);
  /// otherwise `r` starts serving it now (false).
  template <class Item>
  bool enqueue(replica_id r, Item& item) {
    auto& s = slot(r);
    if (opt_.service_time.count() == 0 || s.paused) return false;
    if (s.busy_until <= now_ && s.inbox_head == s.inbox.size()) {
      s.busy_until = now_ + opt_.service_time.count();
      return false;
    }
    s.inbox.emplace_back(std::move(item));
    if (!s.serve_scheduled) {
      s.serve_scheduled = true;
      push(std::max(s.busy_until, now_), serve_ev{r});
    }
    return true;
  }
  void handle(serve_ev& e) {
    auto& s = slot(e.node);
    s.serve_scheduled = false;
    if (!s.node || s.inbox_head == s.inbox.size()) return;
    held_item next = std::move(s.inbox[s.inbox_head++]);
    if (s.inbox_head == s.inbox.size()) {
      s.inbox.clear();
      s.inbox_head = 0;
    }
    s.busy_until = now_ + opt_.service_time.count();
    if (s.inbox_head < s.inbox.size()) {
      s.serve_scheduled = true;
      push(s.busy_until, serve_ev{e.node});
    }
    dispatch(e.node, std::move(next));
  }
  void handle(tick_ev& t) {
    auto& s = slot(t.node);
    if (!s.node || t.incarnation != s.incarnation) return;  // a tick of a previous life
    push(now_ + opt_.tick_interval.count(), tick_ev{t.node, t.incarnation});
    if (s.paused) return;
    do_tick(t.node);
  }
  void handle(request_ev& r) {
    if (!slot(r.node).node) return;  // the client will time out
    if (enqueue(r.node, r)) return;
    dispatch(r.node, std::move(r));
  }
  void handle(reply_ev& r) {
    trace(kind::reply, r.reply.client.value(), r.reply.id.value());
    if (reply_handler_) reply_handler_(r.reply);
    if constexpr (speaks_registers) on_session_reply(r);
  }
  void on_session_reply(reply_ev& r) {
    if (r.reply.client.value() >= clients_.size()) return;
    auto& c = clients_[r.reply.client.value()];
    if (!c.pending || c.current != r.reply.id) return;  // late or duplicate reply
    switch (r.reply.status) {
      case reply_status::ok:
        history_.push_back(c.learn(r.reply, r.reply.client.value(), now_));
        finish(r.reply.client.value());
        return;
      case reply_status::fail:
        history_.push_back(c.event(r.reply.client.value(), check::event_type::fail, now_));
        finish(r.reply.client.value());
        return;
      case reply_status::unknown:
        history_.push_back(c.event(r.reply.client.value(), check::event_type::info, now_));
        finish(r.reply.client.value());
        return;
      case reply_status::redirect:
        if (r.reply.leader_hint && c.redirects < c.opt.max_redirects) {
          ++c.redirects;
          c.target = *r.reply.leader_hint;
          send_request(r.reply.client.value());
        } else {
          // Not done, and no one to ask: definitely did not happen. Try another node next time.
          history_.push_back(c.event(r.reply.client.value(), check::event_type::fail, now_));
          c.retarget(opt_.nodes);
          finish(r.reply.client.value());
        }
        return;
    }
  }
  void handle(timeout_ev& t) {
    auto& c = clients_[t.client];
    if (!c.pending || c.current != t.id) return;
    trace(kind::timeout, t.client, t.id.value());
    history_.push_back(c.event(t.client, check::event_type::info, now_));
    if (!c.opt.sticky) c.retarget(opt_.nodes);
    finish(t.client);
  }
  void handle(next_op& n) {
    if constexpr (speaks_registers) next_session_op(n);
  }
  void next_session_op(next_op& n) {
    auto& c = clients_[n.client];
    if (c.pending || now_ >= c.opt.stop) return;
    kv_op op = c.generate(next_value_);
    if (c.opt.route) c.target = c.opt.route(op);
    begin(n.client, op);
  }
  void handle(action& a) {
    trace(kind::act, 0, 0);
    a.f(*this);
  }

  /// Delivers a message or request to a live node, or holds it while the node is paused.
  template <class Item>
  void dispatch(replica_id r, Item&& item) {
    auto& s = slot(r);
    if (s.paused) {
      s.held.emplace_back(std::forward<Item>(item));
      return;
    }
    if constexpr (std::is_same_v<std::decay_t<Item>, held_item>) {
      std::visit([&](auto& x) { dispatch(r, std::move(x)); }, item);
    } else if constexpr (std::is_same_v<std::decay_t<Item>, deliver>) {
      ++delivered_;
      ++s.served;
      trace(kind::deliver, item.msg.from.value(), r.value());
      // A refused message changes nothing. Delivered, the message is the node's (moved when this
      // is the last copy: a follower may keep what it carries without sharing it).
      if constexpr (std::is_lvalue_reference_v<Item>)
        (void)s.node->step(item.msg, s.clock.read(now_));
      else
        (void)s.node->step(std::move(item.msg), s.clock.read(now_));
      drain(r);
    } else {
      ++s.served;
      trace(kind::request, item.req.client.value(), r.value());
      s.node->submit(item.req, s.clock.read(now_));
      drain(r);
    }
  }

  void do_tick(replica_id r) {
    auto& s = slot(r);
    trace(kind::tick, r.value(), 0);
    s.node->tick(s.clock.read(now_));
    drain(r);
  }

  /// Carries out a node's effects in the documented order: persist, send, reply, events.
  void drain(replica_id r) {
    auto& s = slot(r);
    auto& fx = s.node->effects();
    if (effects_tap_) effects_tap_(r, fx);
    for (const auto& p : fx.persist) Node::persist(s.disk, p);
    for (auto& m : fx.messages) send(std::move(m));
    for (auto& rep : fx.replies) {
      const sim_time at = now_ + client_delay(rep.client.value(), r, s.random);
      push(at, reply_ev{std::move(rep)});
    }
    for (auto& e : fx.events) events_.push_back({now_, r, std::move(e)});
    fx.clear();
  }

  void send(envelope<message> m) {
    if (recording_ && recorded_.size() < record_limit_) recorded_.push_back(m);
    if (m.to.value() >= opt_.nodes || !net_.reachable(m.from, m.to)) {
      ++dropped_;
      return;
    }
    auto& g = slot(m.from).random;
    const link_config& l = net_.link(m.from, m.to);
    if (g.chance(l.loss)) {
      ++dropped_;
      return;
    }
    const int copies = g.chance(l.duplicate) ? 2 : 1;
    const latency_model* model = message_latency_ ? message_latency_(m) : nullptr;
    for (int k = 0; k < copies; ++k) {
      sim_time at = now_ + (model ? model : &l.latency)->sample(g).count();
      if (g.chance(l.reorder)) at += l.reorder_delay.sample(g).count();
      push(at, deliver{k + 1 < copies ? m : std::move(m)});
    }
  }

  void begin(std::uint32_t client, kv_op op) {
    auto& c = clients_[client];
    pending_clients_ += c.pending ? 0 : 1;
    c.start(op);
    history_.push_back(c.event(client, check::event_type::invoke, now_));
    push(now_ + c.opt.timeout.count(), timeout_ev{client, c.current});
    send_request(client);
  }

  void send_request(std::uint32_t client) {
    auto& c = clients_[client];
    const sim_time at = now_ + client_delay(client, c.target, c.random);
    push(at, request_ev{c.target, c.request(client_id{client})});
  }

  std::int64_t client_delay(std::uint64_t client, replica_id node, rng& random) {
    const latency_model* m = client_latency_ ? client_latency_(client, node) : nullptr;
    return (m ? *m : opt_.client_latency).sample(random).count();
  }

  void finish(std::uint32_t client) {
    auto& c = clients_[client];
    pending_clients_ -= c.pending ? 1 : 0;
    c.pending = false;
    if (now_ < c.opt.stop) push(now_ + c.opt.think.sample(c.random).count(), next_op{client});
  }

  cluster_options opt_;
  config cfg_;
  status config_status_;
  rng rng_;
  network net_;
  std::function<const latency_model*(const envelope<message>&)> message_latency_;
  std::function<const latency_model*(std::uint64_t, replica_id)> client_latency_;
  std::function<void(replica_id, const effects_of<Node>&)> effects_tap_;
  std::function<void(replica_id, durable_state&)> restart_tap_;
  std::function<void(const reply_type&)> reply_handler_;
  std::vector<slot_state> slots_;
  std::vector<client_session> clients_;
  std::size_t pending_clients_ = 0;  ///< clients with an operation outstanding
  std::priority_queue<scheduled, std::vector<scheduled>, std::greater<>> queue_;
  std::vector<queued> pool_;        ///< what each queued record stands for
  std::vector<std::size_t> free_;  ///< slots of pool_ to reuse
  check::history history_;
  std::vector<logged_event<node_event>> events_;
  sim_time now_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
  std::uint64_t processed_ = 0, delivered_ = 0, dropped_ = 0;
  bool recording_ = false;
  std::size_t record_limit_ = 0;
  std::vector<envelope<message>> recorded_;  ///< copies kept for replay_recorded
  value_type next_value_ = 1'000'000;  // workload values: unique, clear of hand-picked ones
};

}  // namespace replica::sim
