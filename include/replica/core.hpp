#pragma once
/// \file
/// Umbrella: the core vocabulary (ids, time, errors, effects, envelope, policy families, the node and state-machine contracts).

#include <replica/core/client.hpp>
#include <replica/core/effects.hpp>
#include <replica/core/envelope.hpp>
#include <replica/core/extent.hpp>
#include <replica/core/ids.hpp>
#include <replica/core/inline.hpp>
#include <replica/core/node.hpp>
#include <replica/core/policy.hpp>
#include <replica/core/state_machine.hpp>
#include <replica/core/result.hpp>
#include <replica/core/time.hpp>
