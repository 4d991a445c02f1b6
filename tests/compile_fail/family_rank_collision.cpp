// expect: replica::replicator: two policy families share a rank
#include <replica/replica.hpp>

struct storage_tag : replica::policy_family { static constexpr int rank = 2; static constexpr std::string_view name = "storage"; };
struct disk { using family = storage_tag; };
using bad = replica::replicator<replica::leader_based, replica::no_resolver, disk>;
bad* p = nullptr;
