// expect: replica::replicator: the version type does not model replica::version_tracker
#include <replica/replica.hpp>

struct my_clock { using family = replica::versioning_tag; static constexpr bool totally_ordered = true; };
using bad = replica::replicator<replica::leader_based, my_clock>;
bad* p = nullptr;
