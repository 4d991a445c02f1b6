// expect: replica::leaderless_node: keeping siblings needs a version type that makes a write's version
#include <replica/core/fields.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>

#include <map>

// A partially ordered version type (a version vector of its own) with no version_traits::next:
// the node could not make a write's version that supersedes exactly what its client read.
struct my_vector {
  using family = replica::versioning_tag;
  static constexpr bool totally_ordered = false;
  static constexpr bool causal_advance = true;
  std::map<std::uint32_t, std::uint64_t> counters;
  [[nodiscard]] replica::causal_order compare(const my_vector&) const { return replica::causal_order::concurrent; }
  void merge(const my_vector&) {}
  replica::status advance(replica::replica_id r, replica::local_time) {
    ++counters[r.value()];
    return {};
  }
  friend bool operator==(const my_vector&, const my_vector&) = default;
  REPLICA_FIELDS(counters);
};

using R = replica::replicator<replica::leaderless<>, replica::keep_siblings, my_vector>;
constexpr std::size_t size = sizeof(replica::leaderless_node<R>);
