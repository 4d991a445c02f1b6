#pragma once
/// \file
/// What a leader-based node checks of a peer's message before anything changes (issue 27,
/// point 1; docs/design.md, "What a node trusts"). Values that no correct peer sends are refused
/// with `errc::out_of_range`:
/// - a term, index, commit index, byte count or read round at or above 2^63, so no arithmetic on
///   it (a term's next, an index plus one, a sum of bytes) can wrap, and no single message can
///   push a replica's term to where elections wedge;
/// - a log position whose term is above the message's term (a leader's or candidate's log holds
///   no entry of a term after its own);
/// - an append whose entries are not numbered consecutively after `prev`, or whose terms
///   decrease or pass the message's term (a log's terms never decrease);
/// - an entry whose request id is at or above 2^63, or whose cluster time is negative, at or
///   above 2^62 µs, or below the entry's before it in the append;
/// - a snapshot above the message's term, or whose sessions hold such ids or times.
/// Which replica sent it, to whom and for which group is checked by the node before this.

#include <replica/core/ids.hpp>
#include <replica/core/result.hpp>

#include <cstdint>
#include <variant>

namespace replica::leader_based_detail {

/// Terms and positions at or above this are refused.
inline constexpr std::uint64_t position_limit = std::uint64_t{1} << 63;

/// `Wire`: the node's `wire` (its message types).
template <class Wire>
struct boundary {
  static status check(replica::term t, const typename Wire::message& m) {
    if (t.value() >= position_limit) return error{errc::out_of_range, "a term at or above 2^63"};
    return std::visit([&](const auto& p) { return payload(t, p); }, m);
  }

 private:
  static bool small(std::uint64_t v) noexcept { return v < position_limit; }
  /// Cluster time (µs): from 0 (the group's first leader) to 2^62 (146,000 years).
  static bool time_ok(std::int64_t v) noexcept { return v >= 0 && v < (std::int64_t{1} << 62); }
  static status position(replica::term t, const log_position& p) {
    if (!small(p.index.value())) return error{errc::out_of_range, "a log index at or above 2^63"};
    if (p.term > t) return error{errc::out_of_range, "a log position whose term is above the message's"};
    return {};
  }

  static status payload(replica::term t, const typename Wire::vote_request& v) { return position(t, v.last); }
  static status payload(replica::term, const typename Wire::vote_response&) { return {}; }
  static status payload(replica::term t, const typename Wire::append_request& a) {
    if (auto s = position(t, a.prev); !s) return s;
    if (!small(a.commit) || !small(a.read_round)) return error{errc::out_of_range, "a commit index or read round at or above 2^63"};
    std::uint64_t expect = a.prev.index.value() + 1;  // (no wrap: prev's index is below 2^63, the count below 2^32)
    replica::term last = a.prev.term;
    std::int64_t last_time = 0;
    for (const auto& e : a.entries) {
      if (e.index != expect++) return error{errc::out_of_range, "entries not numbered consecutively after prev"};
      if (e.term < last || e.term > t) return error{errc::out_of_range, "entry terms that decrease or pass the message's term"};
      if (!small(e.request.value()) || !time_ok(e.time) || e.time < last_time)
        return error{errc::out_of_range, "an entry's request id at or above 2^63, or a cluster time out of bounds or going back"};
      last = e.term;
      last_time = e.time;
    }
    return {};
  }
  static status payload(replica::term, const typename Wire::append_response& r) {
    if (!small(r.received) || !small(r.flushed) || !small(r.applied) || !small(r.hint) || !small(r.read_round))
      return error{errc::out_of_range, "an acknowledged position or read round at or above 2^63"};
    return {};
  }
  static status payload(replica::term t, const typename Wire::install_snapshot& m) {
    if (auto s = position(t, {m.snap.term, log_index{m.snap.index}}); !s) return s;
    if (!small(m.commit) || !small(m.snap.bytes)) return error{errc::out_of_range, "a snapshot's commit index or size at or above 2^63"};
    if (!time_ok(m.snap.sessions.time)) return error{errc::out_of_range, "a snapshot's cluster time out of bounds"};
    for (const auto& r : m.snap.sessions.records)
      if (!small(r.last.value()) || !time_ok(r.active) || r.active > m.snap.sessions.time)
        return error{errc::out_of_range, "a snapshot's session with a request id or time out of bounds"};
    return {};
  }
  static status payload(replica::term, const typename Wire::timeout_now&) { return {}; }
};

}  // namespace replica::leader_based_detail
