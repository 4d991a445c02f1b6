#pragma once
/// \file
/// The vocabulary of compositions: the core types, every policy family, `replicator` and
/// `describe`, the data models. Not the nodes that run a composition
/// (`replica/topology/leader_based_node.hpp`, `leaderless_node.hpp`, `multi_leader_node.hpp`,
/// `sharded_node.hpp`), the simulator (`replica/sim/`), the checkers (`replica/check/`) or the
/// I/O layer (`replica/io/`): include those you use; each is heavier to compile, and most
/// translation units need one at most. Prefer the narrower headers in your own code.

#include <replica/cluster.hpp>
#include <replica/commit.hpp>
#include <replica/core.hpp>
#include <replica/data.hpp>
#include <replica/describe.hpp>
#include <replica/reads.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve.hpp>
#include <replica/topology.hpp>
#include <replica/version.hpp>
#include <replica/versioning.hpp>
