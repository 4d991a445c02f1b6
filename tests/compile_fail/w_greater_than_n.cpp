// expect: replica::replicator: W and R cannot exceed N
#include <replica/replica.hpp>

using bad = replica::replicator<replica::leaderless<replica::n<3>, replica::w<4>, replica::r<1>>, replica::keep_siblings>;
bad* p = nullptr;
