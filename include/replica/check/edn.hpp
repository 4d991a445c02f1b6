#pragma once
/// \file
/// Reads Jepsen/Knossos history lines: one EDN operation map per line, e.g.
/// `{:process 0, :type :invoke, :f :cas, :value [1 2]}`. Only what register histories use is
/// understood: integers, nil, keywords, strings, vectors. Lines of the nemesis (`:process
/// :nemesis`) and blank lines are skipped. No I/O: the caller supplies the text.
///
/// The text is not trusted (a history is often downloaded): nesting depth, the length of one
/// operation, the elements of a vector and the number of operations are bounded (`edn_limits`),
/// integers must fit 64 bits, and any input gives events or an error naming its line; never a
/// crash, and memory within a small multiple of the text's size.

#include <replica/check/history.hpp>
#include <replica/core/result.hpp>

#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace replica::check {

/// The outcome of reading one line: an event, nothing (skip), or an error with its reason.
struct edn_line {
  enum class kind : std::uint8_t { event, skip, error };
  kind what = kind::skip;
  check::event ev{};
  std::string why{};
};

/// Bounds on what a history may hold (replica-check's `--max-ops` sets `max_operations`).
struct edn_limits {
  std::size_t max_depth = 16;             ///< vectors within vectors
  std::size_t max_record = 64 * 1024;     ///< bytes of one operation map (over its lines)
  std::size_t max_vector = 1024;          ///< elements of one vector
  std::size_t max_operations = 10'000'000;  ///< events in the history
};

namespace detail {

struct edn_value {
  enum class type : std::uint8_t { nil, integer, keyword, string, vector, boolean } t = type::nil;
  std::int64_t i = 0;
  std::string s{};
  std::vector<edn_value> v{};
};

class edn_reader {
 public:
  explicit edn_reader(std::string_view text, const edn_limits& lim = {}) : s_{text}, lim_{lim} {}

  std::optional<edn_value> value(std::size_t depth = 0) {
    skip_ws();
    if (p_ >= s_.size()) return fail("unexpected end of line");
    const char c = s_[p_];
    if (c == ':') {
      ++p_;
      edn_value v{edn_value::type::keyword};
      v.s = token();
      if (v.s.empty()) return fail("empty keyword");
      return v;
    }
    if (c == '"') {
      ++p_;
      edn_value v{edn_value::type::string};
      while (p_ < s_.size() && s_[p_] != '"') {
        if (s_[p_] == '\\' && p_ + 1 < s_.size()) ++p_;
        v.s += s_[p_++];
      }
      if (p_ >= s_.size()) return fail("unterminated string");
      ++p_;
      return v;
    }
    if (c == '[' || c == '(') {
      if (depth >= lim_.max_depth) return fail("vectors nested deeper than " + std::to_string(lim_.max_depth));
      const char close = c == '[' ? ']' : ')';
      ++p_;
      edn_value v{edn_value::type::vector};
      for (;;) {
        skip_ws();
        if (p_ >= s_.size()) return fail("unterminated vector");
        if (s_[p_] == close) {
          ++p_;
          return v;
        }
        if (v.v.size() >= lim_.max_vector) return fail("a vector of more than " + std::to_string(lim_.max_vector) + " elements");
        auto e = value(depth + 1);
        if (!e) return std::nullopt;
        v.v.push_back(std::move(*e));
      }
    }
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      const std::string t = token();
      edn_value v{edn_value::type::integer};
      std::string_view digits = t;
      if (!digits.empty() && digits.back() == 'N') digits.remove_suffix(1);  // EDN bigint suffix
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v.i);
      if (ec != std::errc{} || ptr != digits.data() + digits.size())
        return fail("bad integer '" + t.substr(0, 32) + (t.size() > 32 ? "...'" : "'") + " (integers must fit 64 bits)");
      return v;
    }
    const std::string t = token();
    if (t == "nil") return edn_value{edn_value::type::nil};
    if (t == "true" || t == "false") {
      edn_value v{edn_value::type::boolean};
      v.i = t == "true";
      return v;
    }
    if (t.empty()) return fail(std::string{"unexpected '"} + c + "'");
    return fail("unknown symbol '" + t.substr(0, 32) + (t.size() > 32 ? "...'" : "'"));
  }

  /// Reads `{k v, ...}` into key/value pairs.
  std::optional<std::vector<std::pair<std::string, edn_value>>> map() {
    skip_ws();
    if (p_ >= s_.size() || s_[p_] != '{') return fail("expected '{'");
    ++p_;
    std::vector<std::pair<std::string, edn_value>> out;
    for (;;) {
      skip_ws();
      if (p_ >= s_.size()) return fail("unterminated map");
      if (s_[p_] == '}') {
        ++p_;
        return out;
      }
      auto k = value();
      if (!k) return std::nullopt;
      if (k->t != edn_value::type::keyword) return fail("map keys must be keywords");
      auto v = value();
      if (!v) return std::nullopt;
      out.emplace_back(k->s, std::move(*v));
    }
  }

  [[nodiscard]] bool at_end() {
    skip_ws();
    return p_ >= s_.size();
  }
  [[nodiscard]] const std::string& error() const { return err_; }

 private:
  void skip_ws() {
    while (p_ < s_.size() && (std::isspace(static_cast<unsigned char>(s_[p_])) || s_[p_] == ',')) ++p_;
  }
  std::string token() {
    const std::size_t b = p_;
    while (p_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[p_])) && s_[p_] != ',' && s_[p_] != '}' &&
           s_[p_] != ']' && s_[p_] != ')' && s_[p_] != '{' && s_[p_] != '[' && s_[p_] != '"')
      ++p_;
    return std::string{s_.substr(b, p_ - b)};
  }
  std::nullopt_t fail(std::string why) {
    if (err_.empty()) err_ = std::move(why);
    return std::nullopt;
  }

  std::string_view s_;
  edn_limits lim_;
  std::size_t p_ = 0;
  std::string err_;
};

inline std::optional<value_type> as_register_value(const edn_value& v, bool& ok) {
  if (v.t == edn_value::type::nil) return std::nullopt;
  if (v.t == edn_value::type::integer) return v.i;
  ok = false;
  return std::nullopt;
}

}  // namespace detail

/// Reads one history line. Tolerates the brackets of a history written as one EDN vector or
/// list, one operation per line, and `;` comments on their own line.
inline edn_line parse_edn_line(std::string_view line, const edn_limits& limits = {}) {
  edn_line out;
  auto trim = [](std::string_view& s) {
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.front())) || s.front() == ',')) s.remove_prefix(1);
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.back())) || s.back() == ',')) s.remove_suffix(1);
  };
  trim(line);
  // A history written as one EDN vector or list: `[{...}` or `({...}` opens it, `{...}]`,
  // `{...})` or a lone `]` / `)` closes it.
  if (!line.empty() && (line.front() == '[' || line.front() == '(')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == ']' || line.back() == ')') &&
         (line.find('}') == std::string_view::npos || line.rfind('}') < line.size() - 1))
    line.remove_suffix(1);
  trim(line);
  if (line.empty() || line.front() == ';') return out;  // blank or comment

  auto error = [&](std::string why) {
    out.what = edn_line::kind::error;
    out.why = std::move(why);
    return out;
  };
  detail::edn_reader r{line, limits};
  auto m = r.map();
  if (!m) return error(r.error());
  if (!r.at_end()) return error("text after the operation map");

  const detail::edn_value *process = nullptr, *type = nullptr, *f = nullptr, *value = nullptr, *key = nullptr,
                          *time = nullptr;
  for (const auto& [k, v] : *m) {
    if (k == "process") process = &v;
    else if (k == "type") type = &v;
    else if (k == "f") f = &v;
    else if (k == "value") value = &v;
    else if (k == "key") key = &v;
    else if (k == "time") time = &v;
  }
  if (!process) return error("missing :process");
  if (process->t == detail::edn_value::type::keyword) return out;  // the nemesis: not a client
  if (process->t != detail::edn_value::type::integer || process->i < 0) return error(":process must be a non-negative integer");
  if (!type || type->t != detail::edn_value::type::keyword) return error("missing :type keyword");
  if (!f || f->t != detail::edn_value::type::keyword) return error("missing :f keyword");

  event& e = out.ev;
  e.process = static_cast<std::uint64_t>(process->i);
  if (type->s == "invoke") e.type = event_type::invoke;
  else if (type->s == "ok") e.type = event_type::ok;
  else if (type->s == "fail") e.type = event_type::fail;
  else if (type->s == "info") e.type = event_type::info;
  else return error(":type must be :invoke, :ok, :fail or :info, not :" + type->s.substr(0, 32));
  if (f->s == "read") e.f = op_kind::read;
  else if (f->s == "write") e.f = op_kind::write;
  else if (f->s == "cas") e.f = op_kind::cas;
  else if (f->s == "remove" || f->s == "delete") e.f = op_kind::remove;
  else if (f->s == "add") e.f = op_kind::add;
  else return error(":f must be :read, :write, :cas, :remove or :add, not :" + f->s.substr(0, 32));

  bool ok = true;
  if (e.f == op_kind::cas) {
    if (!value || value->t != detail::edn_value::type::vector || value->v.size() != 2)
      return error(":cas needs :value [old new]");
    e.expected = detail::as_register_value(value->v[0], ok);
    e.value = detail::as_register_value(value->v[1], ok);
  } else if (value) {
    e.value = detail::as_register_value(*value, ok);
  } else if (e.f == op_kind::write) {
    return error(":write needs a :value");
  }
  if (!ok) return error(":value must be an integer or nil");
  if (e.f == op_kind::write && !e.value && e.type != event_type::fail && e.type != event_type::info)
    return error(":write of nil");
  if (key) {
    if (key->t != detail::edn_value::type::integer || key->i < 0) return error(":key must be a non-negative integer");
    e.key = static_cast<key_type>(key->i);
  }
  if (time && time->t == detail::edn_value::type::integer) e.time = time->i / 1000;  // ns -> us
  out.what = edn_line::kind::event;
  return out;
}

/// A whole history read from text.
struct edn_history {
  history events;
  std::vector<std::size_t> lines;  ///< the (first) line number of each event
  std::size_t error_line = 0;      ///< 0 when the text was read without error
  std::string error{};
};

/// Reads a history, one operation map per line. A map may also span several lines (as the
/// nemesis entries of some Jepsen histories do): a line that leaves a `{` open continues on the
/// next. Stops at the first malformed operation, or the first past `limits`, naming its line.
inline edn_history read_edn_history(std::string_view text, const edn_limits& limits = {}) {
  edn_history out;
  std::string record;
  std::size_t record_line = 0, line_no = 0;
  int depth = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (depth == 0) {
      record.clear();
      record_line = line_no;
    } else {
      record += ' ';
    }
    if (record.size() + line.size() > limits.max_record) {
      out.error_line = record_line;
      out.error = "an operation longer than " + std::to_string(limits.max_record) + " bytes";
      return out;
    }
    record.append(line);
    bool in_string = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (c == '\\' && in_string) ++i;
      else if (c == '"') in_string = !in_string;
      else if (!in_string && c == ';') break;  // the rest is a comment
      else if (!in_string && c == '{') ++depth;
      else if (!in_string && c == '}') --depth;
    }
    if (depth > 0) continue;
    depth = 0;
    const edn_line l = parse_edn_line(record, limits);
    if (l.what == edn_line::kind::error) {
      out.error_line = record_line;
      out.error = l.why;
      return out;
    }
    if (l.what == edn_line::kind::event) {
      if (out.events.size() >= limits.max_operations) {
        out.error_line = record_line;
        out.error = "more than " + std::to_string(limits.max_operations) + " operations (--max-ops)";
        return out;
      }
      out.events.push_back(l.ev);
      out.lines.push_back(record_line);
    }
  }
  if (depth > 0) {
    out.error_line = record_line;
    out.error = "unterminated map at the end of the history";
  }
  return out;
}

}  // namespace replica::check
