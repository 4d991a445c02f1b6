// expect: replica::leader_based_node: the machine's command, query, result and snapshot types must be encodable
#include <replica/replica.hpp>
#include <replica/topology/leader_based_node.hpp>

#include <vector>

struct ledger {  // a complete machine whose command is a struct nobody described to the codec
  struct entry {
    int amount = 0;
  };
  using command = entry;  // REPLICA_FIELDS(amount) inside `entry` would make it encodable
  using query = int;
  using result = int;
  using snapshot_type = std::vector<int>;
  int apply(const entry&) { return 0; }
  int read(int) const { return 0; }
  snapshot_type snapshot() const { return {}; }
  void restore(const snapshot_type&) {}
};
using pg_like = replica::replicator<replica::leader_based, replica::majority>;
replica::leader_based_node<pg_like, ledger> node{replica::replica_id{0}, {}, {}};
