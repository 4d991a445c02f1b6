// expect: replica::lease_reads: MaxDriftPpm must be below 1,000,000
#include <replica/replica.hpp>

using bad = replica::replicator<replica::leader_based, replica::lease_reads<2'000'000>>;
bad* p = nullptr;
