#pragma once
/// \file
/// Umbrella: the deterministic simulator.

#include <replica/sim/broadcast_register.hpp>
#include <replica/sim/clock.hpp>
#include <replica/sim/controller.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/sim/latency.hpp>
#include <replica/sim/leader.hpp>
#include <replica/sim/nemesis.hpp>
#include <replica/sim/network.hpp>
#include <replica/sim/node.hpp>
#include <replica/sim/random.hpp>
