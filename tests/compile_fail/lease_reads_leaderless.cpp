// expect: replica::replicator: lease_reads need a single leader holding the lease
#include <replica/replica.hpp>

using bad = replica::replicator<replica::leaderless<replica::n<3>, replica::w<2>, replica::r<2>>, replica::last_write_wins,
                                replica::lease_reads<>>;
bad* p = nullptr;
