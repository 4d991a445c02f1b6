// expect: replica::replicator: two policies of one family were given
#include <replica/replica.hpp>

using bad = replica::replicator<replica::leader_based, replica::asynchronous, replica::majority>;
bad* p = nullptr;
