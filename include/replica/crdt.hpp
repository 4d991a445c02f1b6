#pragma once
/// \file
/// Every CRDT of the library (include the one you need instead, in hot translation units).

#include <replica/crdt/crdt.hpp>
#include <replica/crdt/dot_context.hpp>
#include <replica/crdt/dot_kernel.hpp>
#include <replica/crdt/g_counter.hpp>
#include <replica/crdt/g_set.hpp>
#include <replica/crdt/lww_register.hpp>
#include <replica/crdt/max_register.hpp>
#include <replica/crdt/mv_register.hpp>
#include <replica/crdt/or_set.hpp>
#include <replica/crdt/pn_counter.hpp>
#include <replica/crdt/two_phase_set.hpp>
