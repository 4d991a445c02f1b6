// The network floor of scripts/bench-net: a RESP server that stores nothing and replicates
// nothing. It reads requests (io/resp.hpp, as replica-server does), answers each with +OK, and
// writes the answers back: what a loopback TCP round trip with the same requests costs, on
// the same event loop design (one thread, Boost.Asio, completion handlers).
//   resp-floor PORT        listens on 127.0.0.1:PORT until SIGTERM or SIGINT
#include <replica/io/resp.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct session : std::enable_shared_from_this<session> {
  explicit session(tcp::socket s) : socket{std::move(s)} {}
  tcp::socket socket;
  replica::io::resp::request_parser parser;
  std::array<char, 16 * 1024> buffer{};
  std::string out;

  void read() {
    socket.async_read_some(asio::buffer(buffer), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
      if (ec) return;
      self->parser.feed(std::string_view{self->buffer.data(), n});
      while (true) {
        auto next = self->parser.next();
        if (!next || !*next) break;
        self->out += "+OK\r\n";
      }
      if (self->out.empty()) return self->read();
      asio::async_write(self->socket, asio::buffer(self->out), [self](const boost::system::error_code& e2, std::size_t) {
        if (e2) return;
        self->out.clear();
        self->read();
      });
    });
  }
};

void accept(tcp::acceptor& a) {
  a.async_accept([&a](const boost::system::error_code& ec, tcp::socket s) {
    if (!ec) {
      s.set_option(tcp::no_delay(true));
      std::make_shared<session>(std::move(s))->read();
    }
    accept(a);
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: resp-floor PORT\n");
    return 2;
  }
  asio::io_context io{1};
  tcp::acceptor a{io, tcp::endpoint{asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[1]))}};
  accept(a);
  asio::signal_set signals{io, SIGTERM, SIGINT};
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  io.run();
}
