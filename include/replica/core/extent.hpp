#pragma once
/// \file
/// The marker for sizes known only at run time.

#include <cstddef>
#include <span>

namespace replica {

/// A size chosen at run time (`version_vector<dynamic_extent>`, `dynamic_cluster_size`).
inline constexpr std::size_t dynamic_extent = std::dynamic_extent;

}  // namespace replica
