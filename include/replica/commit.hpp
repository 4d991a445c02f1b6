#pragma once
/// \file
/// Umbrella: every commit mode and the ack point.

#include <replica/commit/ack_on.hpp>
#include <replica/commit/asynchronous.hpp>
#include <replica/commit/first.hpp>
#include <replica/commit/majority.hpp>
#include <replica/commit/semi_synchronous.hpp>
#include <replica/commit/synchronous.hpp>
