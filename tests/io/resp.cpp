// The RESP2 request parser and reply writers (io/resp.hpp).
#include <replica/io/resp.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <string>
#include <vector>

using namespace replica;
namespace resp = replica::io::resp;

namespace {

/// Every request the parser gives for `input` fed in one piece, and the error if it stopped.
struct parse_all {
  std::vector<std::vector<std::string>> requests;
  std::optional<errc> failed;
  std::size_t left = 0;
};
parse_all run(const std::vector<std::string>& pieces, resp::limits l = {}) {
  resp::request_parser p{l};
  parse_all out;
  for (const auto& piece : pieces) {
    p.feed(piece);
    while (true) {
      auto next = p.next();
      if (!next) {
        out.failed = next.code();
        return out;
      }
      if (!*next) break;
      out.requests.push_back(**next);
    }
  }
  out.left = p.buffered();
  return out;
}

}  // namespace

TEST_CASE("resp: arrays of bulk strings, as client libraries send them") {
  auto r = run({"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"});
  REQUIRE_FALSE(r.failed);
  REQUIRE(r.requests.size() == 2);
  CHECK(r.requests[0] == std::vector<std::string>{"SET", "k", ""});
  CHECK(r.requests[1] == std::vector<std::string>{"GET", "k"});
  CHECK(r.left == 0);
}

TEST_CASE("resp: a bulk string may hold any byte, CR and LF included") {
  const std::string body{"a\r\nb\0c", 6};
  auto r = run({"*1\r\n$6\r\n" + body + "\r\n"});
  REQUIRE(r.requests.size() == 1);
  CHECK(r.requests[0][0] == body);
}

TEST_CASE("resp: inline commands, with quotes and escapes as redis-cli accepts them") {
  auto r = run({"PING\r\nSET k \"a b\\x41\\n\"\r\n  GET   'it\\'s'  \n\r\n"});
  REQUIRE_FALSE(r.failed);
  REQUIRE(r.requests.size() == 3);
  CHECK(r.requests[0] == std::vector<std::string>{"PING"});
  CHECK(r.requests[1] == std::vector<std::string>{"SET", "k", "a bA\n"});
  CHECK(r.requests[2] == std::vector<std::string>{"GET", "it's"});
}

TEST_CASE("resp: a request is taken only once all of it has arrived") {
  const std::string whole = "*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n";
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {
    resp::request_parser p;
    p.feed(whole.substr(0, cut));
    auto first = p.next();
    REQUIRE(first);
    CHECK_FALSE(*first);
    p.feed(whole.substr(cut));
    auto second = p.next();
    REQUIRE(second);
    REQUIRE(*second);
    CHECK(**second == std::vector<std::string>{"GET", "hello"});
  }
}

TEST_CASE("resp: what is not a request, or is over a limit, is refused with a reason") {
  resp::limits small{.max_args = 4, .max_bulk = 16, .max_inline = 32, .max_request = 64};
  struct row {
    std::string input;
    errc code;
  };
  const std::vector<row> rows = {
      {"*abc\r\n", errc::malformed},
      {"*2\r\n+x\r\n", errc::malformed},
      {"*1\r\n$-1\r\n", errc::malformed},
      {"*1\r\n$3\r\nabcd\r\n", errc::malformed},        // no CRLF after the declared length
      {"*1\r\n$99999999999999999999\r\n", errc::malformed},
      {"*5\r\n", errc::out_of_range},                   // more arguments than allowed
      {"*1\r\n$17\r\n", errc::out_of_range},            // a bulk over max_bulk
      {std::string(40, 'x'), errc::out_of_range},       // a line over max_inline, not even ended
      {"*4\r\n$16\r\n" + std::string(16, 'a') + "\r\n$16\r\n" + std::string(16, 'a') + "\r\n$16\r\n" + std::string(16, 'a') +
           "\r\n$16\r\n",
       errc::out_of_range},                              // the whole request over max_request
      {"GET \"open\r\n", errc::malformed},
      {"GET 'a'b\r\n", errc::malformed},
  };
  for (const auto& r : rows) {
    INFO(r.input);
    auto got = run({r.input}, small);
    REQUIRE(got.failed);
    CHECK(*got.failed == r.code);
  }
}

TEST_CASE("resp: empty lines and empty arrays are skipped, as Redis does") {
  auto r = run({"\r\n*0\r\n*-1\r\nPING\r\n"});
  REQUIRE_FALSE(r.failed);
  REQUIRE(r.requests.size() == 1);
  CHECK(r.requests[0] == std::vector<std::string>{"PING"});
}

TEST_CASE("resp: the replies, as Redis writes them") {
  std::string out;
  resp::simple(out, "OK");
  resp::error_reply(out, "ERR bad\r\nthing");
  resp::integer(out, -7);
  resp::bulk(out, std::string_view{"hi"});
  resp::bulk(out, std::nullopt);
  resp::array_header(out, 0);
  CHECK(out == "+OK\r\n-ERR bad  thing\r\n:-7\r\n$2\r\nhi\r\n$-1\r\n*0\r\n");
}

TEST_CASE("resp: any bytes, cut anywhere, give the same requests or the same refusal as in one piece") {
  rc::prop("incremental parsing agrees with parsing the whole", [] {
    // Half the time a well-formed stream, half the time arbitrary bytes.
    std::string input;
    if (*rc::gen::arbitrary<bool>()) {
      const auto reqs = *rc::gen::container<std::vector<std::vector<std::string>>>(
          rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(rc::gen::arbitrary<std::string>())));
      for (const auto& args : reqs) {
        input += "*" + std::to_string(args.size()) + "\r\n";
        for (const auto& a : args) input += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
      }
    } else {
      input = *rc::gen::arbitrary<std::string>();
    }
    const auto whole = run({input});
    std::vector<std::string> pieces;
    std::size_t at = 0;
    while (at < input.size()) {
      const std::size_t n = *rc::gen::inRange<std::size_t>(1, input.size() - at + 1);
      pieces.push_back(input.substr(at, n));
      at += n;
    }
    const auto cut = run(pieces);
    RC_ASSERT(cut.failed == whole.failed);
    // A refusal may come before every piece was fed; up to it, the same requests.
    RC_ASSERT(cut.requests == whole.requests);
  });
}
