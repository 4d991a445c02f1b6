// expect: replica::replicator: leaderless replication commits by its write quorum w<W>, not by a commit mode
#include <replica/replica.hpp>

using bad = replica::replicator<replica::leaderless<>, replica::keep_siblings, replica::semi_synchronous<1>>;
bad* p = nullptr;
