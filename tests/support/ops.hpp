#pragma once
// One client operation at a time on a simulated cluster: invoke, run until it completes, read
// its completion event. Shared by the topology tests that script operations by hand.
#include <replica/check/history.hpp>
#include <replica/sim/cluster.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <tuple>
#include <vector>
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

/// Invokes every (node, operation, context) of `ops` at once and runs until all complete; their
/// completion events, in order.
template <class Node>
std::vector<replica::check::event> concurrently(replica::sim::cluster<Node>& c,
                                                const std::vector<std::tuple<replica::replica_id, replica::kv_op, replica::payload>>& ops,
                                                replica::duration timeout = std::chrono::seconds{1}) {
  std::vector<std::uint64_t> ps;
  for (const auto& [at, op, ctx] : ops) ps.push_back(c.invoke(at, op, timeout, std::nullopt, ctx));
  c.run_until(
      [&](auto& cl) {
        return std::all_of(ps.begin(), ps.end(), [&](std::uint64_t p) { return completion(cl.history(), p) != nullptr; });
      },
      c.now() + 3 * timeout.count());
  std::vector<replica::check::event> out;
  for (auto p : ps) {
    const auto* e = completion(c.history(), p);
    REQUIRE(e != nullptr);
    out.push_back(*e);
  }
  return out;
}

}  // namespace test
