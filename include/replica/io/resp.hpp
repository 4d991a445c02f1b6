#pragma once
/// \file
/// The Redis protocol (RESP2) as a server reads and writes it, with no I/O: a parser for client
/// requests (arrays of bulk strings, as every client library sends them, and inline commands,
/// as a person types them into `nc`), and writers for the replies. replica-server speaks it
/// (docs/server.md); anything that serves clients over a socket can use it.
///
///   replica::io::resp::request_parser in;
///   in.feed(bytes_received);
///   while (true) {
///     auto next = in.next();
///     if (!next) { reply "-ERR Protocol error: ..." and close; }   // not RESP: never resynchronised
///     if (!*next) break;                                           // a request is incomplete
///     const std::vector<std::string>& args = **next;               // one command
///   }
///
/// The parser trusts nothing: lengths, counts and lines are bounded (`resp::limits`), a request
/// is taken only once all of it has arrived, and what is buffered never exceeds one request's
/// bound plus what one `feed` brought.

#include <replica/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace replica::io::resp {

/// Bounds on one client request.
struct limits {
  std::size_t max_args = 1024;            ///< elements of one request array
  std::size_t max_bulk = 16u << 20;       ///< bytes of one argument (Redis allows 512 MiB)
  std::size_t max_inline = 64u << 10;     ///< bytes of a header line or an inline command
  std::size_t max_request = 64u << 20;    ///< bytes of one whole request
};

/// Splits a byte stream into requests.
class request_parser {
 public:
  explicit request_parser(limits l = {}) : lim_{l} {}

  /// Appends bytes received.
  void feed(std::string_view bytes) {
    if (pos_ > 0 && pos_ >= buf_.size() / 2) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    buf_.append(bytes);
  }

  /// The next complete request (its arguments, never empty), nothing if it has not all
  /// arrived, or an error (`malformed`, `out_of_range`) when the bytes are not a request within
  /// the limits. After an error the stream cannot be trusted: reply and close the connection.
  result<std::optional<std::vector<std::string>>> next() {
    while (true) {
      if (pos_ >= buf_.size()) return std::optional<std::vector<std::string>>{};
      std::size_t at = pos_;
      std::vector<std::string> args;
      const auto got = buf_[at] == '*' ? parse_array(at, args) : parse_inline(at, args);
      if (!got) return got.err();
      if (!*got) {
        if (buf_.size() - pos_ > lim_.max_request) return error{errc::out_of_range, "request larger than the limit"};
        return std::optional<std::vector<std::string>>{};
      }
      pos_ = at;
      if (!args.empty()) return std::optional{std::move(args)};
      // An empty line or an empty array: nothing to answer (as Redis does); go on.
    }
  }

  /// Bytes received and not yet taken as a request.
  [[nodiscard]] std::size_t buffered() const noexcept { return buf_.size() - pos_; }

 private:
  // Each returns false (in the result) when more bytes are needed, leaving `at` meaningless.
  result<bool> line(std::size_t& at, std::string_view& out) const {
    const std::size_t end = buf_.find('\n', at);
    if (end == std::string::npos) {
      if (buf_.size() - at > lim_.max_inline) return error{errc::out_of_range, "line longer than the limit"};
      return false;
    }
    if (end - at > lim_.max_inline) return error{errc::out_of_range, "line longer than the limit"};
    std::size_t stop = end;
    if (stop > at && buf_[stop - 1] == '\r') --stop;
    out = std::string_view{buf_}.substr(at, stop - at);
    at = end + 1;
    return true;
  }

  static result<std::int64_t> number(std::string_view s) {
    if (s.empty() || s.size() > 18) return error{errc::malformed, "invalid length"};
    std::size_t i = 0;
    bool negative = false;
    if (s[0] == '-') {
      negative = true;
      i = 1;
      if (s.size() == 1) return error{errc::malformed, "invalid length"};
    }
    std::int64_t v = 0;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return error{errc::malformed, "invalid length"};
      v = v * 10 + (s[i] - '0');
    }
    return negative ? -v : v;
  }

  result<bool> parse_array(std::size_t& at, std::vector<std::string>& args) const {
    std::string_view head;
    ++at;  // '*'
    auto l = line(at, head);
    if (!l || !*l) return l;
    auto n = number(head);
    if (!n) return error{errc::malformed, "invalid multibulk length"};
    if (*n <= 0) return true;  // an empty or null array: nothing
    if (static_cast<std::uint64_t>(*n) > lim_.max_args) return error{errc::out_of_range, "too many arguments"};
    args.reserve(static_cast<std::size_t>(*n));
    std::size_t total = 0;
    for (std::int64_t i = 0; i < *n; ++i) {
      if (at >= buf_.size()) return false;
      if (buf_[at] != '$') return error{errc::malformed, "expected '$'"};
      ++at;
      auto hl = line(at, head);
      if (!hl || !*hl) return hl;
      auto len = number(head);
      if (!len || *len < 0) return error{errc::malformed, "invalid bulk length"};
      if (static_cast<std::uint64_t>(*len) > lim_.max_bulk) return error{errc::out_of_range, "argument larger than the limit"};
      const auto size = static_cast<std::size_t>(*len);
      total += size;
      if (total > lim_.max_request) return error{errc::out_of_range, "request larger than the limit"};
      if (buf_.size() - at < size + 2) return false;
      if (buf_[at + size] != '\r' || buf_[at + size + 1] != '\n') return error{errc::malformed, "bulk string not followed by CRLF"};
      args.emplace_back(buf_, at, size);
      at += size + 2;
    }
    return true;
  }

  // An inline command: words separated by spaces, "double quotes" with \" \\ \n \r \t \xHH
  // escapes, or 'single quotes' (what redis-cli and Redis accept).
  result<bool> parse_inline(std::size_t& at, std::vector<std::string>& args) const {
    std::string_view text;
    auto l = line(at, text);
    if (!l || !*l) return l;
    std::size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      if (i == text.size()) break;
      if (args.size() == lim_.max_args) return error{errc::out_of_range, "too many arguments"};
      std::string word;
      if (text[i] == '"' || text[i] == '\'') {
        const char quote = text[i++];
        bool closed = false;
        while (i < text.size()) {
          const char c = text[i++];
          if (c == quote) {
            closed = true;
            break;
          }
          if (c == '\\' && quote == '"' && i < text.size()) {
            const char e = text[i++];
            switch (e) {
              case 'n': word += '\n'; break;
              case 'r': word += '\r'; break;
              case 't': word += '\t'; break;
              case 'x':
                if (i + 2 <= text.size() && hex(text[i]) >= 0 && hex(text[i + 1]) >= 0) {
                  word += static_cast<char>(hex(text[i]) * 16 + hex(text[i + 1]));
                  i += 2;
                } else {
                  word += 'x';
                }
                break;
              default: word += e;
            }
          } else if (c == '\\' && quote == '\'' && i < text.size() && text[i] == '\'') {
            word += '\'';
            ++i;
          } else {
            word += c;
          }
        }
        if (!closed || (i < text.size() && text[i] != ' ' && text[i] != '\t'))
          return error{errc::malformed, "unbalanced quotes in request"};
      } else {
        while (i < text.size() && text[i] != ' ' && text[i] != '\t') word += text[i++];
      }
      args.push_back(std::move(word));
    }
    return true;
  }

  static int hex(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  limits lim_;
  std::string buf_;
  std::size_t pos_ = 0;
};

// ---- replies ----------------------------------------------------------------------------------

/// `+text` (text must hold no CR or LF: they are replaced by spaces).
inline void simple(std::string& out, std::string_view text) {
  out += '+';
  for (char c : text) out += (c == '\r' || c == '\n') ? ' ' : c;
  out += "\r\n";
}
/// `-CODE message`: the first word is the error's kind (ERR, TRYAGAIN, ...), as Redis does.
inline void error_reply(std::string& out, std::string_view text) {
  out += '-';
  for (char c : text) out += (c == '\r' || c == '\n') ? ' ' : c;
  out += "\r\n";
}
inline void integer(std::string& out, std::int64_t v) {
  out += ':';
  out += std::to_string(v);
  out += "\r\n";
}
/// A bulk string, or the nil bulk (`$-1`).
inline void bulk(std::string& out, const std::optional<std::string_view>& v) {
  if (!v) {
    out += "$-1\r\n";
    return;
  }
  out += '$';
  out += std::to_string(v->size());
  out += "\r\n";
  out += *v;
  out += "\r\n";
}
inline void array_header(std::string& out, std::size_t n) {
  out += '*';
  out += std::to_string(n);
  out += "\r\n";
}

}  // namespace replica::io::resp
