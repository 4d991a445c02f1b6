// Experiment `versions`: how often does each version type recognise concurrent writes as
// concurrent? Every node of a cluster accepts writes to one key at a given rate and broadcasts
// them; each receipt compares the incoming version with the stored one, under every version
// type at once (so all see the same message timing), against the ground truth of which writes
// each write had seen. Totally ordered types order concurrent writes silently (what
// last-write-wins then discards); a physical clock with a skewed node even orders causally
// later writes first.
#include "experiment.hpp"

#include <replica/sim/cluster.hpp>
#include <replica/versioning.hpp>

#include <algorithm>
#include <array>
#include <tuple>

namespace lab {
namespace {

using namespace replica;
using namespace std::chrono_literals;

constexpr std::size_t max_nodes = 8;
using versions = std::tuple<physical_clock, lamport_clock, hybrid_logical_clock, version_vector<max_nodes>,
                            version_vector<>, dotted_version_vector, dvv_set>;
constexpr std::size_t type_count = std::tuple_size_v<versions>;
constexpr std::array<const char*, type_count> type_names{"physical_clock", "lamport_clock", "hybrid_logical_clock",
                                                         "version_vector<8>", "version_vector<>",
                                                         "dotted_version_vector", "dvv_set"};

/// Per version type: what its comparisons said against the truth.
struct tally {
  std::uint64_t comparisons = 0, truly_concurrent = 0, detected = 0, false_concurrent = 0, inversions = 0;
};

/// The exact causal past of a write, as how many of each node's writes it had seen (itself
/// included). Exact, not an estimate: a node's own writes each see all its earlier ones, so
/// the writes of one node that any past holds are always a prefix of them, and a count per
/// node says which. (A set of write ids says the same at a cost that grows with the run.)
using history_set = std::array<std::uint64_t, max_nodes>;

/// Whether causal past `a` holds everything `b` holds.
bool includes(const history_set& a, const history_set& b) {
  for (std::size_t i = 0; i < max_nodes; ++i)
    if (a[i] < b[i]) return false;
  return true;
}

/// A node that stamps every write with every version type and tallies each receipt.
struct probe_node {
  struct stamped {
    std::uint64_t id = 0;
    versions v{};
    history_set seen{};
  };
  struct message {
    stamped write;
  };
  using persist_entry = int;
  using durable_state = int;
  struct config {
    std::size_t nodes = 3;
    std::shared_ptr<std::array<tally, type_count>> tallies;
  };
  struct event {};

  probe_node(replica_id self, const config& cfg, const durable_state&) : self_{self}, cfg_{cfg} {}

  status step(const envelope<message>& m, local_time now) {
    if (m.from.value() >= cfg_.nodes) return error{errc::unknown_replica, "sender not in the cluster"};
    const stamped& in = m.payload.write;
    if (has_value_) judge(in);
    // Keep the join, as a replica that tracks what it has seen does.
    merge_into(current_, in);
    has_value_ = true;
    (void)now;
    return {};
  }
  void tick(local_time) {}
  void submit(const client_request<kv_op>& req, local_time now) {
    stamped w = current_;
    w.id = (std::uint64_t{self_.value()} << 40) | ++writes_;
    w.seen[self_.value()] = writes_;
    advance_all(w, now);
    current_ = w;
    has_value_ = true;
    for (std::uint32_t i = 0; i < cfg_.nodes; ++i)
      if (i != self_.value()) out_.messages.push_back({self_, replica_id{i}, group_id{0}, term{0}, message{w}});
    out_.replies.push_back(client_reply{req.client, req.id});
  }
  sim::effects_of<probe_node>& effects() { return out_; }
  static void persist(durable_state&, const persist_entry&) {}

 private:
  template <std::size_t... I>
  void advance_each(stamped& w, local_time now, std::index_sequence<I...>) {
    ((advance_one(std::get<I>(w.v), now)), ...);
  }
  template <class V>
  void advance_one(V& v, local_time now) {
    if constexpr (std::is_same_v<V, dvv_set>)
      v.update(v.join(), "w", self_);
    else
      (void)v.advance(self_, now);
  }
  void advance_all(stamped& w, local_time now) { advance_each(w, now, std::make_index_sequence<type_count>{}); }

  template <std::size_t... I>
  void merge_each(stamped& into, const stamped& in, std::index_sequence<I...>) {
    ((std::get<I>(into.v).merge(std::get<I>(in.v))), ...);
  }
  void merge_into(stamped& into, const stamped& in) {
    merge_each(into, in, std::make_index_sequence<type_count>{});
    for (std::size_t i = 0; i < max_nodes; ++i) into.seen[i] = std::max(into.seen[i], in.seen[i]);
  }

  template <std::size_t... I>
  void judge_each(const stamped& in, bool concurrent, bool in_after, std::index_sequence<I...>) {
    ((judge_one(I, std::get<I>(current_.v).compare(std::get<I>(in.v)), concurrent, in_after)), ...);
  }
  void judge_one(std::size_t i, causal_order said, bool concurrent, bool in_after) {
    tally& t = (*cfg_.tallies)[i];
    ++t.comparisons;
    t.truly_concurrent += concurrent;
    if (concurrent && said == causal_order::concurrent) ++t.detected;
    if (!concurrent && said == causal_order::concurrent) ++t.false_concurrent;
    if (in_after && said == causal_order::after) ++t.inversions;  // a later write judged older
  }
  void judge(const stamped& in) {
    const bool in_saw_current = includes(in.seen, current_.seen);
    const bool current_saw_in = includes(current_.seen, in.seen);
    if (in_saw_current && current_saw_in) return;  // a duplicate of what we hold
    judge_each(in, !in_saw_current && !current_saw_in, in_saw_current, std::make_index_sequence<type_count>{});
  }

  replica_id self_;
  config cfg_;
  stamped current_;
  bool has_value_ = false;
  std::uint64_t writes_ = 0;
  sim::effects_of<probe_node> out_;
};
static_assert(sim::simulated_node<probe_node>);

class versions_experiment final : public experiment {
 public:
  std::string name() const override { return "versions"; }
  std::string summary() const override {
    return "how often each version type detects concurrent writes as concurrent (and orders causal ones wrongly)";
  }
  void add_options(CLI::App& app) override {
    app.add_option("--nodes", nodes_, "replicas accepting writes (2..8)")->capture_default_str();
    app.add_option("--rate", rate_, "writes per second at each node")->capture_default_str();
    app.add_option("--latency-ms", latency_ms_, "mean one-way message latency (exponential), ms")->capture_default_str();
    app.add_option("--skew-ms", skew_ms_, "node 0's clock offset, ms (positive: ahead)")->capture_default_str();
    app.add_option("--duration-s", duration_s_, "simulated seconds of writing")->capture_default_str();
  }
  std::string validate() const override {
    if (nodes_ < 2 || nodes_ > max_nodes) return "--nodes must be in 2..8";
    if (!(rate_ > 0 && rate_ <= 10'000)) return "--rate must be in (0, 10000]";
    if (!(latency_ms_ >= 0 && latency_ms_ <= 60'000)) return "--latency-ms must be in [0, 60000]";
    if (!(duration_s_ > 0 && duration_s_ <= 3600)) return "--duration-s must be in (0, 3600]";
    return {};
  }
  figure plot(const outcome& o) const override {
    figure f = bars_by_row(o, [](const auto& row) { return row.at("versioning").template get<std::string>(); },
                           {{"detection_rate", "concurrent pairs detected (share)"}});
    figure::series inv{"causally later write judged older (count)", {}, true};
    for (std::size_t i = 0; i < o.rows.size(); ++i) inv.points.emplace_back(i, o.rows[i].at("causal_inversions").get<double>());
    f.data.push_back(std::move(inv));
    f.title = "versions: concurrent writes each version type detects \n(" +
              params_text(o, {"nodes", "rate", "latency_ms", "skew_ms", "duration_s"}) + ")";
    f.xlabel = "version type";
    f.ylabel = "share of truly concurrent pairs detected";
    f.y2label = "causal inversions (count)";
    f.ymax = 1.05;
    return f;
  }
  outcome run(std::uint64_t seed, std::uint64_t seeds) const override {
    auto tallies = std::make_shared<std::array<tally, type_count>>();
    meter().start(name(), seeds, "runs");
    for (const std::uint64_t s : seeds_from(seed, seeds)) {
      sim::cluster_options o;
      o.nodes = nodes_;
      o.seed = s;
      o.link.latency = sim::exponential_latency{duration{static_cast<std::int64_t>(latency_ms_ * 1000)}, 200us};
      o.client_latency = sim::constant_latency{0us};
      sim::cluster<probe_node> c{o, {nodes_, tallies}};
      c.clock(replica_id{0}).set_offset(duration{static_cast<std::int64_t>(skew_ms_ * 1000)});
      sim::session_options w;
      w.clients = nodes_;  // one writer per node
      w.read_weight = 0;
      w.think = sim::exponential_latency{duration{static_cast<std::int64_t>(1e6 / rate_)}, 0us};
      w.stop = static_cast<sim::sim_time>(duration_s_ * 1e6);
      c.add_sessions(w);
      c.run_until(w.stop + 10'000'000);
    }
    outcome out;
    out.params = {{"nodes", nodes_}, {"rate", rate_}, {"latency_ms", latency_ms_}, {"skew_ms", skew_ms_},
                  {"duration_s", duration_s_}, {"seeds", seeds}};
    out.columns = {"versioning", "comparisons", "truly_concurrent", "detected_concurrent", "detection_rate",
                   "false_concurrent", "causal_inversions"};
    for (std::size_t i = 0; i < type_count; ++i) {
      const tally& t = (*tallies)[i];
      const double rate = t.truly_concurrent ? static_cast<double>(t.detected) / static_cast<double>(t.truly_concurrent) : 0.0;
      out.rows.push_back({{"versioning", type_names[i]},
                          {"comparisons", t.comparisons},
                          {"truly_concurrent", t.truly_concurrent},
                          {"detected_concurrent", t.detected},
                          {"detection_rate", std::round(rate * 1000) / 1000},
                          {"false_concurrent", t.false_concurrent},
                          {"causal_inversions", t.inversions}});
    }
    out.note = "totally ordered types never detect concurrency: last-write-wins would discard one side of each "
               "truly concurrent pair; a skewed physical clock also inverts causally ordered writes";
    return out;
  }

 private:
  std::size_t nodes_ = 3;
  double rate_ = 20;
  double latency_ms_ = 20;
  double skew_ms_ = 100;
  double duration_s_ = 10;
};

}  // namespace

std::unique_ptr<experiment> make_versions_experiment() { return std::make_unique<versions_experiment>(); }

}  // namespace lab
