// expect: replica::replicator: an election policy (raft_election, controller_election) chooses the one leader
#include <replica/replica.hpp>

using bad = replica::replicator<replica::multi_leader, replica::crdt_merge, replica::controller_election<>>;
bad* p = nullptr;
