#pragma once
/// \file
/// `kv_store`: string keys and string values, with get, put, delete, compare-and-set and
/// increment-by on a value holding a decimal integer (Redis's GET, SET, DEL, INCRBY; etcd's
/// transactions reduced to one compare). A `state_machine` for `leader_based_node`, and a
/// `data_model` for `leaderless_node` (get, put and remove; compare-and-set needs one order of
/// writes and increment a counter, so a leaderless node refuses both).
///
///   replica::leader_based_node<pg_like, replica::kv_store> node{self, config, disk};
///   // a client request carries a kv_store::operation:
///   replica::client_request<replica::kv_store::operation> req{c, id, replica::kv_store::put{"k", "v"}};

#include <replica/core/fields.hpp>
#include <replica/core/result.hpp>
#include <replica/core/state_machine.hpp>
#include <replica/data/data_model.hpp>
#include <replica/data/kv_parts.hpp>
#include <replica/data/kv_snapshot.hpp>

#include <charconv>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

namespace replica {

/// A map of strings to strings, cut into parts by a hash of the key (data/kv_parts.hpp): a
/// command or a read finds its key with one probe, and a snapshot shares the parts instead of
/// copying them (a part is copied when it is next written, if a snapshot still holds it).
class kv_store {
 public:
  kv_store() = default;
  // (A copy shares the parts, copy-on-write, as a snapshot does: cheap, and changed apart.)

  struct get {
    std::string key;
    REPLICA_FIELDS(key);
    friend bool operator==(const get&, const get&) = default;
  };
  struct put {
    std::string key, value;
    REPLICA_FIELDS(key, value);
    friend bool operator==(const put&, const put&) = default;
  };
  /// Removes the key; the result is the value it held (nil if none).
  struct remove {
    std::string key;
    REPLICA_FIELDS(key);
    friend bool operator==(const remove&, const remove&) = default;
  };
  /// Sets `value` if the key holds `expected` (nil: the key is absent); refused otherwise.
  struct compare_and_set {
    std::string key;
    std::optional<std::string> expected;
    std::string value;
    REPLICA_FIELDS(key, expected, value);
    friend bool operator==(const compare_and_set&, const compare_and_set&) = default;
  };
  /// Adds `by` to the decimal integer the key holds (an absent key holds 0); the result is the
  /// new value. Refused (the value unchanged) if the value is not a decimal 64-bit integer or
  /// the sum overflows.
  struct increment {
    std::string key;
    std::int64_t by = 1;
    REPLICA_FIELDS(key, by);
    friend bool operator==(const increment&, const increment&) = default;
  };

  using command = std::variant<put, remove, compare_and_set, increment>;
  using query = get;
  /// What a request carries: a command or a query.
  using operation = std::variant<get, put, remove, compare_and_set, increment>;
  /// get: the value (nil if absent); remove: the old value; increment: the new value; put and
  /// compare-and-set: nothing.
  using result = std::optional<std::string>;
  /// The whole store as one flat buffer, sorted by key (data/kv_snapshot.hpp: copying it is one
  /// `memcpy`, which a compaction does several times).
  using snapshot_type = kv_snapshot;

  // ---- as a data model (data/data_model.hpp) ----
  using key_type = std::string;
  using value_type = std::string;
  static data_access kind_of(const operation& op) noexcept {
    switch (op.index()) {
      case 0: return data_access::read;
      case 1: return data_access::write;
      case 2: return data_access::remove;
      case 3: return data_access::cas;
      case 4: return data_access::add;
      default: return data_access::other;
    }
  }
  static const std::string& key_of(const operation& op) noexcept {
    return std::visit([](const auto& o) -> const std::string& { return o.key; }, op);
  }
  /// A put's value (the others carry none).
  static std::string value_of(const operation& op) {
    const put* p = std::get_if<put>(&op);
    return p ? p->value : std::string{};
  }
  /// FNV-1a over the key's bytes (the ring and the Merkle tree mix it further).
  static std::uint64_t key_id(const std::string& k) noexcept {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char ch : k) h = (h ^ ch) * 1099511628211ULL;
    return h;
  }

  // ---- as a state machine (core/state_machine.hpp) ----
  static bool is_query(const operation& op) noexcept { return op.index() == 0; }
  static command command_of(const operation& op) {
    return std::visit(
        [](const auto& o) -> command {
          if constexpr (std::is_same_v<std::decay_t<decltype(o)>, get>)
            return put{};  // (never asked: is_query(op) holds)
          else
            return o;
        },
        op);
  }
  static const query& query_of(const operation& op) noexcept { return *std::get_if<get>(&op); }
  /// The command's variable size on the wire (its strings), for flow control.
  static std::uint64_t body_bytes(const command& c) noexcept {
    return std::visit(
        [](const auto& o) -> std::uint64_t {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, put>) return o.key.size() + o.value.size();
          if constexpr (std::is_same_v<T, compare_and_set>) return o.key.size() + o.value.size() + (o.expected ? o.expected->size() : 0);
          if constexpr (std::is_same_v<T, remove> || std::is_same_v<T, increment>) return o.key.size();
        },
        c);
  }

  replica::result<result> apply(const command& c) {
    return std::visit([this](const auto& o) { return do_apply(o); }, c);
  }
  [[nodiscard]] result read(const get& q) const {
    const std::string* v = parts_.find(q.key);
    return v == nullptr ? std::nullopt : std::optional{*v};
  }
  /// The state, sharing the parts (a pointer each, no walk of the entries).
  [[nodiscard]] snapshot_type snapshot() const { return kv_snapshot{parts_}; }
  void restore(const snapshot_type& s) { parts_ = s.parts(); }

  [[nodiscard]] std::size_t size() const noexcept { return parts_.size(); }
  /// Every entry, sorted by key (a copy: for tests and inspection, not a hot path).
  [[nodiscard]] std::map<std::string, std::string, std::less<>> entries() const {
    std::map<std::string, std::string, std::less<>> out;
    parts_.for_each([&](const std::string& k, const std::string& v) { out.emplace(k, v); });
    return out;
  }
  /// FNV-1a over keys and values in key order: equal states give equal digests.
  [[nodiscard]] std::uint64_t digest() const {
    std::uint64_t h = 1469598103934665603ULL;
    auto mix = [&](std::string_view s) {
      for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ULL;
      h = (h ^ 0xffU) * 1099511628211ULL;  // a separator: ("ab","c") and ("a","bc") differ
    };
    for (const auto& [k, v] : snapshot()) {
      mix(k);
      mix(v);
    }
    return h;
  }
  /// Equal contents (how they are cut into parts is how they are found, not what they are).
  friend bool operator==(const kv_store& a, const kv_store& b) { return a.snapshot() == b.snapshot(); }

 private:
  [[nodiscard]] const std::string* find(const std::string& key) const { return parts_.find(key); }
  template <class Value>
  void set(const std::string& key, Value&& value) {
    parts_.set(key, std::forward<Value>(value));
  }

  replica::result<result> do_apply(const put& p) {
    set(p.key, p.value);
    return result{};
  }
  replica::result<result> do_apply(const remove& r) { return result{parts_.erase(r.key)}; }
  replica::result<result> do_apply(const compare_and_set& c) {
    const std::string* v = find(c.key);
    const bool holds = c.expected ? (v != nullptr && *v == *c.expected) : v == nullptr;
    if (!holds) return error{errc::precondition, "compare_and_set: the key does not hold the expected value"};
    set(c.key, c.value);
    return result{};
  }
  replica::result<result> do_apply(const increment& inc) {
    std::int64_t now = 0;
    if (const std::string* v = find(inc.key)) {
      const std::string& s = *v;
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), now);
      if (ec != std::errc{} || end != s.data() + s.size() || s.empty())
        return error{errc::malformed, "increment: the value is not a decimal 64-bit integer"};
    }
    std::int64_t sum = 0;
    if (__builtin_add_overflow(now, inc.by, &sum)) return error{errc::out_of_range, "increment: the sum overflows a 64-bit integer"};
    std::string text = std::to_string(sum);
    set(inc.key, std::as_const(text));
    return result{std::move(text)};
  }

  kv_detail::kv_parts parts_;
};

static_assert(state_machine<kv_store>);
static_assert(data_model<kv_store>);

}  // namespace replica
