// A user's own replicated state machine: a bank of eight accounts that start with 100 each.
// Transfers move money between accounts and never overdraw, so the total is always 800.
#pragma once
#include <replica/core/fields.hpp>
#include <replica/core/result.hpp>
#include <replica/core/state_machine.hpp>

#include <array>
#include <cstdint>
#include <numeric>
#include <optional>

struct bank {
  static constexpr std::size_t accounts = 8;
  static constexpr std::int64_t opening = 100;

  struct transfer {  // the command: what a write carries through the log
    std::uint32_t from = 0, to = 0;
    std::int64_t amount = 0;
    REPLICA_FIELDS(from, to, amount);  // what the codec writes into log entries
    friend bool operator==(const transfer&, const transfer&) = default;
  };
  struct query {  // what a read asks: one account's balance, or the total
    std::optional<std::uint32_t> account;
    REPLICA_FIELDS(account);
  };
  using command = transfer;
  using result = std::int64_t;  // a read's balance; a transfer's new balance of `from`
  struct snapshot_type {
    std::array<std::int64_t, accounts> balances{};
    std::uint64_t transfers = 0;
    REPLICA_FIELDS(balances, transfers);
    friend bool operator==(const snapshot_type&, const snapshot_type&) = default;
  };

  bank() { s_.balances.fill(opening); }

  // Deterministic: the same transfers in the same order give the same balances. A transfer
  // that would overdraw, or names no account, is refused and changes nothing.
  replica::result<result> apply(const transfer& t) {
    if (t.from >= accounts || t.to >= accounts || t.amount <= 0)
      return replica::error{replica::errc::out_of_range, "bank: no such account, or a non-positive amount"};
    if (s_.balances[t.from] < t.amount) return replica::error{replica::errc::precondition, "bank: insufficient funds"};
    s_.balances[t.from] -= t.amount;
    s_.balances[t.to] += t.amount;
    ++s_.transfers;
    return s_.balances[t.from];
  }
  [[nodiscard]] replica::result<result> read(const query& q) const {
    if (!q.account) return total();
    if (*q.account >= accounts) return replica::error{replica::errc::out_of_range, "bank: no such account"};
    return s_.balances[*q.account];
  }
  [[nodiscard]] snapshot_type snapshot() const { return s_; }
  void restore(const snapshot_type& s) { s_ = s; }

  [[nodiscard]] std::int64_t total() const { return std::accumulate(s_.balances.begin(), s_.balances.end(), std::int64_t{0}); }
  [[nodiscard]] std::uint64_t transfers() const { return s_.transfers; }
  [[nodiscard]] bool overdrawn() const {
    for (std::int64_t b : s_.balances)
      if (b < 0) return true;
    return false;
  }
  friend bool operator==(const bank&, const bank&) = default;

 private:
  snapshot_type s_;
};
static_assert(replica::state_machine<bank>);
