#pragma once
/// \file
/// Umbrella: the data models shared by topologies (the state machines a log-based node
/// replicates: `kv_register`, `kv_store`).

#include <replica/data/kv_register.hpp>
#include <replica/data/kv_store.hpp>
