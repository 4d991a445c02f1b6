#pragma once
// replica-server's body for any node over `kv_store`: one node per process, its write-ahead log,
// the TCP transport to its peers, and the Redis protocol for clients (docs/server.md). Copy
// main.cpp and call `serve<your_node>(options, model)` to make a server of your own composition.

#include "commands.hpp"

#include <replica/core/client.hpp>
#include <replica/core/envelope.hpp>
#include <replica/core/fields.hpp>
#include <replica/core/node.hpp>
#include <replica/io/file_system.hpp>
#include <replica/io/resp.hpp>
#include <replica/io/runner.hpp>
#include <replica/io/tcp_transport.hpp>
#include <replica/io/wal.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace replica_server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// The allocator the server was linked with (INFO's `mem_allocator`, as Redis reports its own):
/// jemalloc when the build found it (CMakeLists.txt, `REPLICA_JEMALLOC`), else the C library's.
#ifdef REPLICA_ALLOCATOR
inline constexpr const char* allocator_name = REPLICA_ALLOCATOR;
#else
inline constexpr const char* allocator_name = "libc";
#endif

struct options {
  replica::replica_id id{};
  std::vector<tcp::endpoint> peers;  ///< every node's peer address, in id order
  tcp::endpoint listen;              ///< this node's client (RESP) address
  std::string data;                  ///< the data directory (the write-ahead log)
  bool bootstrap = false;            ///< an empty data directory is a new cluster's, not a lost disk
  std::chrono::milliseconds request_timeout{5000};  ///< a request not answered by then gets -UNKNOWN
  std::size_t max_pipeline = 1024;   ///< requests in flight per connection before reading pauses
  bool quiet = false;                ///< no event lines on stderr
  /// Leader-based models: the election timeout's lower bound (the upper is twice it) and the
  /// heartbeat interval. Larger than the simulator's defaults, as etcd's (100 ms heartbeats,
  /// 1 s elections) are: a real process stalls (an fsync, a snapshot, the scheduler) where a
  /// simulated one does not, and a follower that times out during a stall deposes a live leader.
  std::chrono::milliseconds election{1000};
  std::chrono::milliseconds heartbeat{50};
  // What the model offers over RESP (set by the model's row in main.cpp):
  bool contexts = false;  ///< causal contexts (GETCTX, SETCTX, DELCTX): leaderless models with siblings
  bool levels = false;    ///< per-request consistency levels (CONSISTENCY): leaderless models
  /// Read-your-writes tokens (TOKEN): leader-based models, whose replies name a log position.
  bool tokens = false;
  /// The clock the node reads: monotonic for leader-based timeouts and leases; the wall clock
  /// where versions carry time (last-writer-wins, hybrid logical clocks).
  replica::io::runner_options::clock_kind clock = replica::io::runner_options::clock_kind::steady;
  /// A leader sends its new entries before its own sync (runner_options::send_before_sync);
  /// `--sync-before-send` turns it off, to measure what it saves.
  bool send_before_sync = true;
  /// A leader acknowledges writes earlier batches made durable before the sync of the writes
  /// that came since (runner_options::reply_before_sync); `--sync-before-reply` turns it off.
  bool reply_before_sync = true;
  /// The log is written and synced on a thread of its own while the loop goes on
  /// (runner_options::write_beside_loop); `--sync-in-loop` turns it off.
  bool write_beside_loop = true;
};

/// A request a follower hands to the leader (the leader's runner submits it as its own).
template <class Op>
struct forwarded_request {
  replica::replica_id origin{};
  replica::client_request<Op> request{};
  REPLICA_FIELDS(origin, request);
};
/// The leader's reply to a forwarded request, on its way back to the follower that holds the
/// client's connection.
template <class Reply>
struct forwarded_reply {
  Reply reply{};
  REPLICA_FIELDS(reply);
};

inline void log_line(const std::string& s) {
  const auto t = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::fprintf(stderr, "%lld.%03lld %s\n", static_cast<long long>(t / 1000), static_cast<long long>(t % 1000), s.c_str());
}

template <replica::protocol_node Node>
class server {
 public:
  using operation = replica::operation_t<Node>;
  using reply = replica::reply_t<Node>;
  using message = typename Node::message;
  using frame = std::variant<replica::envelope<message>, forwarded_request<operation>, forwarded_reply<reply>>;
  using log_type = replica::io::wal<Node>;

  server(asio::io_context& io, const options& o, std::string model, log_type log, typename Node::durable_state disk,
         const typename Node::config& cfg)
      : io_{io}, opt_{o}, model_{std::move(model)},
        net_{io, o.id, o.peers, {}, [this](frame&& f) { on_frame(std::move(f)); }, [this](const std::string& s) { note(s); }},
        run_{io, o.id, cfg, std::move(log), std::move(disk), {.clock = o.clock, .send_before_sync = o.send_before_sync, .reply_before_sync = o.reply_before_sync, .write_beside_loop = o.write_beside_loop},
             {.send = [this](replica::envelope<message>&& m) { net_.send(m.to, frame{std::move(m)}); },
              .reply = [this](reply&& r) { on_reply(std::move(r)); },
              .event = [this](const auto& e) { on_event(e); },
              .refused = {},
              .fatal = [this](const std::string& why) { fatal(why); }}},
        acceptor_{io}, sweep_{io}, signals_{io, SIGTERM, SIGINT}, alive_{std::make_shared<bool>(true)} {}

  ~server() { *alive_ = false; }

  /// Binds both addresses and starts; `io.run()` then serves until a signal.
  replica::status start() {
    if (auto s = net_.listen(); !s) return s;
    boost::system::error_code ec;
    acceptor_.open(opt_.listen.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(opt_.listen, ec);
    if (!ec) acceptor_.listen(tcp::socket::max_listen_connections, ec);
    if (ec) return replica::error{replica::errc::io_failed, "cannot listen on the client address"};
    accept();
    run_.start();
    arm_sweep();
    signals_.async_wait([this](const boost::system::error_code& e, int) {
      if (!e) shutdown();
    });
    note("replica-server " + model_ + ": replica " + std::to_string(opt_.id.value()) + " serving clients on " +
         endpoint_text(acceptor_.local_endpoint(ec)));
    return {};
  }
  int exit_code() const noexcept { return exit_code_; }

 private:
  struct session;
  struct pending {
    std::weak_ptr<session> conn;
    std::uint64_t slot = 0;
    verb kind = verb::get;
    replica::client_request<operation> request;
    std::chrono::steady_clock::time_point deadline;
    bool forwarded = false;
  };
  using request_key = std::pair<std::uint32_t, std::uint64_t>;

  // ---- one client connection ----
  struct session : std::enable_shared_from_this<session> {
    explicit session(tcp::socket s) : socket{std::move(s)} {}
    tcp::socket socket;
    replica::io::resp::request_parser parser;
    std::array<char, 16 * 1024> buffer{};
    replica::client_id client{};
    std::uint64_t next_request = 1;
    replica::consistency_level level = replica::consistency_level::configured;  // CONSISTENCY
    /// The newest state this connection has seen (the greatest token of its replies, or one
    /// adopted with TOKEN n): its reads carry it, so they never see older (read-your-writes,
    /// monotonic reads).
    std::optional<std::uint64_t> token;
    std::deque<std::optional<std::string>> slots;  // replies in request order; nullopt: not yet
    std::uint64_t first_slot = 0;                  // the slot number of slots.front()
    std::string out, writing;
    bool write_pending = false, reading = false, closing = false, closed = false;
  };

  void note(const std::string& s) const {
    if (!opt_.quiet) log_line("[" + std::to_string(opt_.id.value()) + "] " + s);
  }
  static std::string endpoint_text(const tcp::endpoint& e) { return e.address().to_string() + ":" + std::to_string(e.port()); }

  void accept() {
    acceptor_.async_accept([this, alive = alive_](const boost::system::error_code& ec, tcp::socket s) {
      if (!*alive || stopping_) return;
      if (!ec) {
        boost::system::error_code e2;
        s.set_option(tcp::no_delay(true), e2);
        auto c = std::make_shared<session>(std::move(s));
        c->client = replica::client_id{((opt_.id.value() + 1) << 24) | (next_client_++ & 0xFFFFFFu)};
        read(c);
      }
      accept();
    });
  }

  void read(const std::shared_ptr<session>& c) {
    if (c->reading || c->closing || c->closed) return;
    if (c->slots.size() >= opt_.max_pipeline) return;  // resumed when replies drain
    c->reading = true;
    c->socket.async_read_some(asio::buffer(c->buffer), [this, alive = alive_, c](const boost::system::error_code& ec, std::size_t n) {
      if (!*alive) return;
      c->reading = false;
      if (ec) return close(c);
      c->parser.feed(std::string_view{c->buffer.data(), n});
      while (!c->closing && c->slots.size() < opt_.max_pipeline) {
        auto next = c->parser.next();
        if (!next) {
          // Not RESP, or over a limit: say why, then close (the stream cannot be resynchronised).
          std::string r;
          replica::io::resp::error_reply(r, "ERR Protocol error: " + std::string{next.err().detail});
          fill(c, push_slot(c), std::move(r));
          c->closing = true;
          break;
        }
        if (!*next) break;
        handle(c, **next);
      }
      flush(c);
      read(c);
    });
  }

  std::uint64_t push_slot(const std::shared_ptr<session>& c) {
    c->slots.emplace_back();
    return c->first_slot + c->slots.size() - 1;
  }
  void fill(const std::shared_ptr<session>& c, std::uint64_t slot, std::string text) {
    if (slot < c->first_slot || slot - c->first_slot >= c->slots.size()) return;
    c->slots[slot - c->first_slot] = std::move(text);
  }
  /// Writes the replies that are ready, in request order.
  void flush(const std::shared_ptr<session>& c) {
    while (!c->slots.empty() && c->slots.front()) {
      c->out += *c->slots.front();
      c->slots.pop_front();
      ++c->first_slot;
    }
    if (c->write_pending || c->closed) return;
    if (c->out.empty()) {
      if (c->closing && c->slots.empty()) close(c);
      return;
    }
    c->writing.swap(c->out);
    c->out.clear();
    c->write_pending = true;
    asio::async_write(c->socket, asio::buffer(c->writing), [this, alive = alive_, c](const boost::system::error_code& ec, std::size_t) {
      if (!*alive) return;
      c->write_pending = false;
      c->writing.clear();
      if (ec) return close(c);
      flush(c);
      read(c);
    });
  }
  void close(const std::shared_ptr<session>& c) {
    if (c->closed) return;
    c->closed = true;
    boost::system::error_code ec;
    c->socket.close(ec);
  }

  void handle(const std::shared_ptr<session>& c, std::vector<std::string>& args) {
    namespace resp = replica::io::resp;
    const std::uint64_t slot = push_slot(c);
    parsed p = parse(args);
    if (std::holds_alternative<std::monostate>(p.what)) {
      std::string r;
      resp::error_reply(r, p.error);
      return fill(c, slot, std::move(r));
    }
    if (const local* l = std::get_if<local>(&p.what)) {
      std::string r;
      switch (*l) {
        case local::ping:
          if (args.size() == 2)
            resp::bulk(r, std::string_view{args[1]});
          else
            resp::simple(r, "PONG");
          break;
        case local::echo: resp::bulk(r, std::string_view{args[1]}); break;
        case local::select: resp::simple(r, "OK"); break;
        case local::quit:
          resp::simple(r, "OK");
          c->closing = true;
          break;
        case local::config_get:
        case local::command: resp::array_header(r, 0); break;
        case local::info: resp::bulk(r, std::string_view{info()}); break;
        case local::consistency:
          if (!opt_.levels) {
            resp::error_reply(r, "ERR this model has no per-request consistency levels");
          } else {
            c->level = p.level;
            resp::simple(r, "OK");
          }
          break;
        case local::token:
          if (!opt_.tokens) {
            resp::error_reply(r, "ERR this model has no read-your-writes tokens (leader-based models have them)");
          } else if (p.token) {
            c->token = std::max(c->token.value_or(0), *p.token);
            resp::simple(r, "OK");
          } else if (c->token) {
            resp::integer(r, static_cast<std::int64_t>(*c->token));
          } else {
            resp::bulk(r, std::nullopt);
          }
          break;
      }
      return fill(c, slot, std::move(r));
    }
    if ((p.has_context || p.kind == verb::getctx) && !opt_.contexts) {
      std::string r;
      resp::error_reply(r, "ERR this model has no causal contexts (GETCTX, SETCTX and DELCTX are for models that keep siblings)");
      return fill(c, slot, std::move(r));
    }
    if (run_.failed()) {
      std::string r;
      resp::error_reply(r, "ERR the write-ahead log failed: this node answers nothing");
      return fill(c, slot, std::move(r));
    }
    replica::client_request<operation> req{c->client, replica::request_id{c->next_request++},
                                           std::get<replica::kv_store::operation>(std::move(p.what))};
    req.level = c->level;
    if (opt_.tokens && p.kind == verb::get) req.token = c->token;
    if (p.has_context) req.context = std::move(p.context);
    // The pending entry first (a reply may come back inside submit), with the one copy the
    // request needs: pending keeps it to forward to a leader, the runner takes the original.
    pending_[{req.client.value(), req.id.value()}] =
        pending{c, slot, p.kind, req, std::chrono::steady_clock::now() + opt_.request_timeout, false};
    run_.submit(std::move(req));
  }

  // ---- replies, local and forwarded ----

  void on_reply(reply&& r) {
    const request_key k{r.client.value(), r.id.value()};
    if (auto f = forwarded_.find(k); f != forwarded_.end()) {
      const replica::replica_id origin = f->second.first;
      forwarded_.erase(f);
      net_.send(origin, frame{forwarded_reply<reply>{std::move(r)}});
      return;
    }
    finish(k, std::move(r), true);
  }

  void finish(const request_key& k, reply&& r, bool may_forward) {
    auto p = pending_.find(k);
    if (p == pending_.end()) return;  // answered already (timed out)
    if (r.status == replica::reply_status::redirect && may_forward && !p->second.forwarded && r.leader_hint &&
        *r.leader_hint != opt_.id && r.leader_hint->value() < opt_.peers.size()) {
      p->second.forwarded = true;
      net_.send(*r.leader_hint, frame{forwarded_request<operation>{opt_.id, p->second.request}});
      return;
    }
    pending q = std::move(p->second);
    pending_.erase(p);
    auto c = q.conn.lock();
    if (!c) return;
    if (opt_.tokens && r.status == replica::reply_status::ok && r.token) c->token = std::max(c->token.value_or(0), *r.token);
    std::string text;
    render(text, q.kind, r);
    fill(c, q.slot, std::move(text));
    flush(c);
    read(c);
  }

  void on_frame(frame&& f) {
    if (auto* m = std::get_if<replica::envelope<message>>(&f)) return run_.step(std::move(*m));
    if (auto* fr = std::get_if<forwarded_request<operation>>(&f)) {
      if (fr->origin.value() >= opt_.peers.size() || fr->origin == opt_.id) return;
      // Only a client id the origin could have made (its id in the top byte): nothing else collides.
      if ((fr->request.client.value() >> 24) != fr->origin.value() + 1) return;
      const request_key k{fr->request.client.value(), fr->request.id.value()};
      if (forwarded_.count(k)) return;
      forwarded_[k] = {fr->origin, std::chrono::steady_clock::now() + opt_.request_timeout};
      run_.submit(std::move(fr->request));
      return;
    }
    auto& back = std::get<forwarded_reply<reply>>(f);
    finish({back.reply.client.value(), back.reply.id.value()}, std::move(back.reply), false);
  }

  /// Answers requests that waited too long (-UNKNOWN: they may yet be done) and forgets
  /// forwarded ones the same age.
  void arm_sweep() {
    sweep_.expires_after(std::chrono::milliseconds{100});
    sweep_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
      if (!*alive || ec) return;
      const auto now = std::chrono::steady_clock::now();
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.deadline > now) {
          ++it;
          continue;
        }
        auto c = it->second.conn.lock();
        if (c) {
          std::string r;
          replica::io::resp::error_reply(r, "UNKNOWN timed out: the request may or may not be done");
          fill(c, it->second.slot, std::move(r));
          flush(c);
          read(c);
        }
        it = pending_.erase(it);
      }
      std::erase_if(forwarded_, [&](const auto& kv) { return kv.second.second <= now; });
      arm_sweep();
    });
  }

  // ---- events, INFO, shutdown ----

  /// Role changes and the like (events with a term) go to the log; the rest (read repairs,
  /// discarded writes, ...: as many as the requests) are counted for INFO.
  template <class E>
  void on_event(const E& e) {
    if constexpr (requires { e.term.value(); e.index; })
      note(std::string{to_string(e.what)} + " (term " + std::to_string(e.term.value()) + ", index " + std::to_string(e.index) + ")");
    else if constexpr (requires { to_string(e.what); })
      ++event_counts_[std::string{to_string(e.what)}];
  }

  std::string info() const {
    std::string s = "# Server\r\nmem_allocator:" + std::string{allocator_name} + "\r\n";
    s += "# Replication\r\nmodel:" + model_ + "\r\nreplica:" + std::to_string(opt_.id.value()) + "\r\n";
    const Node& n = run_.node();
    if constexpr (requires { n.report(); }) {
      const auto r = n.report();
      using role_t = decltype(r.role);
      s += std::string{"role:"} + (r.role == role_t::leader ? "leader" : r.role == role_t::follower ? "follower" : "candidate") + "\r\n";
      s += "term:" + std::to_string(r.term.value()) + "\r\n";
      s += "leader:" + (r.leader ? std::to_string(r.leader->value()) : std::string{"none"}) + "\r\n";
      s += "last_index:" + std::to_string(r.last_index) + "\r\ncommit_index:" + std::to_string(r.commit) +
           "\r\napplied_index:" + std::to_string(r.applied) + "\r\nsnapshot_index:" + std::to_string(r.snapshot_index) + "\r\n";
      s += std::string{"degraded:"} + (r.degraded ? "1" : "0") + "\r\nrebuilding:" + (r.rebuilding ? "1" : "0") + "\r\n";
      s += "connected_followers:" + std::to_string(r.followers.size()) + "\r\n";
      for (std::size_t i = 0; i < r.followers.size(); ++i) {
        const auto& f = r.followers[i];
        s += "follower" + std::to_string(i) + ":id=" + std::to_string(f.id.value()) + ",match=" + std::to_string(f.match) +
             ",lag_entries=" + std::to_string(f.lag_entries) + ",lag_bytes=" + std::to_string(f.lag_bytes) +
             ",lag_ms=" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(f.lag_time).count()) +
             ",in_sync=" + (f.in_sync ? "1" : "0") + ",rebuilding=" + (f.rebuilding ? "1" : "0") + "\r\n";
      }
    }
    if constexpr (replica::has_digest<Node>) {
      // A hash of the replicated state: equal on replicas that hold the same (convergence).
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(n.digest()));
      s += std::string{"digest:"} + hex + "\r\n";
    }
    const auto& st = run_.stats();
    const auto& ns = net_.stats();
    s += "# Runner\r\nbatches:" + std::to_string(st.batches) + "\r\nsyncs:" + std::to_string(st.syncs) +
         "\r\npersisted:" + std::to_string(st.persisted) + "\r\ncheckpoints:" + std::to_string(st.checkpoints) + "\r\ncompactions_unlogged:" + std::to_string(st.deferred) +
         "\r\nrefused_messages:" + std::to_string(st.refused) + "\r\nrequest_batches:" + std::to_string(st.request_batches) + "\r\nrequests_batched:" + std::to_string(st.requests) + "\r\nsent_before_sync:" + std::to_string(st.early_sent) + "\r\nreplied_before_sync:" + std::to_string(st.early_replies) + "\r\ninputs_while_writing:" + std::to_string(st.while_writing) + "\r\nsegments_prepared:" + std::to_string(st.segments_prepared) +
         "\r\nnode_us:" + std::to_string(st.node_ns / 1000) +
         "\r\nlog_us:" + std::to_string(st.log_ns / 1000) + "\r\nsend_us:" + std::to_string(st.send_ns / 1000) + "\r\nframes_sent:" + std::to_string(ns.frames_sent) +
         "\r\nframes_received:" + std::to_string(ns.frames_received) + "\r\nframes_dropped:" + std::to_string(ns.dropped) +
         "\r\nbad_frames:" + std::to_string(ns.bad_frames) + "\r\n";
    if (!event_counts_.empty()) {
      s += "# Events\r\n";
      for (const auto& [k, count] : event_counts_) s += k + ":" + std::to_string(count) + "\r\n";
    }
    return s;
  }

  /// SIGTERM or SIGINT: a leader hands leadership to its most caught-up follower first (as
  /// `etcdctl move-leader` would), waits up to one second for it to take over, then exits.
  void shutdown() {
    if (stopping_) return;
    stopping_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    bool transferring = false;
    if constexpr (requires(Node& n, replica::local_time t) { n.transfer_leadership(replica::replica_id{}, t); n.report(); }) {
      const auto r = run_.node().report();
      if (r.role == decltype(r.role)::leader && !r.followers.empty()) {
        const auto* best = &r.followers.front();
        for (const auto& f : r.followers)
          if (!f.rebuilding && f.match > best->match) best = &f;
        transferring = static_cast<bool>(run_.act([&](Node& n, replica::local_time t) { return n.transfer_leadership(best->id, t); }));
        if (transferring) note("shutting down: handing leadership to replica " + std::to_string(best->id.value()));
      }
    }
    if (!transferring) return stop();
    wait_for_handover(std::chrono::steady_clock::now() + std::chrono::seconds{1});
  }
  void wait_for_handover(std::chrono::steady_clock::time_point until) {
    sweep_.cancel();
    handover_ = std::make_unique<asio::steady_timer>(io_, std::chrono::milliseconds{20});
    handover_->async_wait([this, alive = alive_, until](const boost::system::error_code&) {
      if (!*alive) return;
      bool leader = false;
      if constexpr (requires(const Node& n) { n.is_leader(); }) leader = run_.node().is_leader();
      if (!leader || std::chrono::steady_clock::now() >= until) return stop();
      wait_for_handover(until);
    });
  }
  void stop() {
    note("stopped");
    run_.stop();
    net_.stop();
    io_.stop();
  }
  void fatal(const std::string& why) {
    note(why);
    exit_code_ = 2;
    stop();
  }

  asio::io_context& io_;
  options opt_;
  std::string model_;
  replica::io::tcp_transport<frame> net_;
  replica::io::runner<Node> run_;
  tcp::acceptor acceptor_;
  asio::steady_timer sweep_;
  asio::signal_set signals_;
  std::unique_ptr<asio::steady_timer> handover_;
  std::map<request_key, pending> pending_;
  std::map<request_key, std::pair<replica::replica_id, std::chrono::steady_clock::time_point>> forwarded_;
  std::map<std::string, std::uint64_t> event_counts_;
  std::uint32_t next_client_ = 0;
  bool stopping_ = false;
  int exit_code_ = 0;
  std::shared_ptr<bool> alive_;
};

/// Opens the data directory and serves until a signal; the process's exit code.
template <replica::protocol_node Node>
int serve(const options& o, const std::string& model, typename Node::config cfg) {
  if constexpr (requires { Node::validate(cfg); }) {
    if (auto ok = Node::validate(cfg); !ok) {  // (a node would refuse every request with it)
      std::fprintf(stderr, "replica-server: model %s cannot run with these flags: %s\n", model.c_str(), std::string{ok.err().detail}.c_str());
      return 2;
    }
  }
  replica::io::posix_file_system files;
  typename Node::durable_state disk{};
  replica::io::wal_recovery found;
  replica::io::wal_corruption bad;
  replica::io::wal_options wo;
  wo.checkpoint_bytes = 64u << 20;
  auto log = replica::io::wal<Node>::open(files, o.data, wo, disk, &found, &bad);
  if (!log) {
    std::fprintf(stderr, "replica-server: cannot open the data directory %s: %s\n", o.data.c_str(),
                 bad.file.empty() ? std::string{log.err().detail}.c_str() : bad.message().c_str());
    return 2;
  }
  if (found.torn_file)
    log_line("recovery cut a torn record off " + *found.torn_file + " at byte " + std::to_string(found.torn_offset));
  if (found.empty && !o.bootstrap) {
    // FAULTS.md D10: a member whose disk is gone must not vote as if it held what it acknowledged.
    disk = replica::disk_after_loss<Node>();
    log_line("the data directory is empty and --bootstrap was not given: this replica waits for a leader to catch it up");
  }
  asio::io_context io{1};
  server<Node> s{io, o, model, std::move(*log), std::move(disk), cfg};
  if (auto st = s.start(); !st) {
    std::fprintf(stderr, "replica-server: %s\n", std::string{st.err().detail}.c_str());
    return 2;
  }
  io.run();
  return s.exit_code();
}

}  // namespace replica_server
