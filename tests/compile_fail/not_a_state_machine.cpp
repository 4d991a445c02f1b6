// expect: replica::leader_based_node: the machine does not model replica::state_machine
#include <replica/replica.hpp>
#include <replica/topology/leader_based_node.hpp>

struct counter {  // a machine without a snapshot: a follower could never be brought up to date
  using command = int;
  using query = int;
  using result = int;
  int apply(int) { return 0; }
  int read(int) const { return 0; }
};
using pg_like = replica::replicator<replica::leader_based, replica::majority>;
replica::leader_based_node<pg_like, counter> node{replica::replica_id{0}, {}, {}};
