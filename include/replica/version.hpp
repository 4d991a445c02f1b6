#pragma once
/// \file
/// The library's own version (not to be confused with `versioning/`, the version-tracking types).

#define REPLICA_VERSION_MAJOR 0
#define REPLICA_VERSION_MINOR 1
#define REPLICA_VERSION_PATCH 0

namespace replica {
/// "major.minor.patch" of this copy of the library.
inline constexpr const char* library_version = "0.1.0";
}  // namespace replica
