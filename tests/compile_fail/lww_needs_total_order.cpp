// expect: replica::replicator: last_write_wins needs a totally ordered version type
#include <replica/replica.hpp>

using bad = replica::replicator<replica::multi_leader, replica::last_write_wins, replica::version_vector<3>>;
bad* p = nullptr;
