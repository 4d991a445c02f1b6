#pragma once
/// \file
/// Keep siblings: concurrent versions are all kept and returned to the reader, who writes back
/// a resolution with the merged causal context (Riak's allow_mult, Dynamo). Nothing is lost,
/// but the version type must detect concurrency.

#include <replica/core/policy.hpp>
#include <replica/versioning/dotted_version_vector.hpp>

namespace replica {

/// Keep every concurrent value; the application resolves them on its next write.
struct keep_siblings {
  using family = resolver_tag;
  static constexpr std::string_view name = "keep_siblings";
  static constexpr bool resolves_conflicts = true;
  static constexpr bool needs_total_order = false;
  static constexpr bool needs_concurrency_detection = true;
  static constexpr bool may_discard_acknowledged_writes = false;
  using default_versioning = dotted_version_vector;
};

}  // namespace replica
