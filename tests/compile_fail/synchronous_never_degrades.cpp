// expect: replica::synchronous_with: synchronous commit never degrades silently
#include <replica/replica.hpp>

using bad = replica::synchronous_with<2, replica::ack_on::flushed, replica::when_acks_missing::fall_back_to_async<100>>;
constexpr auto k = bad::min_in_sync;
