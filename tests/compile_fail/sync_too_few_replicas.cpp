// expect: replica::replicator: this commit mode needs more replicas than the cluster has
#include <replica/replica.hpp>

using bad = replica::replicator<replica::leader_based, replica::synchronous, replica::cluster_size<1>>;
bad* p = nullptr;
