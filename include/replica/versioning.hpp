#pragma once
/// \file
/// Umbrella: every version-tracking type.

#include <replica/versioning/causal_order.hpp>
#include <replica/versioning/dot.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/dvv_set.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>
#include <replica/versioning/lamport_clock.hpp>
#include <replica/versioning/physical_clock.hpp>
#include <replica/versioning/version_vector.hpp>
