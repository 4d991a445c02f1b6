// expect: replica::replicator: strong_reads needs overlapping read and write quorums, W + R > N
#include <replica/replica.hpp>

using bad = replica::replicator<replica::leaderless<replica::n<3>, replica::w<1>, replica::r<2>>, replica::keep_siblings, replica::strong_reads>;
bad* p = nullptr;
