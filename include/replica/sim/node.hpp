#pragma once
/// \file
/// What the simulator needs of a node: the node contract of core/node.hpp, under the names the
/// simulator has always used.

#include <replica/core/node.hpp>

namespace replica::sim {

using replica::effects_of;
using replica::has_digest;

/// A node the simulator can run: any `replica::protocol_node`.
template <class N>
concept simulated_node = replica::protocol_node<N>;

}  // namespace replica::sim
