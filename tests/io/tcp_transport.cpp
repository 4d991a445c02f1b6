// The TCP transport (io/tcp_transport.hpp) on 127.0.0.1: frames arrive in order, bad frames
// close their connection without reaching the caller, a dead peer's queue is bounded, and a
// restarted peer is reconnected to.
#include <replica/core/fields.hpp>
#include <replica/io/tcp_transport.hpp>

#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

using namespace replica;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct note_frame {
  std::uint64_t n = 0;
  std::string text;
  REPLICA_FIELDS(n, text);
};
using transport = io::tcp_transport<note_frame>;

std::vector<tcp::endpoint> free_endpoints(asio::io_context& io, std::size_t n) {
  std::vector<tcp::acceptor> held;
  std::vector<tcp::endpoint> out;
  for (std::size_t i = 0; i < n; ++i) {
    held.emplace_back(io, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0});
    out.push_back(held.back().local_endpoint());
  }
  return out;
}

/// Runs `io` until `done()` or 5 s; whether `done()` held.
bool run_until(asio::io_context& io, const std::function<bool()>& done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  while (!done() && std::chrono::steady_clock::now() < until) {
    io.restart();
    io.run_for(std::chrono::milliseconds{10});
  }
  return done();
}

}  // namespace

TEST_CASE("tcp_transport: frames reach the peer in the order they were sent") {
  asio::io_context io;
  const auto peers = free_endpoints(io, 2);
  std::vector<note_frame> got;
  transport a{io, replica_id{0}, peers, {}, [](note_frame&&) {}};
  transport b{io, replica_id{1}, peers, {}, [&](note_frame&& f) { got.push_back(std::move(f)); }};
  REQUIRE(a.listen());
  REQUIRE(b.listen());
  for (std::uint64_t i = 0; i < 200; ++i) a.send(replica_id{1}, note_frame{i, std::string(i, 'x')});
  REQUIRE(run_until(io, [&] { return got.size() == 200; }));
  for (std::uint64_t i = 0; i < 200; ++i) {
    CHECK(got[i].n == i);
    CHECK(got[i].text.size() == i);
  }
  CHECK(a.stats().connects == 1);
  CHECK(a.queued_bytes(replica_id{1}) == 0);
}

TEST_CASE("tcp_transport: a bad frame closes its connection and never reaches the caller") {
  asio::io_context io;
  const auto peers = free_endpoints(io, 2);
  std::vector<note_frame> got;
  std::vector<std::string> notes;
  transport b{io, replica_id{1}, peers, {}, [&](note_frame&& f) { got.push_back(std::move(f)); },
              [&](const std::string& s) { notes.push_back(s); }};
  REQUIRE(b.listen());
  struct row {
    std::vector<std::uint8_t> bytes;
    std::string why;
  };
  constexpr auto v = static_cast<std::uint8_t>(io::format_version);
  const std::vector<row> rows = {
      {{4, 0, 0, 0, 9, 0, 0, 0, 1, 2, 3, 4}, "unknown format version"},
      {{4, 0, 0, 0, v, 0, 7, 0, 1, 2, 3, 4}, "reserved"},
      {{0xff, 0xff, 0xff, 0x7f, v, 0, 0, 0}, "larger than"},
      {{3, 0, 0, 0, v, 0, 0, 0, 1, 2, 3}, "decode"},  // a body that is not a note_frame
  };
  for (const auto& r : rows) {
    INFO(r.why);
    tcp::socket raw{io};
    raw.connect(peers[1]);
    asio::write(raw, asio::buffer(r.bytes));
    const std::size_t before = notes.size();
    REQUIRE(run_until(io, [&] { return notes.size() > before; }));
    CHECK(notes.back().find(r.why) != std::string::npos);
    // The connection is closed: a read sees the end of the stream (or a reset, when bytes the
    // server did not read were left behind).
    boost::system::error_code ec;
    char c = 0;
    raw.read_some(asio::buffer(&c, 1), ec);
    CHECK((ec == asio::error::eof || ec == asio::error::connection_reset));
  }
  CHECK(got.empty());
  CHECK(b.stats().bad_frames == rows.size());
  // A good peer is still served.
  transport a{io, replica_id{0}, peers, {}, [](note_frame&&) {}};
  a.send(replica_id{1}, note_frame{7, "ok"});
  REQUIRE(run_until(io, [&] { return got.size() == 1; }));
  CHECK(got[0].n == 7);
}

TEST_CASE("tcp_transport: what waits for a dead peer is bounded, and the rest is dropped and counted") {
  asio::io_context io;
  const auto peers = free_endpoints(io, 2);  // nobody listens on peers[1]
  std::vector<std::string> notes;
  io::tcp_transport_options o;
  o.max_queue_bytes = 10 * 1024;
  transport a{io, replica_id{0}, peers, o, [](note_frame&&) {}, [&](const std::string& s) { notes.push_back(s); }};
  for (std::uint64_t i = 0; i < 100; ++i) a.send(replica_id{1}, note_frame{i, std::string(1000, 'y')});
  io.run_for(std::chrono::milliseconds{300});  // let it try to connect for a while
  CHECK(a.queued_bytes(replica_id{1}) <= o.max_queue_bytes);
  CHECK(a.stats().dropped >= 90);
  CHECK(std::count_if(notes.begin(), notes.end(), [](const auto& s) { return s.find("full") != std::string::npos; }) == 1);
  a.send(replica_id{5}, note_frame{});  // not a peer
  CHECK(a.stats().dropped >= 91);
}

TEST_CASE("tcp_transport: a peer that restarts is reconnected to") {
  asio::io_context io;
  const auto peers = free_endpoints(io, 2);
  std::vector<note_frame> got;
  transport a{io, replica_id{0}, peers, {}, [](note_frame&&) {}};
  {
    transport b{io, replica_id{1}, peers, {}, [&](note_frame&& f) { got.push_back(std::move(f)); }};
    REQUIRE(b.listen());
    a.send(replica_id{1}, note_frame{1, "before"});
    REQUIRE(run_until(io, [&] { return got.size() == 1; }));
  }
  // The peer is gone; frames sent now are lost with the connection or wait for the new one.
  transport b2{io, replica_id{1}, peers, {}, [&](note_frame&& f) { got.push_back(std::move(f)); }};
  REQUIRE(b2.listen());
  std::uint64_t n = 2;
  REQUIRE(run_until(io, [&] {
    a.send(replica_id{1}, note_frame{n++, "after"});
    return got.size() >= 2 && got.back().text == "after";
  }));
  CHECK(a.stats().connects >= 2);
}

TEST_CASE("tcp_transport: a message ten times the frame limit travels in chunks and arrives whole") {
  asio::io_context io;
  const auto peers = free_endpoints(io, 2);
  io::tcp_transport_options o;
  o.limits.max_frame_bytes = 64 * 1024;
  std::vector<note_frame> got;
  transport a{io, replica_id{0}, peers, o, [](note_frame&&) {}};
  transport b{io, replica_id{1}, peers, o, [&](note_frame&& f) { got.push_back(std::move(f)); }};
  REQUIRE(b.listen());
  std::string big(10 * o.limits.max_frame_bytes, 'z');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 23);
  a.send(replica_id{1}, note_frame{1, "small"});
  a.send(replica_id{1}, note_frame{2, big});
  a.send(replica_id{1}, note_frame{3, "after"});
  REQUIRE(run_until(io, [&] { return got.size() == 3; }));
  CHECK(got[1].n == 2);
  CHECK(got[1].text == big);
  CHECK(got[2].text == "after");
  CHECK(a.stats().chunked == 1);
  CHECK(b.stats().frames_received >= 12);  // 2 whole frames and at least 10 chunks
  CHECK(b.stats().bad_frames == 0);
}

TEST_CASE("tcp_transport: a message over max_message_bytes is dropped at the sender") {
  asio::io_context io;
  const auto peers = free_endpoints(io, 2);
  io::tcp_transport_options o;
  o.limits.max_frame_bytes = 1024;
  o.max_message_bytes = 8 * 1024;
  std::vector<note_frame> got;
  transport a{io, replica_id{0}, peers, o, [](note_frame&&) {}};
  transport b{io, replica_id{1}, peers, o, [&](note_frame&& f) { got.push_back(std::move(f)); }};
  REQUIRE(b.listen());
  a.send(replica_id{1}, note_frame{1, std::string(9 * 1024, 'q')});
  a.send(replica_id{1}, note_frame{2, "fits"});
  REQUIRE(run_until(io, [&] { return got.size() == 1; }));
  CHECK(got[0].n == 2);
  CHECK(a.stats().dropped == 1);
}

TEST_CASE("tcp_transport: chunks out of order close the connection") {
  asio::io_context io;
  const auto peers = free_endpoints(io, 2);
  std::vector<note_frame> got;
  std::vector<std::string> notes;
  transport b{io, replica_id{1}, peers, {}, [&](note_frame&& f) { got.push_back(std::move(f)); },
              [&](const std::string& s) { notes.push_back(s); }};
  REQUIRE(b.listen());
  std::vector<std::byte> bytes;
  REQUIRE(io::encode_frame(transport::wire{std::in_place_index<1>, io::frame_chunk{1, 3, {std::byte{1}}}}, bytes));
  tcp::socket raw{io};
  raw.connect(peers[1]);
  asio::write(raw, asio::buffer(bytes));
  REQUIRE(run_until(io, [&] { return !notes.empty(); }));
  CHECK(notes.back().find("out of order") != std::string::npos);
  CHECK(got.empty());
}
