#pragma once
/// \file
/// Error values for bad input at run time. Protocol code never throws for bad input and never
/// has undefined behaviour: it returns one of these, and the node's state is unchanged.

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace replica {

/// Why a request or message was refused.
enum class errc {
  unknown_replica = 1,  ///< a replica id outside the configured cluster
  stale_term,           ///< a message from an older term or epoch
  wrong_group,          ///< a message addressed to a replication group this node does not host
  out_of_range,         ///< a position, size or configuration value out of its allowed range
  malformed,            ///< bytes or a value that do not decode to a valid state
  unavailable,          ///< not enough replicas to meet the request's requirement
  not_leader,           ///< the operation needs the leader, and this replica is not it
  wrong_key,            ///< a causal context or token issued for another key (or shard)
  precondition,         ///< the operation's precondition does not hold (remove an absent element)
  unsupported,          ///< an operation this data type or topology does not have
  io_failed,            ///< the storage failed a read, a write or a sync (EIO): what it holds is unknown
  no_space,             ///< the storage is full (ENOSPC)
  duplicate,            ///< a retry of a client request older than the client's last (its outcome is no longer kept)
};

/// Human-readable name of an error code (stable: tests and logs use it).
constexpr std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::unknown_replica: return "unknown_replica";
    case errc::stale_term: return "stale_term";
    case errc::wrong_group: return "wrong_group";
    case errc::out_of_range: return "out_of_range";
    case errc::malformed: return "malformed";
    case errc::unavailable: return "unavailable";
    case errc::not_leader: return "not_leader";
    case errc::wrong_key: return "wrong_key";
    case errc::precondition: return "precondition";
    case errc::unsupported: return "unsupported";
    case errc::io_failed: return "io_failed";
    case errc::no_space: return "no_space";
    case errc::duplicate: return "duplicate";
  }
  return "unknown_error";
}

/// An error value: a code plus a static description of what was wrong.
struct error {
  errc code;
  std::string_view detail{};  ///< always a string literal: no allocation on error paths

  friend constexpr bool operator==(const error& a, const error& b) noexcept {
    return a.code == b.code;
  }
};

namespace detail {
/// A caller read a result's value when it held an error (or its error when it held a value): a
/// bug in the caller, not bad input. Stops the program with what it held, in every build
/// (dereferencing the empty alternative instead was undefined behaviour).
[[noreturn]] inline void result_misuse(const char* what, std::string_view detail) noexcept {
  std::fprintf(stderr, "replica::result: %s%s%.*s\n", what, detail.empty() ? "" : ": ", static_cast<int>(detail.size()),
               detail.empty() ? "" : detail.data());  // (never a null pointer for %s, even with no characters)
  std::abort();
}
}  // namespace detail

/// Success, or an error. `[[nodiscard]]`: dropping a refusal silently is a bug.
class [[nodiscard]] status {
 public:
  constexpr status() noexcept = default;
  constexpr status(error e) noexcept : err_{e}, ok_{false} {}  // NOLINT: implicit by design

  [[nodiscard]] constexpr bool ok() const noexcept { return ok_; }
  constexpr explicit operator bool() const noexcept { return ok_; }
  /// Precondition: `!ok()`.
  [[nodiscard]] constexpr const error& err() const noexcept { return err_; }
  [[nodiscard]] constexpr errc code() const noexcept { return ok_ ? errc{} : err_.code; }

 private:
  error err_{};
  bool ok_ = true;
};

/// A value, or an error (a small stand-in for C++23 `std::expected`, which GCC 12 lacks in C++20).
template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_same_v<T, error>, "replica::result: T must not be replica::error");

 public:
  constexpr result(T v) : v_{std::in_place_index<0>, std::move(v)} {}  // NOLINT
  constexpr result(error e) : v_{std::in_place_index<1>, e} {}         // NOLINT

  [[nodiscard]] constexpr bool ok() const noexcept { return v_.index() == 0; }
  constexpr explicit operator bool() const noexcept { return ok(); }
  /// Precondition: `ok()`; otherwise the program stops, naming the error (`detail::result_misuse`).
  constexpr T& value() & { return *checked_value(); }
  constexpr const T& value() const& { return *checked_value(); }
  constexpr T&& value() && { return std::move(*checked_value()); }
  constexpr T* operator->() { return checked_value(); }
  constexpr const T* operator->() const { return checked_value(); }
  constexpr T& operator*() & { return value(); }
  constexpr const T& operator*() const& { return value(); }
  /// Precondition: `!ok()`; otherwise the program stops.
  [[nodiscard]] constexpr const error& err() const {
    if (const error* e = std::get_if<1>(&v_)) return *e;
    detail::result_misuse("err() of a result that holds a value", {});
  }
  [[nodiscard]] constexpr errc code() const noexcept { return ok() ? errc{} : err().code; }

 private:
  constexpr T* checked_value() {
    if (T* v = std::get_if<0>(&v_)) return v;
    detail::result_misuse("value() of a result that holds an error", std::get_if<1>(&v_)->detail);
  }
  constexpr const T* checked_value() const {
    if (const T* v = std::get_if<0>(&v_)) return v;
    detail::result_misuse("value() of a result that holds an error", std::get_if<1>(&v_)->detail);
  }

  std::variant<T, error> v_;
};

}  // namespace replica
