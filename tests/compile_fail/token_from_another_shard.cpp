// expect: replica::sharded: this read-your-writes token was issued by another shard than the key's
#include <replica/topology/sharded/token.hpp>

using ranges = replica::static_ranges<10>;
// Key 7 lives in shard 0; a token of shard 5 cannot travel with it.
auto req = replica::with_token<ranges, 7>({}, replica::shard_token<5>{42});
