#pragma once
/// \file
/// The nemesis: a fault schedule drawn per seed from a parameter set (as Jepsen's nemeses and
/// TigerBeetle's VOPR do), applied during a safety phase; then a liveness phase with every fault
/// stopped, in which the cluster must converge within a bound.

#include <replica/sim/cluster.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace replica::sim {

/// The kinds of fault a schedule can contain.
enum class fault_kind : std::uint8_t {
  isolate,         ///< cut one node off
  isolate_leader,  ///< cut off whichever node `leader_of` names when the fault starts
  split,           ///< majority / minority
  bridge,          ///< two halves that both see one node
  ring,            ///< every node sees a different majority
  crash,           ///< kill -9, restart at the end
  pause,           ///< SIGSTOP, SIGCONT at the end
  clock_skew,      ///< one node's clock jumps ahead or behind, reset at the end
  lossy,           ///< every link drops, duplicates and reorders messages
  replayed,        ///< every message sent during the fault is delivered again when it ends
};

constexpr std::string_view to_string(fault_kind k) noexcept {
  switch (k) {
    case fault_kind::isolate: return "isolate";
    case fault_kind::isolate_leader: return "isolate_leader";
    case fault_kind::split: return "split";
    case fault_kind::bridge: return "bridge";
    case fault_kind::ring: return "ring";
    case fault_kind::crash: return "crash";
    case fault_kind::pause: return "pause";
    case fault_kind::clock_skew: return "clock_skew";
    case fault_kind::lossy: return "lossy";
    case fault_kind::replayed: return "replayed";
  }
  return "?";
}

/// What faults to draw, how often, for how long.
struct nemesis_options {
  std::vector<fault_kind> kinds{fault_kind::isolate, fault_kind::split, fault_kind::crash, fault_kind::pause};
  duration safety = std::chrono::seconds{10};      ///< length of the fault phase
  duration mean_gap = std::chrono::milliseconds{800};    ///< between one fault's end and the next's start
  duration mean_fault = std::chrono::milliseconds{1500}; ///< how long a fault lasts
  duration max_skew = std::chrono::seconds{10};
  double loss = 0.2, duplicate = 0.1, reorder = 0.2;
  duration liveness_bound = std::chrono::seconds{10};  ///< after heal, convergence must come within this
};

/// One planned fault.
struct fault {
  sim_time start = 0, end = 0;
  fault_kind kind{};
  replica_id node{};     ///< for faults on one node
  duration skew{};       ///< clock_skew
  double loss = 0, duplicate = 0, reorder = 0;  ///< lossy
};

/// Draws a schedule: faults one after another (at most one active), over the safety phase.
inline std::vector<fault> plan_faults(const nemesis_options& o, std::size_t nodes, rng& g, sim_time from = 0) {
  std::vector<fault> out;
  if (o.kinds.empty()) return out;
  sim_time t = from + static_cast<sim_time>(g.exponential(static_cast<double>(o.mean_gap.count())));
  const sim_time end = from + o.safety.count();
  while (t < end) {
    fault f;
    f.kind = o.kinds[g.below(o.kinds.size())];
    f.start = t;
    f.end = std::min(end, t + 1 + static_cast<sim_time>(g.exponential(static_cast<double>(o.mean_fault.count()))));
    f.node = replica_id{static_cast<std::uint32_t>(g.below(nodes))};
    f.skew = duration{g.between(-o.max_skew.count(), o.max_skew.count())};
    f.loss = o.loss;
    f.duplicate = o.duplicate;
    f.reorder = o.reorder;
    out.push_back(f);
    t = f.end + 1 + static_cast<sim_time>(g.exponential(static_cast<double>(o.mean_gap.count())));
  }
  return out;
}

/// Stops every fault: heals the network, restores links, restarts crashed nodes, resumes
/// paused ones, resets clocks.
template <class Node>
void heal_everything(cluster<Node>& c) {
  c.net().heal();
  c.net().set_all_links(c.options().link);
  for (std::size_t i = 0; i < c.size(); ++i) {
    const replica_id r{static_cast<std::uint32_t>(i)};
    c.clock(r).reset();
    if (!c.up(r)) c.restart(r);
    if (c.paused(r)) c.resume(r);
  }
}

/// Schedules `faults` on `c`. `leader_of` names the node `isolate_leader` cuts off (a random
/// one if it answers nothing).
template <class Node>
void schedule_faults(cluster<Node>& c, const std::vector<fault>& faults,
                     std::function<std::optional<replica_id>(cluster<Node>&)> leader_of = {}) {
  for (const fault& f : faults) {
    c.at(f.start, [f, leader_of](cluster<Node>& cl) {
      const std::size_t n = cl.size();
      switch (f.kind) {
        case fault_kind::isolate: cl.net().isolate(f.node); break;
        case fault_kind::isolate_leader: {
          std::optional<replica_id> l = leader_of ? leader_of(cl) : std::nullopt;
          cl.net().isolate(l.value_or(f.node));
          break;
        }
        case fault_kind::split: {
          std::vector<replica_id> minority;
          for (std::size_t i = 0; i < (n - 1) / 2; ++i)
            minority.push_back(replica_id{static_cast<std::uint32_t>((f.node.value() + i) % n)});
          cl.net().split(minority);
          break;
        }
        case fault_kind::bridge: cl.net().bridge(f.node); break;
        case fault_kind::ring: cl.net().ring(); break;
        case fault_kind::crash: cl.crash(f.node); break;
        case fault_kind::pause: cl.pause(f.node); break;
        case fault_kind::clock_skew: cl.clock(f.node).jump(f.skew); break;
        case fault_kind::lossy: {
          link_config l = cl.options().link;
          l.loss = f.loss;
          l.duplicate = f.duplicate;
          l.reorder = f.reorder;
          cl.net().set_all_links(l);
          break;
        }
        case fault_kind::replayed: cl.record_messages(); break;
      }
    });
    c.at(f.end, [f](cluster<Node>& cl) {
      switch (f.kind) {
        case fault_kind::crash: cl.restart(f.node); break;
        case fault_kind::pause: cl.resume(f.node); break;
        case fault_kind::clock_skew: cl.clock(f.node).reset(); break;
        case fault_kind::lossy: cl.net().set_all_links(cl.options().link); break;
        case fault_kind::replayed: (void)cl.replay_recorded(); break;
        default: cl.net().heal(); break;
      }
    });
  }
}

/// Renders a schedule for a failure message: "crash n1 @1.20s-2.05s; split n0 @3.10s-..."
inline std::string describe(const std::vector<fault>& faults) {
  std::string s;
  for (const fault& f : faults) {
    if (!s.empty()) s += "; ";
    s += std::string{to_string(f.kind)} + " n" + std::to_string(f.node.value()) + " @" +
         std::to_string(static_cast<double>(f.start) / 1e6).substr(0, 5) + "s-" +
         std::to_string(static_cast<double>(f.end) / 1e6).substr(0, 5) + "s";
  }
  return s;
}

}  // namespace replica::sim
