#pragma once
// The Redis commands replica-server understands, as `kv_store` operations, and how their
// replies are written (docs/server.md, "Commands"). No I/O: tests/tools/server_commands.cpp
// checks every row.

#include <replica/core/client.hpp>
#include <replica/core/consistency.hpp>
#include <replica/core/payload.hpp>
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

/// What a command asks, for writing its reply the way Redis does. `getctx`: a read that
/// answers its causal context too (leaderless models).
enum class verb : std::uint8_t { get, set, del, incr, setnx, cas, getctx };

/// A command the server answers itself, without the replicated state. `consistency` sets the
/// connection's level for the requests that follow; `token` answers the connection's
/// read-your-writes token, or adopts one (`TOKEN n`).
enum class local : std::uint8_t { ping, echo, select, quit, config_get, command, info, consistency, token };

/// One parsed command: a replicated operation, a local command, or an error reply to send.
struct parsed {
  std::variant<std::monostate, replica::kv_store::operation, local> what;
  verb kind = verb::get;
  std::string error;  ///< the reply when `what` is empty (written as `-<error>`)
  replica::payload context{};  ///< SETCTX, DELCTX: the causal context the write supersedes
  bool has_context = false;
  replica::consistency_level level = replica::consistency_level::configured;  ///< CONSISTENCY's argument
  std::optional<std::uint64_t> token{};  ///< TOKEN's argument (a token to adopt), if it has one
};

/// A causal context as text: lowercase hex of its bytes (what GETCTX answers and SETCTX takes).
inline std::string to_hex(const replica::payload& p) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(p.size() * 2);
  for (std::byte b : p.bytes()) {
    s += digits[std::to_integer<unsigned>(b) >> 4];
    s += digits[std::to_integer<unsigned>(b) & 15];
  }
  return s;
}
inline std::optional<replica::payload> from_hex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  std::vector<std::byte> out(s.size() / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::byte>(hi * 16 + lo);
  }
  return replica::payload::copy_of(out);
}

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

/// Reads one request's arguments (never empty). The keys and values an operation carries are
/// moved out of `args` (a 256-byte value is not copied on its way to the node); the other
/// arguments are left as they were.
inline parsed parse(std::vector<std::string>& args) {
  using kv = replica::kv_store;
  const std::string name = upper(args[0]);
  const std::size_t n = args.size();
  auto arity = [&](std::string_view cmd) {
    return parsed{std::monostate{}, verb::get, "ERR wrong number of arguments for '" + std::string{cmd} + "' command"};
  };
  auto op = [&](kv::operation o, verb v) { return parsed{std::move(o), v, {}}; };
  if (name == "GET") return n == 2 ? op(kv::get{std::move(args[1])}, verb::get) : arity("get");
  if (name == "SET") {
    if (n != 3) return n > 3 ? parsed{std::monostate{}, verb::set, "ERR syntax error (SET takes no options here)"} : arity("set");
    return op(kv::put{std::move(args[1]), std::move(args[2])}, verb::set);
  }
  if (name == "DEL") {
    if (n == 2) return op(kv::remove{std::move(args[1])}, verb::del);
    return n < 2 ? arity("del") : parsed{std::monostate{}, verb::del, "ERR DEL takes one key here (one replicated operation per command)"};
  }
  if (name == "INCR" || name == "DECR") {
    if (n != 2) return arity(name == "INCR" ? "incr" : "decr");
    return op(kv::increment{std::move(args[1]), name == "INCR" ? 1 : -1}, verb::incr);
  }
  if (name == "INCRBY" || name == "DECRBY") {
    if (n != 3) return arity(name == "INCRBY" ? "incrby" : "decrby");
    auto by = to_int(args[2]);
    if (!by || (name == "DECRBY" && *by == INT64_MIN))
      return parsed{std::monostate{}, verb::incr, "ERR value is not an integer or out of range"};
    return op(kv::increment{std::move(args[1]), name == "INCRBY" ? *by : -*by}, verb::incr);
  }
  if (name == "GETCTX") return n == 2 ? op(kv::get{std::move(args[1])}, verb::getctx) : arity("getctx");
  if (name == "SETCTX" || name == "DELCTX") {
    const bool set = name == "SETCTX";
    if (n != (set ? 4u : 3u)) return arity(set ? "setctx" : "delctx");
    auto ctx = from_hex(args[2]);
    if (!ctx) return parsed{std::monostate{}, verb::set, "ERR the context must be the hex string GETCTX answered"};
    parsed p = set ? op(kv::put{std::move(args[1]), std::move(args[3])}, verb::set) : op(kv::remove{std::move(args[1])}, verb::del);
    p.context = std::move(*ctx);
    p.has_context = true;
    return p;
  }
  if (name == "SETNX") return n == 3 ? op(kv::compare_and_set{std::move(args[1]), std::nullopt, std::move(args[2])}, verb::setnx) : arity("setnx");
  if (name == "CAS") return n == 4 ? op(kv::compare_and_set{std::move(args[1]), std::move(args[2]), std::move(args[3])}, verb::cas) : arity("cas");
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
  if (name == "CONSISTENCY") {
    if (n != 2) return arity("consistency");
    using cl = replica::consistency_level;
    const std::string l = upper(args[1]);
    parsed p = loc(local::consistency);
    if (l == "DEFAULT") p.level = cl::configured;
    else if (l == "ONE") p.level = cl::one;
    else if (l == "TWO") p.level = cl::two;
    else if (l == "THREE") p.level = cl::three;
    else if (l == "QUORUM") p.level = cl::quorum;
    else if (l == "ALL") p.level = cl::all;
    else return parsed{std::monostate{}, verb::get, "ERR CONSISTENCY takes DEFAULT, ONE, TWO, THREE, QUORUM or ALL"};
    return p;
  }
  if (name == "TOKEN") {
    if (n == 1) return loc(local::token);
    if (n != 2) return arity("token");
    auto t = to_int(args[1]);
    if (!t || *t < 0) return parsed{std::monostate{}, verb::get, "ERR TOKEN takes a non-negative integer (what TOKEN answered)"};
    parsed p = loc(local::token);
    p.token = static_cast<std::uint64_t>(*t);
    return p;
  }
  std::string shown = args[0].substr(0, 128);
  for (char& c : shown)
    if (static_cast<unsigned char>(c) < 32) c = ' ';
  return parsed{std::monostate{}, verb::get, "ERR unknown command '" + shown + "'"};
}

/// The values a reply carries: a leader-based read's one value (or none), or a leaderless
/// read's siblings (none, one, or several concurrent ones).
inline std::vector<std::string_view> values_of(const std::optional<std::string>& r) {
  if (r) return {*r};
  return {};
}
inline std::vector<std::string_view> values_of(const std::vector<std::string>& r) { return {r.begin(), r.end()}; }

/// Writes the reply to a replicated command, the way Redis would; what arrives here is final
/// (a redirect the server could forward has been forwarded).
template <class Result>
void render(std::string& out, verb v, const replica::basic_client_reply<Result>& r) {
  namespace resp = replica::io::resp;
  using replica::reply_status;
  switch (r.status) {
    case reply_status::ok: {
      const auto vals = values_of(r.result);
      auto values = [&] {
        // One value: a bulk string; none: nil; concurrent siblings: an array of them.
        if (vals.size() <= 1) return resp::bulk(out, vals.empty() ? std::nullopt : std::optional{vals[0]});
        resp::array_header(out, vals.size());
        for (auto x : vals) resp::bulk(out, x);
      };
      switch (v) {
        case verb::get: return values();
        case verb::getctx:
          resp::array_header(out, 2);
          resp::bulk(out, std::string_view{to_hex(r.context)});
          resp::array_header(out, vals.size());
          for (auto x : vals) resp::bulk(out, x);
          return;
        case verb::set: return resp::simple(out, "OK");
        case verb::del: return resp::integer(out, vals.empty() ? 0 : 1);
        case verb::incr: return resp::integer(out, vals.empty() ? 0 : to_int(vals[0]).value_or(0));
        case verb::setnx:
        case verb::cas: return resp::integer(out, 1);
      }
      return;
    }
    case reply_status::fail:
      if (r.error == replica::errc::precondition && (v == verb::setnx || v == verb::cas)) return resp::integer(out, 0);
      if (v == verb::incr && (r.error == replica::errc::malformed || r.error == replica::errc::out_of_range))
        return resp::error_reply(out, "ERR value is not an integer or out of range");
      if (r.error == replica::errc::unavailable || r.error == replica::errc::not_leader)
        return resp::error_reply(out, "TRYAGAIN not done: " + std::string{replica::to_string(*r.error)});
      if (v == verb::get && r.error == replica::errc::out_of_range)
        return resp::error_reply(out, "ERR not done: the read's token is ahead of the leader's log (the write it names is not "
                                      "there: lost in a failover?)");
      if (r.error == replica::errc::unsupported)
        return resp::error_reply(out, "ERR not done: this model does not support the operation (it needs one order of writes)");
      return resp::error_reply(out, "ERR not done: " + std::string{r.error ? replica::to_string(*r.error) : "refused"});
    case reply_status::unknown: return resp::error_reply(out, "UNKNOWN the outcome is unknown: the node lost track of the request");
    case reply_status::redirect: return resp::error_reply(out, "TRYAGAIN no leader is known: not done");
  }
}

}  // namespace replica_server
