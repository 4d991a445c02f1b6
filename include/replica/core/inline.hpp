#pragma once
/// \file
/// `REPLICA_ALWAYS_INLINE`: a small function on a per-entry hot path, inlined into its caller.
/// (GCC 12 keeps such a callee an out-of-line call when the caller is a large loop.)

#if defined(__GNUC__) || defined(__clang__)
#define REPLICA_ALWAYS_INLINE [[gnu::always_inline]] inline
#else
#define REPLICA_ALWAYS_INLINE inline
#endif
