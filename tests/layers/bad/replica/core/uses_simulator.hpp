#pragma once
// A fixture for the include-rule test: core/ must not include the simulator (this must fail).
#include <replica/sim/cluster.hpp>
