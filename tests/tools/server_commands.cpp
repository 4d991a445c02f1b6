// replica-server's commands (tools/replica-server/commands.hpp): what each Redis command parses
// to, and how each outcome is written back, row by row. No sockets: the process tests drive the
// same code through redis-cli and redis-py.
#include "commands.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

using namespace replica_server;
using kv = replica::kv_store;

namespace {

parsed p(std::vector<std::string> args) { return parse(args); }

template <class Op>
const Op* op_of(const parsed& x) {
  const auto* o = std::get_if<kv::operation>(&x.what);
  return o ? std::get_if<Op>(o) : nullptr;
}

template <class Result>
std::string written(verb v, replica::reply_status s, Result result, std::optional<replica::errc> e = std::nullopt) {
  replica::basic_client_reply<Result> r;
  r.status = s;
  r.result = std::move(result);
  r.error = e;
  std::string out;
  render(out, v, r);
  return out;
}

}  // namespace

TEST_CASE("server commands: replicated commands parse to kv_store operations", "[tools]") {
  const auto get = p({"get", "k"});
  REQUIRE(op_of<kv::get>(get));
  CHECK(op_of<kv::get>(get)->key == "k");
  const auto set = p({"SET", "k", "v"});
  REQUIRE(op_of<kv::put>(set));
  CHECK(op_of<kv::put>(set)->value == "v");
  CHECK(p({"SET", "k", "v", "EX", "10"}).error == "ERR syntax error (SET takes no options here)");
  const auto decr = p({"DECRBY", "n", "5"});
  REQUIRE(op_of<kv::increment>(decr));
  CHECK(op_of<kv::increment>(decr)->by == -5);
  CHECK(p({"DECRBY", "n", "-9223372036854775808"}).error == "ERR value is not an integer or out of range");
  CHECK(p({"INCRBY", "n", "1x"}).error == "ERR value is not an integer or out of range");
  const auto nx = p({"SETNX", "k", "v"});
  REQUIRE(op_of<kv::compare_and_set>(nx));
  CHECK(!op_of<kv::compare_and_set>(nx)->expected);
  const auto cas = p({"CAS", "k", "old", "new"});
  REQUIRE(op_of<kv::compare_and_set>(cas));
  CHECK(op_of<kv::compare_and_set>(cas)->expected == std::optional<std::string>{"old"});
  CHECK(p({"GET"}).error == "ERR wrong number of arguments for 'get' command");
  CHECK(p({"DEL", "a", "b"}).error.starts_with("ERR DEL takes one key"));
}

TEST_CASE("server commands: local commands, and unknown ones answered with an error", "[tools]") {
  CHECK(std::get<local>(p({"ping"}).what) == local::ping);
  CHECK(std::get<local>(p({"SELECT", "0"}).what) == local::select);
  CHECK(p({"SELECT", "1"}).error == "ERR DB index is out of range");
  CHECK(std::get<local>(p({"CONFIG", "GET", "save"}).what) == local::config_get);
  const auto level = p({"consistency", "quorum"});
  CHECK(std::get<local>(level.what) == local::consistency);
  CHECK(level.level == replica::consistency_level::quorum);
  CHECK(p({"HELLO", "3"}).error == "ERR unknown command 'HELLO'");
  CHECK(p({std::string("X\r\nY")}).error == "ERR unknown command 'X  Y'");  // control characters never echoed
}

TEST_CASE("server commands: TOKEN answers the connection's token, or adopts one", "[tools]") {
  const auto ask = p({"TOKEN"});
  CHECK(std::get<local>(ask.what) == local::token);
  CHECK(!ask.token);
  const auto adopt = p({"token", "42"});
  CHECK(std::get<local>(adopt.what) == local::token);
  CHECK(adopt.token == std::optional<std::uint64_t>{42});
  CHECK(p({"TOKEN", "-1"}).error == "ERR TOKEN takes a non-negative integer (what TOKEN answered)");
  CHECK(p({"TOKEN", "x"}).error == "ERR TOKEN takes a non-negative integer (what TOKEN answered)");
  CHECK(p({"TOKEN", "1", "2"}).error == "ERR wrong number of arguments for 'token' command");
}

TEST_CASE("server commands: outcomes are written as Redis would", "[tools]") {
  using rs = replica::reply_status;
  using one = std::optional<std::string>;
  using many = std::vector<std::string>;
  CHECK(written(verb::get, rs::ok, one{}) == "$-1\r\n");
  CHECK(written(verb::get, rs::ok, one{"v"}) == "$1\r\nv\r\n");
  CHECK(written(verb::get, rs::ok, many{"a", "b"}) == "*2\r\n$1\r\na\r\n$1\r\nb\r\n");  // siblings
  CHECK(written(verb::set, rs::ok, one{}) == "+OK\r\n");
  CHECK(written(verb::del, rs::ok, one{"old"}) == ":1\r\n");
  CHECK(written(verb::del, rs::ok, one{}) == ":0\r\n");
  CHECK(written(verb::incr, rs::ok, one{"7"}) == ":7\r\n");
  CHECK(written(verb::cas, rs::ok, one{}) == ":1\r\n");
  CHECK(written(verb::cas, rs::fail, one{}, replica::errc::precondition) == ":0\r\n");
  CHECK(written(verb::set, rs::fail, one{}, replica::errc::unavailable) == "-TRYAGAIN not done: unavailable\r\n");
  CHECK(written(verb::get, rs::fail, one{}, replica::errc::out_of_range).starts_with("-ERR not done: the read's token is ahead"));
  CHECK(written(verb::set, rs::fail, one{}, replica::errc::unsupported).starts_with("-ERR not done: this model does not support"));
  CHECK(written(verb::set, rs::unknown, one{}).starts_with("-UNKNOWN "));
  CHECK(written(verb::get, rs::redirect, one{}) == "-TRYAGAIN no leader is known: not done\r\n");
}
