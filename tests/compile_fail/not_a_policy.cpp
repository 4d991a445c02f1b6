// expect: replica::replicator: a template argument is not a replication policy
#include <replica/replica.hpp>

using bad = replica::replicator<replica::leader_based, int>;
bad* p = nullptr;
