// lean-replica: the hand-written floor of scripts/bench-net for replicated writes. Three
// processes do the essential work of majority replication, and nothing else: no terms, no
// elections, no checksums, no snapshots, no library node. The leader reads RESP requests
// (io/resp.hpp, the parser replica-server uses), gives each SET the next log index and gathers
// what one turn of its loop read into a batch; it sends the batch to both followers, writes it
// to its log and fdatasyncs, then, once a majority (itself and one follower) has the batch on
// disk, applies it to a hash map and replies +OK. A follower reads batches, writes and
// fdatasyncs them, applies them and acknowledges the last index. One thread per process, epoll,
// level-triggered (one read per readiness, as Redis does); logs are files preallocated in
// 256 MiB steps, written at increasing offsets with zeros 256 KiB ahead, its synced pages let go
// of the page cache every MiB (as the write-ahead log preallocates its segments, writes zeros
// ahead of its records and drops what it synced from the cache). What replica-server's `raft`
// cluster costs beyond this is the price of the library: scripts/bench-net reports the ratio.
//
//   lean-replica follower PEER_PORT LOG            serves one leader, until it disconnects
//   lean-replica leader CLIENT_PORT LOG F1 F2      F1, F2: the followers' peer ports
//
// GET answers from the leader's map once every write before it is committed (the order a
// read-index read gives, without its round of heartbeats); PING, CONFIG (an empty array, so
// that redis-benchmark starts) and anything else (an error) answer in order too. A malformed
// request closes its connection. All on 127.0.0.1.
#include <replica/io/resp.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "lean-replica: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

std::uint16_t port_of(const char* s) {
  const long p = std::strtol(s, nullptr, 10);
  if (p <= 0 || p > 65535) {
    std::fprintf(stderr, "lean-replica: bad port %s\n", s);
    std::exit(2);
  }
  return static_cast<std::uint16_t>(p);
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int listen_on(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in a = loopback(port);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) die("bind");
  if (::listen(fd, 128) != 0) die("listen");
  return fd;
}

void no_delay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void send_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) die("send to a peer");
    p += k;
    n -= static_cast<std::size_t>(k);
  }
}

/// An append-only log file, preallocated in steps, whose records land on blocks already
/// written: each write that passes the zeroed part carries zeros for the next stretch after its
/// records (in the same write and sync), so that a sync flushes data alone and never converts
/// preallocated extents (which, measured here, makes a sync slower and its tail longer). What
/// is synced leaves the page cache a MiB at a time (kept, it made later syncs slower).
struct log_file {
  static constexpr off_t step = off_t{256} << 20;
  static constexpr off_t ahead = off_t{256} << 10;  // as wal_options::zero_ahead
  int fd = -1;
  off_t end = 0, allocated = 0, zeroed = 0, dropped = 0;
  std::string out;

  explicit log_file(const char* path) {
    fd = ::open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) die("open the log");
  }
  void append_and_sync(std::string_view bytes) {
    const off_t n = static_cast<off_t>(bytes.size());
    if (end + n + ahead > allocated) {
      const off_t more = std::max(step, end + n + ahead - allocated);
      if (const int e = ::posix_fallocate(fd, allocated, more); e != 0) {
        errno = e;
        die("preallocate the log");
      }
      allocated += more;
      if (::fsync(fd) != 0) die("fsync the log's new size");
    }
    std::string_view w = bytes;
    if (end + n > zeroed) {
      const off_t to = (end + n + ahead) / ahead * ahead;
      out.assign(bytes);
      out.resize(static_cast<std::size_t>(to - end), '\0');
      zeroed = to;
      w = out;
    }
    std::size_t done = 0;
    while (done < w.size()) {
      const ssize_t k = ::pwrite(fd, w.data() + done, w.size() - done, end + static_cast<off_t>(done));
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) die("write the log");
      done += static_cast<std::size_t>(k);
    }
    end += n;
    if (::fdatasync(fd) != 0) die("fdatasync the log");
    if (const off_t upto = end / 4096 * 4096; upto - dropped >= (off_t{1} << 20)) {  // as wal_options::drop_cache_every
      ::posix_fadvise(fd, dropped, upto - dropped, POSIX_FADV_DONTNEED);
      dropped = upto;
    }
  }
};

// A batch on the wire: u32 payload bytes, u64 index of its last record, then the records, each
// u32 key bytes, u32 value bytes, key, value (host byte order: both ends are this machine).
constexpr std::size_t frame_header = 12;

void put_u32(std::string& s, std::uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); }

template <class T>
T get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/// Applies a batch's records to `map`; false if they do not parse.
bool apply_records(std::string_view rec, std::unordered_map<std::string, std::string>& map) {
  while (!rec.empty()) {
    if (rec.size() < 8) return false;
    const std::uint32_t k = get<std::uint32_t>(rec.data()), v = get<std::uint32_t>(rec.data() + 4);
    if (rec.size() - 8 < std::uint64_t{k} + v) return false;
    map.insert_or_assign(std::string{rec.substr(8, k)}, std::string{rec.substr(8 + k, v)});
    rec.remove_prefix(8 + std::size_t{k} + v);
  }
  return true;
}

int follower(std::uint16_t port, const char* path) {
  const int l = listen_on(port);
  const int fd = ::accept(l, nullptr, nullptr);
  if (fd < 0) die("accept the leader");
  ::close(l);
  no_delay(fd);
  log_file log{path};
  std::unordered_map<std::string, std::string> map;
  std::string in, batch;
  std::vector<char> buf(1 << 20);
  while (true) {
    const ssize_t k = ::recv(fd, buf.data(), buf.size(), 0);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return 0;  // the leader is gone
    in.append(buf.data(), static_cast<std::size_t>(k));
    std::uint64_t last = 0;
    std::size_t at = 0;
    batch.clear();
    while (in.size() - at >= frame_header) {
      const std::uint32_t n = get<std::uint32_t>(in.data() + at);
      if (in.size() - at - frame_header < n) break;
      last = get<std::uint64_t>(in.data() + at + 4);
      batch.append(in, at + frame_header, n);
      at += frame_header + n;
    }
    in.erase(0, at);
    if (last == 0) continue;
    log.append_and_sync(batch);
    if (!apply_records(batch, map)) {
      std::fprintf(stderr, "lean-replica: a malformed batch from the leader\n");
      return 1;
    }
    send_all(fd, reinterpret_cast<const char*>(&last), sizeof last);
  }
}

struct client {
  int fd = -1;
  replica::io::resp::request_parser parser;
  std::string out;
};

struct waiting {
  std::uint64_t index;  ///< answered once the commit index reaches it
  std::uint64_t client;
  std::vector<std::string> args;
};

int leader(std::uint16_t client_port, const char* path, std::uint16_t f1, std::uint16_t f2) {
  std::array<int, 2> peers{};
  const std::array<std::uint16_t, 2> peer_ports{f1, f2};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
      peers[i] = ::socket(AF_INET, SOCK_STREAM, 0);
      const sockaddr_in a = loopback(peer_ports[i]);
      if (::connect(peers[i], reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) break;
      ::close(peers[i]);
      if (std::chrono::steady_clock::now() > deadline) die("connect to a follower");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    no_delay(peers[i]);
  }
  log_file log{path};
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  const auto watch = [&](int fd, std::uint64_t id, std::uint32_t events) {
    epoll_event e{};
    e.events = events;
    e.data.u64 = id;
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) != 0) die("epoll_ctl");
  };
  // Ids: 0 the client listener, 1 and 2 the followers, 16 on the clients.
  const int l = listen_on(client_port);
  watch(l, 0, EPOLLIN);
  watch(peers[0], 1, EPOLLIN);
  watch(peers[1], 2, EPOLLIN);

  std::unordered_map<std::uint64_t, client> clients;
  std::unordered_map<std::string, std::string> map;
  std::deque<waiting> queue;
  std::string frame, acks;
  std::array<std::uint64_t, 2> acked{};
  std::array<std::string, 2> ack_in;
  std::uint64_t next_id = 16, last_index = 0, synced = 0, batch_last = 0;
  std::vector<char> buf(64 * 1024);
  std::array<epoll_event, 256> events{};
  std::vector<std::uint64_t> dirty, still;  // clients with replies to send

  const auto close_client = [&](std::uint64_t id) {
    auto it = clients.find(id);
    if (it == clients.end()) return;
    ::close(it->second.fd);
    clients.erase(it);
  };
  const auto read_client = [&](std::uint64_t id, client& c) {
    const ssize_t k = ::recv(c.fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (k < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (k <= 0) return close_client(id);
    c.parser.feed(std::string_view{buf.data(), static_cast<std::size_t>(k)});
    while (true) {
      auto next = c.parser.next();
      if (!next) return close_client(id);
      if (!*next) return;
      std::vector<std::string>& args = **next;
      std::string_view cmd = args[0];
      const bool set = args.size() == 3 && (cmd == "SET" || cmd == "set");
      if (set) {
        if (frame.empty()) frame.resize(frame_header);
        put_u32(frame, static_cast<std::uint32_t>(args[1].size()));
        put_u32(frame, static_cast<std::uint32_t>(args[2].size()));
        frame += args[1];
        frame += args[2];
        batch_last = ++last_index;
      }
      queue.push_back(waiting{last_index, id, std::move(args)});
    }
  };
  const auto read_acks = [&](std::size_t i) {
    const ssize_t k = ::recv(peers[i], buf.data(), buf.size(), MSG_DONTWAIT);
    if (k < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (k <= 0) die("a follower went away");
    ack_in[i].append(buf.data(), static_cast<std::size_t>(k));
    std::size_t at = 0;
    for (; ack_in[i].size() - at >= 8; at += 8) acked[i] = std::max(acked[i], get<std::uint64_t>(ack_in[i].data() + at));
    ack_in[i].erase(0, at);
  };
  const auto answer = [&](waiting& w) {
    std::string_view cmd = w.args[0];
    std::string reply;
    if (w.args.size() == 3 && (cmd == "SET" || cmd == "set")) {
      map.insert_or_assign(std::move(w.args[1]), std::move(w.args[2]));
      reply = "+OK\r\n";
    } else if (w.args.size() == 2 && (cmd == "GET" || cmd == "get")) {
      const auto it = map.find(w.args[1]);
      if (it == map.end()) {
        reply = "$-1\r\n";
      } else {
        reply.append("$").append(std::to_string(it->second.size())).append("\r\n").append(it->second).append("\r\n");
      }
    } else if (cmd == "PING" || cmd == "ping") {
      reply = "+PONG\r\n";
    } else if (cmd == "CONFIG" || cmd == "config") {
      reply = "*0\r\n";
    } else {
      reply = "-ERR unknown command\r\n";
    }
    if (auto it = clients.find(w.client); it != clients.end()) {
      if (it->second.out.empty()) dirty.push_back(w.client);
      it->second.out += reply;
    }
  };

  while (true) {
    // A reply a full socket buffer held back is tried again within a millisecond.
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), dirty.empty() ? -1 : 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      const std::uint64_t id = events[static_cast<std::size_t>(i)].data.u64;
      if (id == 0) {
        const int fd = ::accept4(l, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) continue;
        no_delay(fd);
        clients.try_emplace(next_id).first->second.fd = fd;
        watch(fd, next_id++, EPOLLIN);
      } else if (id < 16) {
        read_acks(id - 1);
      } else if (auto it = clients.find(id); it != clients.end()) {
        read_client(id, it->second);
      }
    }
    if (frame.size() > frame_header) {  // ship the batch first, then make it durable here
      const auto payload = static_cast<std::uint32_t>(frame.size() - frame_header);
      std::memcpy(frame.data(), &payload, 4);
      std::memcpy(frame.data() + 4, &batch_last, 8);
      send_all(peers[0], frame.data(), frame.size());
      send_all(peers[1], frame.data(), frame.size());
      log.append_and_sync(std::string_view{frame}.substr(frame_header));
      synced = batch_last;
      frame.clear();
    }
    // The commit index: the median of the three replicas' durable indexes.
    std::array<std::uint64_t, 3> d{synced, acked[0], acked[1]};
    std::sort(d.begin(), d.end());
    const std::uint64_t commit = d[1];
    while (!queue.empty() && queue.front().index <= commit) {
      answer(queue.front());
      queue.pop_front();
    }
    still.clear();
    for (const std::uint64_t id : dirty) {
      auto it = clients.find(id);
      if (it == clients.end()) continue;
      client& c = it->second;
      const ssize_t k = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (k < 0 && errno != EAGAIN && errno != EINTR) {
        close_client(id);
        continue;
      }
      if (k > 0) c.out.erase(0, static_cast<std::size_t>(k));
      if (!c.out.empty()) still.push_back(id);
    }
    dirty.swap(still);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string_view{argv[1]} == "follower") return follower(port_of(argv[2]), argv[3]);
  if (argc == 6 && std::string_view{argv[1]} == "leader") return leader(port_of(argv[2]), argv[3], port_of(argv[4]), port_of(argv[5]));
  std::fprintf(stderr,
               "usage: lean-replica follower PEER_PORT LOG\n"
               "       lean-replica leader CLIENT_PORT LOG FOLLOWER1_PORT FOLLOWER2_PORT\n");
  return 2;
}
