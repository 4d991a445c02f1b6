// libFuzzer target: the codec's decoder (io/codec.hpp) over arbitrary bytes. The first byte picks
// a wire type (messages in envelopes, persist entries and durable states of each topology); the
// rest is decoded as that type. Any input must give a value or an error (ASan and UBSan watch for
// anything else), and a value must encode back to exactly the bytes it came from (the codec is
// canonical): a difference aborts.
//   build/clang/fuzz/fuzz_codec_decode -max_total_time=60 CORPUS_COPY   (scripts/fuzz)
#include "../tests/support/arbitrary.hpp"

#include <replica/commit/majority.hpp>
#include <replica/crdt/or_set.hpp>
#include <replica/data/kv_store.hpp>
#include <replica/io/codec.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/crdt_merge.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/topology/leader_based.hpp>
#include <replica/topology/leader_based_node.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/topology/multi_leader.hpp>
#include <replica/topology/multi_leader_node.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>
#include <replica/versioning/version_vector.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <span>
#include <tuple>
#include <vector>

namespace {

using namespace replica;
using raft = replicator<leader_based, majority, cluster_size<3>>;
using lb_register = leader_based_node<raft>;
using lb_store = leader_based_node<raft, kv_store>;
using quorum3 = leaderless<n<3>, w<2>, r<2>>;
using ll_dvv = leaderless_node<replicator<quorum3, keep_siblings, dotted_version_vector>>;
using ll_vv = leaderless_node<replicator<quorum3, keep_siblings, version_vector<>>>;
using ll_or_set = leaderless_node<replicator<quorum3, crdt_merge, dotted_version_vector>, or_set<value_type>>;
using ml_lww = multi_leader_node<replicator<multi_leader, last_write_wins, hybrid_logical_clock>>;
using ml_or_set = multi_leader_node<replicator<multi_leader, crdt_merge>, or_set<value_type>>;

using types = std::tuple<envelope<lb_register::message>, lb_register::persist_entry, lb_register::durable_state,
                         envelope<lb_store::message>, lb_store::durable_state, envelope<ll_dvv::message>,
                         ll_dvv::persist_entry, ll_dvv::durable_state, envelope<ll_vv::message>, envelope<ll_or_set::message>,
                         envelope<ml_lww::message>, ml_lww::persist_entry, envelope<ml_or_set::message>,
                         ml_or_set::durable_state>;
constexpr std::size_t type_count = std::tuple_size_v<types>;

template <class T>
void check(std::span<const std::byte> bytes) {
  const result<T> v = io::decode<T>(bytes);
  if (!v) return;
  const std::vector<std::byte> again = io::encode(*v);
  if (again.size() != bytes.size() || !std::equal(again.begin(), again.end(), bytes.begin())) std::abort();
}

template <std::size_t... I>
void dispatch(std::size_t which, std::span<const std::byte> bytes, std::index_sequence<I...>) {
  (void)((which == I ? (check<std::tuple_element_t<I, types>>(bytes), true) : false) || ...);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  dispatch(data[0] % type_count, std::as_bytes(std::span{data + 1, size - 1}), std::make_index_sequence<type_count>{});
  return 0;
}

/// Seed inputs: for each type, a few encodings of arbitrary values (tests/support/arbitrary.hpp),
/// prefixed with the type's selector byte. `replay_codec_decode --write-seeds DIR` writes them.
std::vector<std::vector<std::byte>> replica_fuzz_seeds() {
  std::vector<std::vector<std::byte>> out;
  std::mt19937_64 g{20261205};
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (..., [&] {
      for (int k = 0; k < 3; ++k) {
        std::vector<std::byte> b{static_cast<std::byte>(I)};
        io::encode_to(test::arbitrary<std::tuple_element_t<I, types>>(g), b);
        out.push_back(std::move(b));
      }
    }());
  }(std::make_index_sequence<type_count>{});
  return out;
}
