#pragma once
/// \file
/// The follower's steps of a leader-based node (etcd's `stepFollower`, `handleAppendEntries`,
/// `handleSnapshot`): taking a leader's entries (the log's consistency check, a conflicting
/// suffix truncated and the applied state rewound, the new entries persisted, the commit index
/// learned) and a leader's snapshot (installed unless already held). A CRTP base of
/// `leader_based_node`: the state stays the node's, and the node befriends this class.

#include <replica/commit/ack_on.hpp>
#include <replica/core/ids.hpp>
#include <replica/topology/leader_based/events.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <variant>

namespace replica::leader_based_detail {

template <class Node>
class follower_steps {
 protected:
  Node& n() noexcept { return static_cast<Node&>(*this); }

  /// An append from the leader; `owned`: its entries, when the message is the node's to take.
  template <class Request, class Batch>
  void on_append(replica_id from, const Request& a, Batch* owned) {
    if (n().role_ != role::follower) n().become_follower(n().hard_.current, from);
    n().leader_ = from;
    n().last_heard_leader_ = n().now_;
    const auto c = n().log_.check_append(a.prev.index.value(), a.prev.term, a.entries, n().commit_);
    if (c.success) {
      if (c.first_new < a.entries.size()) {
        const std::uint64_t first = a.entries[c.first_new].index;
        if (c.conflict) {
          // A conflicting suffix. Under majority-style commit it is never below the commit
          // index; under asynchronous or degraded commit it can be (this node acknowledged
          // writes the cluster never had): rewind, as pg_rewind does, and report it.
          n().log_.truncate_after(first - 1);
          if (n().applied_ > n().last_index()) n().rewind();
          if (n().durable_index_ > n().last_index()) n().durable_index_ = n().last_index();
        }
        n().log_.append(a.entries.begin() + static_cast<std::ptrdiff_t>(c.first_new), a.entries.end());
        n().dirty_from_ = std::min(n().dirty_from_, first);
      }
      if (n().dirty_from_ != UINT64_MAX && Node::ack_point != ack_on::received) {
        if (c.first_new < a.entries.size() && n().dirty_from_ == a.entries[c.first_new].index) {
          // Exactly what this message brought: persist its slice, no copy (the batch itself,
          // when the message is ours and all of it is new).
          n().out_.persist.emplace_back(std::in_place_type<typename Node::log_write>, n().dirty_from_,
                                    owned && c.first_new == 0 ? std::move(*owned) : a.entries.slice(c.first_new));
          n().durable_index_ = n().last_index();
          n().dirty_from_ = UINT64_MAX;
        } else {
          n().flush();
        }
      }
      n().last_new_verified_ = std::max(c.last_new, a.prev.index.value());
      n().commit_ = std::max(n().commit_, std::min(a.commit, c.last_new));
      n().apply_committed();
    }
    if (a.rebuilt && c.success && n().hard_.rebuilding) finish_rebuild(from);
    // Acknowledge only what this request verified: entries past `last_new` may be stale ones
    // of an older term (etcd answers with lastnewi for the same reason).
    const std::uint64_t verified = c.success ? n().last_new_verified_ : n().last_index();
    n().template send_new<typename Node::append_response>(from, c.success, verified, std::min(n().durable_index_, verified), std::min(n().applied_, verified), c.hint,
                              a.read_round, c.need_snapshot, n().hard_.rebuilding);
  }
  /// A leader caught this rebuilding replica up (`append_request::rebuilt`): it votes and counts
  /// again. In this term it has followed `leader` and votes for no one else (it may have voted
  /// in this term before it lost its disk).
  void finish_rebuild(replica_id leader) {
    n().hard_.rebuilding = false;
    n().hard_.voted_for = leader;
    n().persist_hard_state();
    n().emit(leader_event::kind::rebuilt);
  }
  /// A leader's snapshot: replaces the state unless this replica already has it (or more).
  template <class Install>
  void on_install_snapshot(replica_id from, const Install& m) {
    if (n().role_ != role::follower) n().become_follower(n().hard_.current, from);
    n().leader_ = from;
    n().last_heard_leader_ = n().now_;
    const auto& s = m.snap;
    // Already have it (or a later compaction point): nothing to replace.
    // Below the entries my log holds only terms tell: logs' terms never decrease, so a leader's
    // term above my base's means my snapshot holds entries its log does not.
    const bool have_it = s.index <= n().commit_ && (s.index < n().log_.base_index() ? s.term <= n().log_.base_term()
                                                                             : n().log_.term_at(s.index) == s.term);
    if (!have_it) {
      const bool agrees = n().log_.contains(s.index) && n().log_.at(s.index).term == s.term;
      // Applied entries past the snapshot that the snapshot's log does not have are discarded.
      if (n().applied_ > s.index && !agrees) n().emit(leader_event::kind::rewound);
      n().log_.install(s.index, s.term, s.bytes);
      n().state_.install(s.state, s.sessions);
      n().applied_ = s.index;
      n().commit_ = agrees ? std::max(n().commit_, s.index) : s.index;
      n().durable_index_ = agrees ? std::max(s.index, std::min(n().durable_index_, n().last_index())) : s.index;
      if (n().dirty_from_ <= s.index) n().dirty_from_ = UINT64_MAX;
      n().out_.persist.push_back(s);
      n().emit(leader_event::kind::snapshot_installed);
      n().commit_ = std::max(n().commit_, std::min(m.commit, n().last_index()));
      n().apply_committed();
    }
    const std::uint64_t verified = std::max(s.index, std::min(n().commit_, n().last_index()));
    n().send(from, typename Node::append_response{.success = true,
                                                  .received = verified,
                                                  .flushed = std::min(n().durable_index_, verified),
                                                  .applied = std::min(n().applied_, verified),
                                                  .hint = 0,
                                                  .read_round = 0,
                                                  .need_snapshot = false,
                                                  .rebuilding = n().hard_.rebuilding});
  }
};

}  // namespace replica::leader_based_detail
