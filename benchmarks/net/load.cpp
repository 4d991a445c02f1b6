// replica-load: scripts/bench-net's own load generator, for the latency tail redis-benchmark does
// not print (p99.9). C connections to one RESP server, each keeping P requests in flight
// (SET of a random key out of 100,000 with a 256-byte value, or GET), for a fixed time; each
// request's latency is from the moment it was written to the moment its reply was read. Prints
// one CSV line: requests/s and p50, p99, p99.9 and max in milliseconds. An error reply counts
// as an error (printed), not as a latency.
//   replica-load PORT set|get CLIENTS PIPELINE SECONDS
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

struct shared_state {
  bool set = true;
  std::size_t pipeline = 1;
  clock_type::time_point stop_at;
  std::vector<double> latencies_us;
  std::uint64_t errors = 0;
  clock_type::time_point last_reply{};
  std::string value = std::string(256, 'v');
};

struct connection : std::enable_shared_from_this<connection> {
  connection(asio::io_context& io, shared_state& s, unsigned seed) : socket{io}, st{s}, random{seed} {}
  tcp::socket socket;
  shared_state& st;
  std::mt19937_64 random;
  std::deque<clock_type::time_point> sent;
  std::string in, out;
  std::array<char, 64 * 1024> buffer{};
  bool writing = false;

  void request() {
    const std::string key = "key:" + std::to_string(random() % 100000);
    if (st.set)
      out += "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$" + std::to_string(st.value.size()) + "\r\n" +
             st.value + "\r\n";
    else
      out += "*2\r\n$3\r\nGET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n";
  }

  void fill() {
    if (clock_type::now() >= st.stop_at) return;
    const auto now = clock_type::now();
    while (sent.size() < st.pipeline) {
      request();
      sent.push_back(now);
    }
    if (!writing && !out.empty()) {
      writing = true;
      auto data = std::make_shared<std::string>(std::move(out));
      out.clear();
      asio::async_write(socket, asio::buffer(*data), [self = shared_from_this(), data](const boost::system::error_code& ec, std::size_t) {
        self->writing = false;
        if (!ec) self->fill();
      });
    }
  }

  /// Complete replies at the front of `in`: their count, and the bytes they take.
  std::size_t take_reply() {
    const auto eol = in.find("\r\n");
    if (eol == std::string::npos) return 0;
    if (in[0] == '$') {
      const long n = std::strtol(in.c_str() + 1, nullptr, 10);
      if (n < 0) return eol + 2;
      const std::size_t total = eol + 2 + static_cast<std::size_t>(n) + 2;
      return in.size() >= total ? total : 0;
    }
    return eol + 2;  // +OK, -ERR ..., :n
  }

  void read() {
    socket.async_read_some(asio::buffer(buffer), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
      if (ec) return;
      self->in.append(self->buffer.data(), n);
      const auto now = clock_type::now();
      std::size_t used = 0;
      while (!self->sent.empty()) {
        self->in.erase(0, used);
        used = self->take_reply();
        if (used == 0) break;
        if (self->in[0] == '-') {
          if (self->st.errors++ < 3) std::fprintf(stderr, "replica-load: %s\n", self->in.substr(0, used - 2).c_str());
        } else {
          self->st.latencies_us.push_back(std::chrono::duration<double, std::micro>(now - self->sent.front()).count());
        }
        self->sent.pop_front();
      }
      self->in.erase(0, used);
      self->st.last_reply = now;
      self->fill();
      if (!self->sent.empty() || clock_type::now() < self->st.stop_at) self->read();
    });
  }
};

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: replica-load PORT set|get CLIENTS PIPELINE SECONDS\n");
    return 2;
  }
  asio::io_context io{1};
  shared_state st;
  st.set = std::string{argv[2]} == "set";
  const int clients = std::atoi(argv[3]);
  st.pipeline = static_cast<std::size_t>(std::max(1, std::atoi(argv[4])));
  const double seconds = std::atof(argv[5]);
  const tcp::endpoint at{asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[1]))};
  std::vector<std::shared_ptr<connection>> conns;
  for (int i = 0; i < clients; ++i) {
    auto c = std::make_shared<connection>(io, st, static_cast<unsigned>(i + 1));
    c->socket.connect(at);
    c->socket.set_option(tcp::no_delay(true));
    conns.push_back(c);
  }
  const auto start = clock_type::now();
  st.stop_at = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
  for (auto& c : conns) {
    c->fill();
    c->read();
  }
  asio::steady_timer guard{io, std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds + 10))};
  guard.async_wait([&](const boost::system::error_code& ec) {
    if (!ec) io.stop();  // replies that never come: stop anyway
  });
  // Once every connection is done (nothing in flight after the end), stop waiting for the guard.
  asio::steady_timer poll{io};
  std::function<void()> check = [&] {
    poll.expires_after(std::chrono::milliseconds{10});
    poll.async_wait([&](const boost::system::error_code&) {
      const bool busy = clock_type::now() < st.stop_at ||
                        std::any_of(conns.begin(), conns.end(), [](const auto& c) { return !c->sent.empty(); });
      if (busy) return check();
      guard.cancel();
    });
  };
  check();
  io.run();
  // Until the last reply (the guard timer may keep the loop alive after it).
  const double elapsed = std::chrono::duration<double>(std::max(st.last_reply, start + std::chrono::milliseconds{1}) - start).count();
  auto& v = st.latencies_us;
  const double done = static_cast<double>(v.size());
  const double mx = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
  std::printf("rps,p50_ms,p99_ms,p999_ms,max_ms,errors\n%.0f,%.3f,%.3f,%.3f,%.3f,%llu\n", done / elapsed, percentile(v, 0.5) / 1000,
              percentile(v, 0.99) / 1000, percentile(v, 0.999) / 1000, mx / 1000, static_cast<unsigned long long>(st.errors));
  return 0;
}
