#pragma once
/// \file
/// Everything: the core vocabulary, every policy family, composition and description.
/// Prefer the narrower headers in your own translation units; this one is for convenience.

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
