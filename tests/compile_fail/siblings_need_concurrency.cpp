// expect: replica::replicator: keep_siblings and merge_with<F> need a version type that detects concurrency
#include <replica/replica.hpp>

using bad = replica::replicator<replica::leaderless<>, replica::keep_siblings, replica::lamport_clock>;
bad* p = nullptr;
