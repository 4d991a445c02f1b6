// libFuzzer target: the RESP2 request parser (io/resp.hpp) over arbitrary client bytes. The
// first input byte picks where the rest is cut into pieces (as a socket delivers them); the
// pieces are fed one by one, and the whole is parsed in one piece too, under small limits so
// that every bound is reached. Any input gives requests, "need more" or a refusal: never a
// crash, an exception, unbounded buffering or undefined behaviour. Two oracles abort:
// - parsing in pieces gives the same requests and the same refusal as parsing the whole;
// - no request exceeds the limits (arguments, bytes per argument, bytes per request).
//   build/clang/fuzz/fuzz_resp_parse -max_total_time=60 CORPUS_COPY   (scripts/fuzz)
#include <replica/io/resp.hpp>

#include "seeds.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr replica::io::resp::limits small{.max_args = 8, .max_bulk = 64, .max_inline = 128, .max_request = 256};

struct outcome {
  std::vector<std::vector<std::string>> requests;
  std::optional<replica::errc> failed;
};

outcome run(std::string_view input, std::size_t step) {
  replica::io::resp::request_parser p{small};
  outcome out;
  std::size_t at = 0;
  while (at < input.size() && !out.failed) {
    const std::size_t n = step == 0 ? input.size() - at : std::min(step, input.size() - at);
    p.feed(input.substr(at, n));
    at += n;
    while (true) {
      auto next = p.next();
      if (!next) {
        out.failed = next.code();
        break;
      }
      if (!*next) break;
      std::size_t total = 0;
      if ((*next)->empty() || (*next)->size() > small.max_args) std::abort();
      for (const auto& a : **next) {
        if (a.size() > small.max_bulk && a.size() > small.max_inline) std::abort();
        total += a.size();
      }
      if (total > small.max_request + small.max_inline) std::abort();
      out.requests.push_back(std::move(**next));
    }
    // What waits for the rest of a request stays bounded.
    if (!out.failed && p.buffered() > small.max_request + small.max_inline + n) std::abort();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 17;
  const std::string_view input{reinterpret_cast<const char*>(data + 1), size - 1};
  const outcome whole = run(input, 0);
  const outcome pieces = run(input, step);
  if (whole.failed != pieces.failed || whole.requests != pieces.requests) {
    std::fprintf(stderr, "resp_parse: parsing in pieces of %zu disagrees with parsing the whole\n", step);
    std::abort();
  }
  return 0;
}

/// The seed corpus (fuzz/corpus/resp_parse/, written by `replay_resp_parse --write-seeds DIR`):
/// pipelined arrays, inline commands with quotes, an argument over the limit, a bad count, and
/// empty lines and arrays.
std::vector<std::vector<std::byte>> replica_fuzz_seeds() {
  const std::vector<std::string> texts = {
      "\x03*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
      "\x05PING\r\nSET k \"a b\\x41\"\r\nGET 'it\\'s'\r\n",
      "\x01*1\r\n$99\r\n",
      "\x02*abc\r\n",
      "\x07\r\n*0\r\n*-1\r\nQUIT\r\n",
  };
  return seeds_from_texts(texts);
}
