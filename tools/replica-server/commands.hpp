#pragma once
// The Redis commands replica-server understands, as `kv_store` operations, and how their
// replies are written (docs/server.md, "Commands"). No I/O: tests/tools/server_commands.cpp
// checks every row.

#include <replica/core/client.hpp>
#include <replica/core/result.hpp>
#include <replica/data/kv_store.hpp>
#include <replica/io/resp.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace replica_server {

/// What a command asks, for writing its reply the way Redis does.
enum class verb : std::uint8_t { get, set, del, incr, setnx, cas };

/// A command the server answers itself, without the replicated state.
enum class local : std::uint8_t { ping, echo, select, quit, config_get, command, info };

/// One parsed command: a replicated operation, a local command, or an error reply to send.
struct parsed {
  std::variant<std::monostate, replica::kv_store::operation, local> what;
  verb kind = verb::get;
  std::string error;  ///< the reply when `what` is empty (written as `-<error>`)
};

inline std::string upper(std::string_view s) {
  std::string u{s};
  std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return u;
}

inline std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

/// Reads one request's arguments (never empty).
inline parsed parse(const std::vector<std::string>& args) {
  using kv = replica::kv_store;
  const std::string name = upper(args[0]);
  const std::size_t n = args.size();
  auto arity = [&](std::string_view cmd) {
    return parsed{std::monostate{}, verb::get, "ERR wrong number of arguments for '" + std::string{cmd} + "' command"};
  };
  auto op = [&](kv::operation o, verb v) { return parsed{std::move(o), v, {}}; };
  if (name == "GET") return n == 2 ? op(kv::get{args[1]}, verb::get) : arity("get");
  if (name == "SET") {
    if (n != 3) return n > 3 ? parsed{std::monostate{}, verb::set, "ERR syntax error (SET takes no options here)"} : arity("set");
    return op(kv::put{args[1], args[2]}, verb::set);
  }
  if (name == "DEL") {
    if (n == 2) return op(kv::remove{args[1]}, verb::del);
    return n < 2 ? arity("del") : parsed{std::monostate{}, verb::del, "ERR DEL takes one key here (one replicated operation per command)"};
  }
  if (name == "INCR" || name == "DECR") {
    if (n != 2) return arity(name == "INCR" ? "incr" : "decr");
    return op(kv::increment{args[1], name == "INCR" ? 1 : -1}, verb::incr);
  }
  if (name == "INCRBY" || name == "DECRBY") {
    if (n != 3) return arity(name == "INCRBY" ? "incrby" : "decrby");
    auto by = to_int(args[2]);
    if (!by || (name == "DECRBY" && *by == INT64_MIN))
      return parsed{std::monostate{}, verb::incr, "ERR value is not an integer or out of range"};
    return op(kv::increment{args[1], name == "INCRBY" ? *by : -*by}, verb::incr);
  }
  if (name == "SETNX") return n == 3 ? op(kv::compare_and_set{args[1], std::nullopt, args[2]}, verb::setnx) : arity("setnx");
  if (name == "CAS") return n == 4 ? op(kv::compare_and_set{args[1], args[2], args[3]}, verb::cas) : arity("cas");
  auto loc = [](local l) { return parsed{l, verb::get, {}}; };
  if (name == "PING") return n <= 2 ? loc(local::ping) : arity("ping");
  if (name == "ECHO") return n == 2 ? loc(local::echo) : arity("echo");
  if (name == "SELECT") {
    if (n != 2) return arity("select");
    return args[1] == "0" ? loc(local::select) : parsed{std::monostate{}, verb::get, "ERR DB index is out of range"};
  }
  if (name == "QUIT") return loc(local::quit);
  if (name == "CONFIG") {
    if (n >= 2 && upper(args[1]) == "GET") return loc(local::config_get);
    return parsed{std::monostate{}, verb::get, "ERR CONFIG supports GET only (answered with an empty list)"};
  }
  if (name == "COMMAND") return loc(local::command);
  if (name == "INFO") return loc(local::info);
  std::string shown = args[0].substr(0, 128);
  for (char& c : shown)
    if (static_cast<unsigned char>(c) < 32) c = ' ';
  return parsed{std::monostate{}, verb::get, "ERR unknown command '" + shown + "'"};
}

/// Writes the reply to a replicated command. `self_hint`: whether a redirect may still be
/// forwarded (the caller forwards it; what arrives here is final).
inline void render(std::string& out, verb v, const replica::basic_client_reply<replica::kv_store::result>& r) {
  namespace resp = replica::io::resp;
  using replica::reply_status;
  switch (r.status) {
    case reply_status::ok:
      switch (v) {
        case verb::get: return resp::bulk(out, r.result ? std::optional<std::string_view>{*r.result} : std::nullopt);
        case verb::set: return resp::simple(out, "OK");
        case verb::del: return resp::integer(out, r.result ? 1 : 0);
        case verb::incr: return resp::integer(out, r.result ? to_int(*r.result).value_or(0) : 0);
        case verb::setnx:
        case verb::cas: return resp::integer(out, 1);
      }
      return;
    case reply_status::fail:
      if (r.error == replica::errc::precondition && (v == verb::setnx || v == verb::cas)) return resp::integer(out, 0);
      if (v == verb::incr && (r.error == replica::errc::malformed || r.error == replica::errc::out_of_range))
        return resp::error_reply(out, "ERR value is not an integer or out of range");
      if (r.error == replica::errc::unavailable || r.error == replica::errc::not_leader)
        return resp::error_reply(out, "TRYAGAIN not done: " + std::string{replica::to_string(*r.error)});
      return resp::error_reply(out, "ERR not done: " + std::string{r.error ? replica::to_string(*r.error) : "refused"});
    case reply_status::unknown: return resp::error_reply(out, "UNKNOWN the outcome is unknown: the node lost track of the request");
    case reply_status::redirect: return resp::error_reply(out, "TRYAGAIN no leader is known: not done");
  }
}

}  // namespace replica_server
