#pragma once
/// \file
/// Umbrella: the history checkers.

#include <replica/check/convergence.hpp>
#include <replica/check/edn.hpp>
#include <replica/check/history.hpp>
#include <replica/check/linearizability.hpp>
#include <replica/check/lost_writes.hpp>
#include <replica/check/sessions.hpp>
#include <replica/check/staleness.hpp>
