#pragma once
/// \file
/// What the leader-based node reads off its composed policies, with the documented defaults:
/// the commit mode's ack point and behaviour when acks are missing, the read policy's lease,
/// drift bound and stale-token handling, and the election policy.

#include <replica/commit/ack_on.hpp>
#include <replica/reads/eventual_reads.hpp>
#include <replica/topology/leader_based/election.hpp>

#include <cstdint>

namespace replica {

namespace detail {
template <class C>
constexpr ack_on ack_point_of() {
  if constexpr (requires { C::ack_point; })
    return C::ack_point;
  else
    return ack_on::flushed;
}
template <class C>
struct when_missing_of {
  using type = when_acks_missing::block;
};
template <class C>
  requires requires { typename C::when_missing; }
struct when_missing_of<C> {
  using type = typename C::when_missing;
};
template <class Reads>
constexpr bool lease_of() {
  if constexpr (requires { Reads::lease; }) return Reads::lease; else return false;
}
template <class Reads>
constexpr std::uint32_t drift_ppm_of() {
  if constexpr (requires { Reads::max_drift_ppm; }) return Reads::max_drift_ppm; else return 0;
}
template <class Reads>
constexpr on_stale_token stale_token_of() {
  if constexpr (requires { Reads::stale_token; }) return Reads::stale_token; else return on_stale_token::redirect;
}
template <class Reads>
constexpr std::uint32_t wait_ms_of() {
  if constexpr (requires { Reads::wait_ms; }) return Reads::wait_ms; else return 1000;
}
template <class P>
struct election_or_default {
  using type = P;
};
template <>
struct election_or_default<void> {
  using type = raft_election;
};
}  // namespace detail
}  // namespace replica
