#pragma once
/// \file
/// The compile-time check of `leader_based_node`'s second parameter: one message per rule of the
/// `state_machine` concept, each naming its fix (docs/diagnostics.md; pinned by compile-fail tests).

#include <replica/core/state_machine.hpp>

namespace replica::leader_based_detail {

template <class Machine>
struct machine_check {
  static_assert(machine_detail::shaped<Machine>,
                "replica::leader_based_node: the machine does not model replica::state_machine; give it command, query, "
                "result and snapshot_type, apply(command), a const read(query), snapshot() and restore(snapshot_type), and "
                "a default constructor (docs/policies/state_machine.md)");
  static_assert(!machine_detail::shaped<Machine> || machine_detail::encodable_types<Machine>,
                "replica::leader_based_node: the machine's command, query, result and snapshot types must be encodable; "
                "describe a plain struct's fields with REPLICA_FIELDS(...) or specialise replica::codec_traits "
                "(docs/policies/state_machine.md#encodable-types)");
  static constexpr bool checked = true;
};

}  // namespace replica::leader_based_detail
