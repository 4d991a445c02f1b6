#pragma once
/// \file
/// Umbrella: cluster sizes.

#include <replica/cluster/cluster_size.hpp>
