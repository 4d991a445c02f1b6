// replica-server: one replica of a replicated key-value store per process, behind the Redis
// protocol (docs/server.md). The models are made in models_*.cpp; server.hpp is the body, generic
// over the node.
#include "model.hpp"

#include <CLI/CLI.hpp>

#include <boost/asio/ip/address.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace rp = replica;
using replica_server::model;

namespace {

/// Every model --model accepts. To serve a composition of your own, add a file like
/// models_leader_based.cpp with your replicator type, and its models here.
std::vector<model> models() {
  std::vector<model> all = replica_server::leader_based_models();
  for (auto& m : replica_server::leaderless_models()) all.push_back(std::move(m));
  for (auto& m : replica_server::multi_leader_models()) all.push_back(std::move(m));
  return all;
}

std::optional<boost::asio::ip::tcp::endpoint> parse_endpoint(const std::string& s) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(s.substr(0, colon), ec);
  if (ec) return std::nullopt;
  const std::string port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const unsigned long p = std::stoul(port);
  if (p > 65535) return std::nullopt;
  return boost::asio::ip::tcp::endpoint{addr, static_cast<unsigned short>(p)};
}

}  // namespace

int main(int argc, char** argv) {
  const auto all = models();
  std::string help = "Models (--model):\n";
  for (const auto& m : all) help += "  " + m.name + std::string(15 - std::min<std::size_t>(14, m.name.size()), ' ') + m.what + "\n";

  CLI::App app{"replica-server: one replica of a replicated key-value store, behind the Redis protocol (docs/server.md)"};
  app.footer(help);
  std::uint32_t id = 0;
  std::string peers_text, listen_text, data, model_name = "raft";
  bool bootstrap = false, quiet = false, sync_before_send = false, sync_before_reply = false, sync_in_loop = false;
  unsigned timeout_ms = 5000, election_ms = 1000, heartbeat_ms = 50;
  app.add_option("--id", id, "this replica's id: its position in --peers (0-based)")->required();
  app.add_option("--peers", peers_text, "every replica's peer address, HOST:PORT,HOST:PORT,... in id order")->required();
  app.add_option("--listen", listen_text, "this replica's client (Redis protocol) address, HOST:PORT")->required();
  app.add_option("--data", data, "the data directory (write-ahead log and snapshots)")->required();
  app.add_option("--model", model_name, "the composition to run (below)");
  app.add_flag("--bootstrap", bootstrap,
               "an empty data directory belongs to a new cluster; without it, an empty directory is a lost disk and "
               "this replica neither votes nor acknowledges until a leader has caught it up");
  app.add_option("--request-timeout-ms", timeout_ms, "answer -UNKNOWN to a request not done within this time");
  app.add_option("--election-ms", election_ms, "leader-based models: election timeout, at least this and at most twice it")
      ->check(CLI::Range(10u, 600'000u));
  app.add_option("--heartbeat-ms", heartbeat_ms, "leader-based models: the leader's heartbeat interval")->check(CLI::Range(1u, 60'000u));
  app.add_flag("--sync-before-send", sync_before_send,
               "a leader syncs its new entries before sending them to followers (slower; to measure what sending first saves)");
  app.add_flag("--sync-before-reply", sync_before_reply,
               "a leader acknowledges writes only after the sync of everything since (slower; to measure what replying "
               "first saves)");
  app.add_flag("--sync-in-loop", sync_in_loop,
               "write and sync the log in the event loop, which waits for the disk (slower; to measure what a disk "
               "thread saves)");
  app.add_flag("--quiet", quiet, "no event lines on stderr");
  CLI11_PARSE(app, argc, argv);

  replica_server::options o;
  o.id = rp::replica_id{id};
  o.data = data;
  o.bootstrap = bootstrap;
  o.quiet = quiet;
  o.send_before_sync = !sync_before_send;
  o.reply_before_sync = !sync_before_reply;
  o.write_beside_loop = !sync_in_loop;
  o.request_timeout = std::chrono::milliseconds{timeout_ms};
  o.election = std::chrono::milliseconds{election_ms};
  o.heartbeat = std::chrono::milliseconds{heartbeat_ms};
  if (heartbeat_ms >= election_ms) {
    std::fprintf(stderr, "replica-server: --heartbeat-ms (%u) must be below --election-ms (%u)\n", heartbeat_ms, election_ms);
    return 2;
  }
  std::size_t start = 0;
  while (start <= peers_text.size()) {
    const auto comma = peers_text.find(',', start);
    const std::string one = peers_text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto e = parse_endpoint(one);
    if (!e) {
      std::fprintf(stderr, "replica-server: --peers: '%s' is not HOST:PORT with a numeric address\n", one.c_str());
      return 2;
    }
    o.peers.push_back(*e);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (o.peers.size() > 255) {
    std::fprintf(stderr, "replica-server: --peers lists %zu replicas; at most 255\n", o.peers.size());
    return 2;
  }
  if (id >= o.peers.size()) {
    std::fprintf(stderr, "replica-server: --id %u is not a position in --peers (%zu replicas)\n", id, o.peers.size());
    return 2;
  }
  auto l = parse_endpoint(listen_text);
  if (!l) {
    std::fprintf(stderr, "replica-server: --listen: '%s' is not HOST:PORT with a numeric address\n", listen_text.c_str());
    return 2;
  }
  o.listen = *l;
  for (const auto& m : all)
    if (m.name == model_name) return m.serve(o);
  std::fprintf(stderr, "replica-server: unknown --model '%s'\n%s", model_name.c_str(), help.c_str());
  return 2;
}
