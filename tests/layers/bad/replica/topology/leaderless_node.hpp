#pragma once
// A fixture for the include-rule test: a protocol must not include a sibling's (this must fail).
#include <replica/topology/leader_based/raft_log.hpp>
