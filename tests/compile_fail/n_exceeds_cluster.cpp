// expect: replica::replicator: the replication factor n<N> exceeds cluster_size<M>
#include <replica/replica.hpp>

using bad = replica::replicator<replica::leaderless<replica::n<5>>, replica::keep_siblings, replica::cluster_size<3>>;
bad* p = nullptr;
