#pragma once
/// \file
/// A TCP transport between the replicas of one cluster, on Boost.Asio (completion handlers, one
/// `io_context`, one thread): frames in the codec's format (io/codec.hpp) carrying any encodable
/// `Frame` type (a node's `envelope<message>`, or a variant of it and the runner's own frames).
/// Never included by replica/replica.hpp; link `Threads::Threads`. docs/server.md describes it.
///
///   boost::asio::io_context io;
///   replica::io::tcp_transport<frame> net{io, self, peer_addresses, {}, [&](frame&& f) { ... }};
///   if (auto s = net.listen(); !s) ...;           // binds peer_addresses[self]
///   net.send(replica_id{2}, f);                   // queued; connects (and reconnects) on demand
///   io.run();
///
/// Each replica connects to each peer it sends to, and reads from the connections peers open to
/// it: one connection per direction, as etcd's stream transport does. A connection that fails
/// is closed and reopened with exponential backoff. What waits for a peer is bounded
/// (`max_queue_bytes`): a dead or slow peer costs that much memory, then its frames are dropped
/// and counted (the protocols tolerate loss; `on_note` says so once per outage). A frame that
/// does not decode (a bad header, a length over the limit, bytes that are not a `Frame`) closes
/// the connection it came on, with the reason in a note; it never reaches the caller.
///
/// On the wire each frame's body is a `std::variant<Frame, frame_chunk>`: a `Frame` whose
/// encoding exceeds `limits.max_frame_bytes` (a snapshot) is sent as consecutive chunks of at
/// most that size, which the receiver joins (up to `max_message_bytes`) and decodes. Chunks out
/// of order, or more than the limit, close the connection like any bad frame.

#include <replica/core/fields.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>
#include <replica/io/codec.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace replica::io {

struct tcp_transport_options {
  codec_limits limits{};                      ///< frames larger than `limits.max_frame_bytes` are refused both ways
  std::size_t max_queue_bytes = 64u << 20;    ///< bytes waiting for one peer before frames are dropped
  std::chrono::milliseconds backoff_min{20};  ///< first reconnect delay, doubled up to `backoff_max`
  std::chrono::milliseconds backoff_max{1000};
  std::size_t max_message_bytes = 1u << 30;  ///< a message sent in chunks (a snapshot): at most this much
};

/// One piece of a message larger than a frame, `index` of `count`, sent in order on one connection.
struct frame_chunk {
  std::uint32_t index = 0;
  std::uint32_t count = 0;
  std::vector<std::byte> bytes;
  REPLICA_FIELDS(index, count, bytes);
};

/// What a transport has done, for `INFO` and tests.
struct tcp_transport_stats {
  std::uint64_t frames_sent = 0, frames_received = 0;
  std::uint64_t dropped = 0;     ///< frames dropped because a peer's queue was full or encoding failed
  std::uint64_t bad_frames = 0;  ///< connections closed for a frame that did not decode
  std::uint64_t connects = 0;    ///< outgoing connections established
  std::uint64_t chunked = 0;     ///< messages sent in chunks (larger than a frame)
};

template <class Frame>
class tcp_transport {
 public:
  using tcp = boost::asio::ip::tcp;
  using on_frame_fn = std::function<void(Frame&&)>;
  /// What a frame's body holds on the wire.
  using wire = std::variant<Frame, frame_chunk>;
  using on_note_fn = std::function<void(const std::string&)>;

  /// `peers[i]` is replica i's peer address; `peers[self]` is where this one listens.
  tcp_transport(boost::asio::io_context& io, replica_id self, std::vector<tcp::endpoint> peers, tcp_transport_options o,
                on_frame_fn on_frame, on_note_fn on_note = {})
      : io_{io}, self_{self}, peers_{std::move(peers)}, opt_{o}, on_frame_{std::move(on_frame)}, on_note_{std::move(on_note)},
        acceptor_{io}, alive_{std::make_shared<bool>(true)} {
    for (std::size_t i = 0; i < peers_.size(); ++i) links_.push_back(std::make_unique<link>(io_, opt_.backoff_min));
  }
  tcp_transport(const tcp_transport&) = delete;
  tcp_transport& operator=(const tcp_transport&) = delete;
  ~tcp_transport() { stop(); }

  /// Binds this replica's peer address and starts accepting peers' connections.
  status listen() {
    if (self_.value() >= peers_.size()) return error{errc::unknown_replica, "tcp_transport: self is not in the peer list"};
    boost::system::error_code ec;
    const tcp::endpoint at = peers_[self_.value()];
    acceptor_.open(at.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(at, ec);
    if (!ec) acceptor_.listen(tcp::socket::max_listen_connections, ec);
    if (ec) return error{errc::io_failed, "tcp_transport: cannot listen on the peer address"};
    accept();
    return {};
  }

  /// The address the peer listener is bound to (its port, when the list said 0).
  [[nodiscard]] tcp::endpoint local_endpoint() const {
    boost::system::error_code ec;
    return acceptor_.local_endpoint(ec);
  }

  /// Queues `f` for peer `to` (encoded now; sent once connected). Dropped, and counted, when
  /// `to` is not a peer, when it does not encode within the limits, or when the peer's queue is
  /// full.
  void send(replica_id to, const Frame& f) {
    if (to.value() >= peers_.size() || to == self_) {
      ++stats_.dropped;
      return;
    }
    link& l = *links_[to.value()];
    const std::size_t at = l.queue.size();
    // The body is the variant's index (0: a whole Frame) and the Frame, written in place.
    l.queue.resize(at + frame_header_bytes + 1);
    l.queue[at + frame_header_bytes] = std::byte{0};
    if (!encode_to(f, l.queue)) {
      l.queue.resize(at);
      ++stats_.dropped;
      note("a frame for replica " + std::to_string(to.value()) + " does not encode (a container of 2^32 elements): dropped");
      return;
    }
    const std::size_t body = l.queue.size() - at - frame_header_bytes;
    if (body > opt_.limits.max_frame_bytes && !chunk(l, at, to)) return;
    if (body <= opt_.limits.max_frame_bytes) write_frame_header(l.queue.data() + at, static_cast<std::uint32_t>(body));
    const std::size_t added = l.queue.size() - at;
    if (l.queued_bytes + added > opt_.max_queue_bytes) {
      l.queue.resize(at);
      ++stats_.dropped;
      if (!l.dropping) note("the queue for replica " + std::to_string(to.value()) + " is full: dropping frames until it drains");
      l.dropping = true;
      return;
    }
    l.queued_bytes += added;
    ++stats_.frames_sent;
    pump(to);
  }

  /// Closes every connection and the listener; pending handlers complete with an error.
  void stop() {
    if (!*alive_) return;
    *alive_ = false;
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto& l : links_) {
      l->socket.close(ec);
      l->timer.cancel();
    }
    for (auto& weak : inbound_)
      if (auto c = weak.lock()) c->socket.close(ec);
  }

  [[nodiscard]] const tcp_transport_stats& stats() const noexcept { return stats_; }
  /// Bytes waiting for peer `to`.
  [[nodiscard]] std::size_t queued_bytes(replica_id to) const { return to.value() < links_.size() ? links_[to.value()]->queued_bytes : 0; }

 private:
  enum class link_state : std::uint8_t { idle, connecting, connected, backing_off };
  struct link {
    link(boost::asio::io_context& io, std::chrono::milliseconds first) : socket{io}, timer{io}, backoff{first} {}
    tcp::socket socket;
    boost::asio::steady_timer timer;
    link_state state = link_state::idle;
    std::vector<std::byte> queue;    // encoded frames not yet handed to the socket
    std::vector<std::byte> writing;  // what the write in flight carries
    std::size_t queued_bytes = 0;    // queue + writing
    bool write_pending = false;
    bool dropping = false;
    std::chrono::milliseconds backoff;
  };
  struct inbound {
    explicit inbound(boost::asio::io_context& io) : socket{io} {}
    tcp::socket socket;
    std::vector<std::byte> buffer;  // bytes received, [0, used) not yet delivered
    std::size_t used = 0;
    std::size_t need = 0;  // bytes still missing from the frame at the front
    std::vector<std::byte> joined;  // the chunks of a message so far
    std::uint32_t next_chunk = 0, chunks = 0;
  };

  void note(const std::string& s) const {
    if (on_note_) on_note_(s);
  }

  // ---- outgoing ----

  /// Replaces the oversized frame at `at` in `l.queue` (header, tag, the Frame's bytes) by
  /// chunk frames of at most `max_frame_bytes` each. False (and nothing queued) when the message
  /// exceeds `max_message_bytes`.
  bool chunk(link& l, std::size_t at, replica_id to) {
    const std::size_t start = at + frame_header_bytes + 1;
    const std::size_t size = l.queue.size() - start;
    // A chunk's body: tag (1), index and count (8), the bytes' length (4), the bytes.
    const std::size_t room = opt_.limits.max_frame_bytes > 64 ? opt_.limits.max_frame_bytes - 16 : 0;
    if (size > opt_.max_message_bytes || room == 0) {
      l.queue.resize(at);
      ++stats_.dropped;
      note("a message for replica " + std::to_string(to.value()) + " is larger than max_message_bytes: dropped");
      return false;
    }
    std::vector<std::byte> whole(l.queue.begin() + static_cast<std::ptrdiff_t>(start), l.queue.end());
    l.queue.resize(at);
    const auto count = static_cast<std::uint32_t>((size + room - 1) / room);
    frame_chunk c;
    c.count = count;
    for (std::uint32_t i = 0; i < count; ++i) {
      c.index = i;
      const std::size_t from = static_cast<std::size_t>(i) * room;
      c.bytes.assign(whole.begin() + static_cast<std::ptrdiff_t>(from),
                     whole.begin() + static_cast<std::ptrdiff_t>(std::min(size, from + room)));
      (void)encode_frame(wire{std::in_place_index<1>, c}, l.queue, opt_.limits);
    }
    ++stats_.chunked;
    return true;
  }

  void pump(replica_id to) {
    link& l = *links_[to.value()];
    if (l.state == link_state::idle) return connect(to);
    if (l.state != link_state::connected || l.write_pending || l.queue.empty()) return;
    l.writing.swap(l.queue);
    l.queue.clear();
    l.write_pending = true;
    boost::asio::async_write(l.socket, boost::asio::buffer(l.writing.data(), l.writing.size()),
                             [this, alive = alive_, to](const boost::system::error_code& ec, std::size_t) {
                               if (!*alive) return;
                               link& k = *links_[to.value()];
                               k.write_pending = false;
                               k.queued_bytes -= k.writing.size();
                               if (ec) {
                                 // What was in flight is lost with the connection; the protocols retry.
                                 k.writing.clear();
                                 return fail(to, "write failed: " + ec.message());
                               }
                               k.writing.clear();
                               if (k.queued_bytes < opt_.max_queue_bytes / 2) k.dropping = false;
                               pump(to);
                             });
  }

  void connect(replica_id to) {
    link& l = *links_[to.value()];
    l.state = link_state::connecting;
    boost::system::error_code ec;
    l.socket.close(ec);
    l.socket.async_connect(peers_[to.value()], [this, alive = alive_, to](const boost::system::error_code& err) {
      if (!*alive) return;
      link& k = *links_[to.value()];
      if (err) return fail(to, {});
      boost::system::error_code e2;
      k.socket.set_option(tcp::no_delay(true), e2);
      k.state = link_state::connected;
      k.backoff = opt_.backoff_min;
      ++stats_.connects;
      pump(to);
    });
  }

  void fail(replica_id to, const std::string& why) {
    link& l = *links_[to.value()];
    boost::system::error_code ec;
    l.socket.close(ec);
    if (!why.empty()) note("connection to replica " + std::to_string(to.value()) + " closed: " + why);
    l.state = link_state::backing_off;
    l.timer.expires_after(l.backoff);
    l.backoff = std::min(l.backoff * 2, opt_.backoff_max);
    l.timer.async_wait([this, alive = alive_, to](const boost::system::error_code& err) {
      if (!*alive || err) return;
      link& k = *links_[to.value()];
      k.state = link_state::idle;
      if (!k.queue.empty()) connect(to);
    });
  }

  // ---- incoming ----

  void accept() {
    acceptor_.async_accept([this, alive = alive_](const boost::system::error_code& ec, tcp::socket s) {
      if (!*alive) return;
      if (!ec) {
        auto c = std::make_shared<inbound>(io_);
        c->socket = std::move(s);
        boost::system::error_code e2;
        c->socket.set_option(tcp::no_delay(true), e2);
        std::erase_if(inbound_, [](const std::weak_ptr<inbound>& w) { return w.expired(); });
        inbound_.push_back(c);
        read(std::move(c));
      }
      accept();
    });
  }

  /// Reads whatever has arrived (up to 64 KiB, or the rest of a larger frame) and delivers
  /// every complete frame in it from this one handler, so that a runner posting its batch
  /// behind the handler gets all of them in one batch (one sync for a burst of appends, not one
  /// each).
  void read(std::shared_ptr<inbound> c) {
    inbound& in = *c;
    const std::size_t want = std::max<std::size_t>(64u << 10, in.need > in.buffer.size() - in.used ? in.need : 0);
    if (in.buffer.size() < in.used + want) in.buffer.resize(in.used + want);
    in.socket.async_read_some(boost::asio::buffer(in.buffer.data() + in.used, in.buffer.size() - in.used),
                              [this, alive = alive_, c = std::move(c)](const boost::system::error_code& ec, std::size_t n) mutable {
                                if (!*alive || ec) return;  // closed by the peer (or by stop): nothing to say
                                c->used += n;
                                if (!deliver(*c)) return;
                                if (*alive) read(std::move(c));
                              });
  }

  /// Delivers the complete frames at the front of the connection's buffer. False when the
  /// connection was refused.
  bool deliver(inbound& c) {
    std::size_t at = 0;
    while (c.used - at >= frame_header_bytes) {
      const std::span<const std::byte> rest{c.buffer.data() + at, c.used - at};
      auto body = frame_body_bytes(rest, opt_.limits);
      if (!body) {
        refuse(c, std::string{body.err().detail});
        return false;
      }
      const std::size_t size = frame_header_bytes + *body;
      if (rest.size() < size) {
        c.need = size - rest.size();
        break;
      }
      decode_error why;
      auto w = decode_frame<wire>(rest.first(size), opt_.limits, &why);
      if (!w) {
        refuse(c, why.message());
        return false;
      }
      ++stats_.frames_received;
      at += size;
      if (auto* whole = std::get_if<0>(&*w)) {
        if (c.chunks != 0) {
          refuse(c, "a frame in the middle of a chunked message");
          return false;
        }
        on_frame_(std::move(*whole));
      } else if (!join(c, std::get<1>(*w))) {
        return false;
      }
      if (!*alive_) return false;
    }
    if (c.used - at < frame_header_bytes) c.need = 0;
    // Keep what is left (part of a frame) at the front; give back a buffer a large frame grew.
    std::memmove(c.buffer.data(), c.buffer.data() + at, c.used - at);
    c.used -= at;
    if (c.used == 0 && c.buffer.capacity() > (1u << 20)) std::vector<std::byte>{}.swap(c.buffer);
    return true;
  }

  /// Adds a chunk to the connection's message; delivers the message at its last chunk. False
  /// when the connection was refused (chunks out of order or over the limit, a bad message).
  bool join(inbound& c, frame_chunk& piece) {
    if (piece.count < 2 || piece.index != c.next_chunk || (c.chunks != 0 && piece.count != c.chunks)) {
      refuse(c, "a chunk out of order");
      return false;
    }
    if (c.joined.size() + piece.bytes.size() > opt_.max_message_bytes) {
      refuse(c, "a chunked message larger than max_message_bytes");
      return false;
    }
    c.chunks = piece.count;
    c.joined.insert(c.joined.end(), piece.bytes.begin(), piece.bytes.end());
    if (++c.next_chunk < c.chunks) return true;
    decode_error why;
    auto f = decode<Frame>(c.joined, opt_.limits, &why);
    std::vector<std::byte>{}.swap(c.joined);
    c.next_chunk = c.chunks = 0;
    if (!f) {
      refuse(c, "a chunked message: " + why.message());
      return false;
    }
    on_frame_(std::move(*f));
    return true;
  }

  void refuse(inbound& c, const std::string& why) {
    ++stats_.bad_frames;
    boost::system::error_code ec;
    const auto from = c.socket.remote_endpoint(ec);
    note("closed a peer connection from " + (ec ? std::string{"?"} : from.address().to_string() + ":" + std::to_string(from.port())) +
         ": " + why);
    c.socket.close(ec);
  }

  boost::asio::io_context& io_;
  replica_id self_;
  std::vector<tcp::endpoint> peers_;
  tcp_transport_options opt_;
  on_frame_fn on_frame_;
  on_note_fn on_note_;
  tcp::acceptor acceptor_;
  std::vector<std::unique_ptr<link>> links_;
  std::vector<std::weak_ptr<inbound>> inbound_;
  tcp_transport_stats stats_;
  std::shared_ptr<bool> alive_;
};

}  // namespace replica::io
