// expect: replica::replicator: this topology accepts concurrent writes (multi_leader, leaderless), so conflicts are inevitable; choose a resolver
#include <replica/replica.hpp>

using bad = replica::replicator<replica::leaderless<replica::n<3>, replica::w<2>, replica::r<2>>>;
bad* p = nullptr;
