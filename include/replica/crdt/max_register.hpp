#pragma once
/// \file
/// Max register: holds the largest value ever written; the join is the maximum. A high-water
/// mark (the largest offset consumed, the latest schema version) needs nothing more.

#include <replica/core/fields.hpp>

#include <algorithm>
#include <optional>

namespace replica {

/// A register whose value only grows.
template <class T>
class max_register {
 public:
  max_register write(const T& v) {
    merge_value(v);
    max_register delta;
    delta.value_ = v;
    return delta;
  }
  [[nodiscard]] const std::optional<T>& value() const noexcept { return value_; }
  void merge(const max_register& o) {
    if (o.value_) merge_value(*o.value_);
  }

  friend bool operator==(const max_register&, const max_register&) = default;

  REPLICA_FIELDS(value_);

 private:
  void merge_value(const T& v) { value_ = value_ ? std::max(*value_, v) : v; }

  std::optional<T> value_;
};

}  // namespace replica
