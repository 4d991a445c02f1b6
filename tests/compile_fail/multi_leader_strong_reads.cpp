// expect: replica::replicator: multi_leader propagates writes asynchronously between leaders, so it cannot promise strong_reads
#include <replica/replica.hpp>

using bad = replica::replicator<replica::multi_leader, replica::crdt_merge, replica::strong_reads>;
bad* p = nullptr;
