// expect: replica::replicator: this commit mode needs more replicas than the cluster has
#include <replica/replica.hpp>

using bad = replica::replicator<replica::leader_based, replica::semi_synchronous<3>, replica::cluster_size<3>>;
bad* p = nullptr;
