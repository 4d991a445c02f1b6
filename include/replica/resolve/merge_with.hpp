#pragma once
/// \file
/// Application merge: concurrent values are combined by a function of the application (the
/// Dynamo shopping cart takes the union). `F` is a default-constructible function object type
/// with `Value operator()(const Value&, const Value&) const`, which must be commutative,
/// associative and idempotent for replicas to converge (docs/policies/resolvers.md).

#include <replica/core/policy.hpp>
#include <replica/versioning/dotted_version_vector.hpp>

#include <concepts>
#include <type_traits>

namespace replica {

/// Merge concurrent values with the application's function object `F`.
template <class F>
struct merge_with {
  static_assert(std::is_default_constructible_v<F> && std::is_empty_v<F>,
                "replica::merge_with<F>: F must be a stateless, default-constructible function object type "
                "(for example a struct with `Value operator()(const Value&, const Value&) const`)");
  using family = resolver_tag;
  using function = F;
  static constexpr std::string_view name = "merge_with";
  static constexpr bool resolves_conflicts = true;
  static constexpr bool needs_total_order = false;
  static constexpr bool needs_concurrency_detection = true;
  static constexpr bool may_discard_acknowledged_writes = false;
  using default_versioning = dotted_version_vector;

  /// The merged value of two concurrent siblings.
  template <class Value>
    requires std::invocable<const F&, const Value&, const Value&>
  [[nodiscard]] static Value merge(const Value& a, const Value& b) {
    return F{}(a, b);
  }
};

}  // namespace replica
