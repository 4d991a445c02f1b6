#pragma once
/// \file
/// Jepsen-style histories: each client operation is invoked, then completes `ok`, `fail`
/// (definitely did not take effect) or `info` (unknown: may take effect at any time after its
/// invocation, or never). A timed-out operation is `info`, never `fail`.

#include <replica/core/client.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace replica::check {

/// Invocation or completion.
enum class event_type : std::uint8_t { invoke, ok, fail, info };

constexpr std::string_view to_string(event_type t) noexcept {
  switch (t) {
    case event_type::invoke: return "invoke";
    case event_type::ok: return "ok";
    case event_type::fail: return "fail";
    case event_type::info: return "info";
  }
  return "?";
}

/// One line of a history.
struct event {
  std::uint64_t process = 0;  ///< the client; at most one operation outstanding per process
  event_type type = event_type::invoke;
  op_kind f = op_kind::read;
  key_type key = 0;
  /// read: the value read (nil: nullopt) on `ok`; write: the value; cas: the new value.
  std::optional<value_type> value{};
  /// cas: the value required.
  std::optional<value_type> expected{};
  /// read: every value when the read returned several concurrent siblings (then `value` is
  /// empty); empty otherwise.
  std::vector<value_type> siblings{};
  std::int64_t time = 0;  ///< microseconds (simulated true time), for staleness; 0 if unknown

  friend bool operator==(const event&, const event&) = default;
};

using history = std::vector<event>;

/// One operation: its invocation paired with its completion.
struct operation {
  std::size_t invoke_index = 0;    ///< position of the invocation in the history
  std::size_t complete_index = 0;  ///< position of the completion, or the history's size if none
  std::uint64_t process = 0;
  event_type outcome = event_type::info;  ///< ok, fail or info (info when it never completed)
  op_kind f = op_kind::read;
  key_type key = 0;
  std::optional<value_type> value{};
  std::optional<value_type> expected{};
  std::vector<value_type> siblings{};
  std::int64_t invoke_time = 0, complete_time = 0;
};

/// Pairs invocations with completions by process, in history order. An invocation without a
/// completion is `info`. A completion without an invocation, or a second invocation while one is
/// outstanding, makes the history malformed: the result is empty and `*bad_index` names the line.
inline std::vector<operation> pair_operations(const history& h, std::size_t* bad_index = nullptr) {
  std::vector<operation> ops;
  std::vector<std::pair<std::uint64_t, std::size_t>> open;  // process -> index into ops
  auto find_open = [&](std::uint64_t p) {
    for (auto it = open.begin(); it != open.end(); ++it)
      if (it->first == p) return it;
    return open.end();
  };
  for (std::size_t i = 0; i < h.size(); ++i) {
    const event& e = h[i];
    auto it = find_open(e.process);
    if (e.type == event_type::invoke) {
      if (it != open.end()) {
        if (bad_index) *bad_index = i;
        return {};
      }
      operation op;
      op.invoke_index = i;
      op.complete_index = h.size();
      op.process = e.process;
      op.f = e.f;
      op.key = e.key;
      op.value = e.value;
      op.expected = e.expected;
      op.invoke_time = op.complete_time = e.time;
      open.emplace_back(e.process, ops.size());
      ops.push_back(op);
    } else {
      if (it == open.end()) {
        if (bad_index) *bad_index = i;
        return {};
      }
      operation& op = ops[it->second];
      op.complete_index = i;
      op.outcome = e.type;
      op.complete_time = e.time;
      if (e.f == op_kind::read && e.type == event_type::ok) {  // what the read saw
        op.value = e.value;
        op.siblings = e.siblings;
      }
      open.erase(it);
    }
  }
  return ops;
}

/// Renders one event as a Jepsen EDN map, e.g. `{:process 0, :type :ok, :f :write, :value 3}`.
inline std::string to_edn(const event& e) {
  auto val = [](const std::optional<value_type>& v) { return v ? std::to_string(*v) : std::string{"nil"}; };
  std::string s = "{:process " + std::to_string(e.process) + ", :type :" + std::string{to_string(e.type)} + ", :f :" +
                  std::string{to_string(e.f)} + ", :value ";
  if (e.f == op_kind::cas)
    s += "[" + val(e.expected) + " " + val(e.value) + "]";
  else
    s += val(e.value);
  if (e.key != 0) s += ", :key " + std::to_string(e.key);
  if (e.time != 0) s += ", :time " + std::to_string(e.time * 1000);  // Jepsen times are nanoseconds
  return s + "}";
}

}  // namespace replica::check
