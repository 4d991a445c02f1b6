#pragma once
/// \file
/// Umbrella: every conflict resolver.

#include <replica/resolve/crdt_merge.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/resolve/merge_with.hpp>
#include <replica/resolve/no_resolver.hpp>
