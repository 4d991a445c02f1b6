// expect: replica::multi_leader_node: with crdt_merge, name the CRDT each key holds
#include <replica/replicator.hpp>
#include <replica/topology/multi_leader_node.hpp>

using regions = replica::replicator<replica::multi_leader, replica::crdt_merge>;
// Which CRDT does each key hold? (multi_leader_node<regions, pn_counter>, or_set<value_type>, ...)
constexpr std::size_t size = sizeof(replica::multi_leader_node<regions>);
