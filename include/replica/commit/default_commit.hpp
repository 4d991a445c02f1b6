#pragma once
/// \file
/// The commit mode a topology uses when the user gives none: `Topology::default_commit` if it
/// names one (multi_leader: asynchronous; sharded: its inner topology's), else `majority`.

#include <replica/commit/majority.hpp>

namespace replica::detail {

template <class Topology>
struct default_commit_of {
  using type = majority;
};
template <class Topology>
  requires requires { typename Topology::default_commit; }
struct default_commit_of<Topology> {
  using type = typename Topology::default_commit;
};

}  // namespace replica::detail
