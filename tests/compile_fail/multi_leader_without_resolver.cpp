// expect: replica::replicator: this topology accepts concurrent writes (multi_leader, leaderless), so conflicts are inevitable; choose a resolver
#include <replica/replica.hpp>

using bad = replica::replicator<replica::multi_leader, replica::cluster_size<3>>;
bad* p = nullptr;
