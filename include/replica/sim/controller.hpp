#pragma once
/// \file
/// Runs a `failover_controller` on a simulated cluster of leader-based nodes: every `interval`
/// of true time it observes each live, unpaused node (the controller is reachable from every
/// node, like Kafka's controller or Patroni's consensus store) and carries out a promotion.

#include <replica/sim/cluster.hpp>
#include <replica/topology/leader_based/failover_controller.hpp>


namespace replica::sim {

/// One observation round; schedules the next while before `stop`.
template <class Node>
struct controller_round {
  failover_controller* ctl;
  duration interval;
  sim_time stop;
  void operator()(cluster<Node>& cl) const {
    ctl->begin_round(local_time{duration{cl.now()}});
    for (std::uint32_t i = 0; i < cl.size(); ++i)
      if (const Node* n = cl.node(replica_id{i}); n && !cl.paused(replica_id{i})) ctl->observe(replica_id{i}, n->report());
    if (auto p = ctl->decide()) {
      const replica::term t = p->term;
      (void)cl.operate(p->to, [t](Node& n, local_time now) { return n.promote(now, t); });
    }
    if (cl.now() + interval.count() <= stop) cl.at(cl.now() + interval.count(), *this);
  }
};

/// Observes every `interval` until true time `stop`. The controller must outlive the run.
template <class Node>
void run_failover_controller(cluster<Node>& c, failover_controller& ctl, duration interval, sim_time stop) {
  c.at(c.now(), controller_round<Node>{&ctl, interval, stop});
}

}  // namespace replica::sim
