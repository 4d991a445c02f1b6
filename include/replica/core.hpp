#pragma once
/// \file
/// Umbrella: the core vocabulary (ids, time, errors, effects, envelope, policy families).

#include <replica/core/client.hpp>
#include <replica/core/effects.hpp>
#include <replica/core/envelope.hpp>
#include <replica/core/extent.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/policy.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>
