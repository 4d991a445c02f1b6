#pragma once
/// \file
/// Umbrella: every topology.

#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based/election.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/multi_leader.hpp>
#include <replica/topology/sharded.hpp>
