// expect: replica::replicator: W and R cannot exceed N
#include <replica/replica.hpp>

using bad = replica::replicator<replica::leaderless<replica::n<2>, replica::w<1>, replica::r<3>>, replica::crdt_merge>;
bad* p = nullptr;
