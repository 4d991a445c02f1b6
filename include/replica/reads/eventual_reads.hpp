#pragma once
/// \file
/// No recency promise: a read may return a stale value, and replicas converge once writes stop.

#include <replica/core/policy.hpp>

namespace replica {

/// Reads may be stale; replicas converge eventually.
struct eventual_reads {
  using family = reads_tag;
  static constexpr std::string_view name = "eventual_reads";
  static constexpr bool strong = false;
};

}  // namespace replica
