// expect: replica::leaderless_node: with crdt_merge, name the CRDT each key holds
#include <replica/replicator.hpp>
#include <replica/resolve/crdt_merge.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>

using dynamo_like = replica::replicator<replica::leaderless<>, replica::crdt_merge>;
// Which CRDT does each key hold? (leaderless_node<dynamo_like, replica::or_set<replica::value_type>>)
constexpr std::size_t size = sizeof(replica::leaderless_node<dynamo_like>);
