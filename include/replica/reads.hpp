#pragma once
/// \file
/// Umbrella: the read guarantees.

#include <replica/reads/eventual_reads.hpp>
#include <replica/reads/lease_reads.hpp>
#include <replica/reads/strong_reads.hpp>
