// expect: replica::multi_leader_node: with crdt_merge, name the CRDT each key holds
#include <replica/replicator.hpp>
#include <replica/topology/multi_leader_node.hpp>

using regions = replica::replicator<replica::multi_leader, replica::crdt_merge>;
replica::multi_leader_node<regions>* node = nullptr;  // which CRDT? (pn_counter, or_set<value_type>, ...)
