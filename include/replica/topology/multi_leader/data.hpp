#pragma once
/// \file
/// What each key of a multi-leader replicator holds unless the user names a CRDT: one data type
/// of data/kv_data.hpp per resolver (`last_write_wins`: an LWW register; `keep_siblings`: the
/// siblings register; `merge_with<F>`: siblings read through F; `crdt_merge`: the CRDT named),
/// and how a node's second parameter splits into its data model and that data type.

#include <replica/data/data_model.hpp>
#include <replica/data/kv_data.hpp>
#include <replica/data/kv_register.hpp>
#include <replica/resolve/crdt_merge.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/resolve/merge_with.hpp>

#include <optional>
#include <type_traits>

namespace replica {

namespace detail {
template <class Resolver, class Versioning, class Value>
struct default_data {
  static_assert(!std::is_same_v<Resolver, crdt_merge>,
                "replica::multi_leader_node: with crdt_merge, name the CRDT each key holds, for example "
                "multi_leader_node<R, pn_counter> or multi_leader_node<R, or_set<value_type>> "
                "(docs/diagnostics.md#crdt-needs-type)");
  using type = void;
};
template <class V, class Value>
struct default_data<last_write_wins, V, Value> {
  using type = lww_register<std::optional<Value>, V>;
};
template <class V, class Value>
struct default_data<keep_siblings, V, Value> {
  using type = basic_sibling_register<Value>;
};
template <class F, class V, class Value>
struct default_data<merge_with<F>, V, Value> {
  using type = merged_register<F, Value>;
};
}  // namespace detail

/// What each key of a multi-leader replicator `R` holds unless the user names a CRDT: a register
/// of `Value`s (the data model's) of the resolver's kind.
template <class R, class Value = value_type>
using default_data_t = typename detail::default_data<typename R::resolver, typename R::versioning, Value>::type;

namespace detail {
template <class D>
struct is_sibling_register : std::false_type {};
template <class T>
struct is_sibling_register<basic_sibling_register<T>> : std::true_type {};
template <class F, class T>
struct is_sibling_register<merged_register<F, T>> : std::true_type {};

/// The data model and the data type of a node's second parameter: a data model (its values in
/// the resolver's register), or a CRDT (over the integer registers' operations).
template <class R, class Data, bool IsModel = data_model<Data>>
struct multi_leader_types {
  using model = Data;
  using data = default_data_t<R, typename Data::value_type>;
};
template <class R, class Data>
struct multi_leader_types<R, Data, false> {
  using model = kv_register;
  using data = Data;
};
}  // namespace detail

}  // namespace replica
