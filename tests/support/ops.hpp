#pragma once
// One client operation at a time on a simulated cluster: invoke, run until it completes, read
// its completion event. Shared by the topology tests that script operations by hand.
#include <replica/check/history.hpp>
#include <replica/sim/cluster.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>

namespace test {

/// The completion event of client `p`'s operation, if it has completed.
inline const replica::check::event* completion(const replica::check::history& h, std::uint64_t p) {
  for (auto it = h.rbegin(); it != h.rend(); ++it)
    if (it->process == p && it->type != replica::check::event_type::invoke) return &*it;
  return nullptr;
}

/// Invokes `op` at `at` (with `token` and `context`, if any) and runs until it completes (or
/// `limit`); its completion event.
template <class Node>
replica::check::event run_op(replica::sim::cluster<Node>& c, replica::replica_id at, replica::kv_op op,
                             replica::payload context = {}, std::optional<std::uint64_t> token = std::nullopt,
                             replica::duration limit = std::chrono::seconds{3}) {
  const auto p = c.invoke(at, op, std::chrono::seconds{1}, token, std::move(context));
  c.run_until([&](auto& cl) { return completion(cl.history(), p) != nullptr; }, c.now() + limit.count());
  const auto* e = completion(c.history(), p);
  REQUIRE(e != nullptr);
  return *e;
}

}  // namespace test
