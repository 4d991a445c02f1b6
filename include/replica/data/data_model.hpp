#pragma once
/// \file
/// The data-model concept: what the topologies that store per-key values (leaderless; not a log)
/// need of the user's data, as the leader-based node needs a `state_machine`. A model names its
/// key type, its value type and the operation a request carries, and says how an operation maps
/// onto them: which key, what kind of access, which value. The node then stores versions of
/// values per key (or a CRDT per key), places keys on its ring by `key_id`, and answers a read
/// with the values it holds (several, when concurrent writes are kept as siblings):
/// `basic_client_reply<std::vector<value_type>>`.
///
///   replica::leaderless_node<dynamo_like> node{...};                     // kv_register (the default)
///   replica::leaderless_node<dynamo_like, replica::kv_store> strings{...};  // string keys and values
///
/// Minimal complete definition (static members of `M`):
/// - `key_type` (encodable, totally ordered), `value_type` (encodable, totally ordered: siblings
///   are answered sorted), `operation` (encodable);
/// - `data_access kind_of(const operation&)`: read, write, remove, add (a CRDT's update), cas
///   (needs one order of writes: refused by leaderless nodes), or other (refused, `unsupported`);
/// - `const key_type& key_of(const operation&)`; `value_type value_of(const operation&)` (a
///   write's value);
/// - `std::uint64_t key_id(const key_type&)`: where the key sits on the ring and in the Merkle
///   tree (equal keys, equal ids; for integer keys the key itself keeps today's placement).
/// Optional: `status admit(const operation&)`: refuses what the model cannot keep (the register
/// refuses a write carrying an opaque body: never acknowledged and then dropped).
///
/// Laws (tests/data/data_model.cpp): `key_of`, `kind_of`, `value_of` and `key_id` are functions
/// of the operation (deterministic); `key_id` agrees with key equality.

#include <replica/core/codec_traits.hpp>
#include <replica/core/result.hpp>

#include <concepts>
#include <cstdint>
#include <string_view>

namespace replica {

/// What an operation does to its key.
enum class data_access : std::uint8_t { read, write, remove, add, cas, other };

constexpr std::string_view to_string(data_access a) noexcept {
  switch (a) {
    case data_access::read: return "read";
    case data_access::write: return "write";
    case data_access::remove: return "remove";
    case data_access::add: return "add";
    case data_access::cas: return "cas";
    case data_access::other: return "other";
  }
  return "?";
}

template <class M>
concept data_model =
    requires {
      typename M::key_type;
      typename M::value_type;
      typename M::operation;
    } && encodable<typename M::key_type> && encodable<typename M::value_type> && encodable<typename M::operation> &&
    std::totally_ordered<typename M::key_type> && std::totally_ordered<typename M::value_type> &&
    std::default_initializable<typename M::value_type> &&
    requires(const typename M::operation& op, const typename M::key_type& k) {
      { M::kind_of(op) } -> std::same_as<data_access>;
      { M::key_of(op) } -> std::convertible_to<const typename M::key_type&>;
      { M::value_of(op) } -> std::convertible_to<typename M::value_type>;
      { M::key_id(k) } -> std::same_as<std::uint64_t>;
    };

/// `M::admit(op)` if the model has one, else accepted.
template <class M>
status admit(const typename M::operation& op) {
  if constexpr (requires { { M::admit(op) } -> std::same_as<status>; })
    return M::admit(op);
  else
    return {};
}

}  // namespace replica
