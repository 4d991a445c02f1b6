// `siblings`: sibling explosion. Several clients take turns writing one key through the same
// replica, never reading; each passes back the context its previous write returned (as a Riak
// client with return_body does). With dotted version vectors each write supersedes exactly the
// client's own previous one, so the siblings stay at the number of writers. With one version
// vector per key (Riak before 2.0) a context that does not cover the whole key cannot say which
// siblings it saw, so every old sibling is kept: they grow with every write. Nothing is lost
// either way (each writer's last value is among the final siblings).
#include "experiment.hpp"

#include <replica/replicator.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/leaderless.hpp>
#include <replica/topology/leaderless_node.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/version_vector.hpp>

#include <algorithm>

namespace lab {
namespace {

using namespace replica;
using namespace std::chrono_literals;

using topo = leaderless<n<3>, w<2>, r<2>>;
using dvv_node = leaderless_node<replicator<topo, keep_siblings, dotted_version_vector>>;
using vv_node = leaderless_node<replicator<topo, keep_siblings, version_vector<>>>;

struct params {
  std::vector<std::size_t> writers{1, 2, 4, 8};
  std::size_t rounds = 20;
};

struct measured {
  std::size_t max_siblings = 0, final_siblings = 0, writes = 0, last_writes_kept = 0;
};

template <class Node>
measured run_once(std::size_t writers, std::size_t rounds, std::uint64_t seed) {
  sim::cluster_options o;
  o.nodes = 3;
  o.seed = seed;
  o.link.latency = sim::uniform_latency{1ms, 3ms};
  typename Node::config cfg;
  cfg.nodes = 3;
  sim::cluster<Node> c{o, cfg};
  std::vector<payload> ctx(writers);
  measured m;
  auto wait = [&](std::uint64_t p) {
    c.run_until([&](auto& cl) { return completion(cl.history(), p) != nullptr; }, c.now() + 2'000'000);
    return completion(c.history(), p);
  };
  for (std::size_t round = 0; round < rounds; ++round)
    for (std::size_t w = 0; w < writers; ++w) {
      const auto p = c.invoke(replica_id{0}, {op_kind::write, 1, static_cast<value_type>(w * 100000 + round)}, 1s, std::nullopt, ctx[w]);
      const auto* e = wait(p);
      if (e && e->type == check::event_type::ok) ++m.writes;
      ctx[w] = c.last_context(p);
      for (std::uint32_t i = 0; i < 3; ++i) m.max_siblings = std::max(m.max_siblings, c.node(replica_id{i})->values(1).size());
    }
  c.run_for(100ms);
  const auto p = c.invoke(replica_id{1}, {op_kind::read, 1});
  if (const auto* e = wait(p); e && e->type == check::event_type::ok) {
    std::vector<value_type> vs = e->siblings;
    if (vs.empty() && e->value) vs.push_back(*e->value);
    m.final_siblings = vs.size();
    for (std::size_t w = 0; w < writers; ++w)
      m.last_writes_kept += std::count(vs.begin(), vs.end(), static_cast<value_type>(w * 100000 + rounds - 1)) == 1 ? 1 : 0;
  }
  return m;
}

class siblings_experiment final : public experiment {
 public:
  std::string name() const override { return "siblings"; }
  std::string summary() const override { return "sibling explosion: dotted version vectors vs one version vector per key"; }
  void add_options(CLI::App& app) override {
    app.add_option("--writers", p_.writers, "concurrent writers, one row per count and version type")->capture_default_str()->check(CLI::Range(1, 64));
    app.add_option("--rounds", p_.rounds, "writes per writer")->capture_default_str()->check(CLI::Range(1, 1000));
  }
  figure plot(const outcome& o) const override {
    figure f;
    f.bars = true;
    std::vector<std::string> versions;
    for (const auto& row : o.rows) {
      const std::string w = "writers=" + row.at("writers").dump();
      if (std::find(f.categories.begin(), f.categories.end(), w) == f.categories.end()) f.categories.push_back(w);
      const std::string v = row.at("version").get<std::string>();
      if (std::find(versions.begin(), versions.end(), v) == versions.end()) versions.push_back(v);
    }
    for (const auto& v : versions) {
      figure::series s{v, {}, false};
      for (const auto& row : o.rows)
        if (row.at("version").get<std::string>() == v) {
          const auto at = std::find(f.categories.begin(), f.categories.end(), "writers=" + row.at("writers").dump());
          s.points.emplace_back(at - f.categories.begin(), row.at("max_siblings").get<double>());
        }
      f.data.push_back(std::move(s));
    }
    f.title = "siblings: how many siblings a key holds at most, per version type \n(" + params_text(o, {"rounds", "n", "w", "r"}) + ")";
    f.xlabel = "concurrent writers";
    f.ylabel = "most siblings at once";
    return f;
  }
  outcome run(std::uint64_t seed, std::uint64_t seeds) const override {
    outcome o;
    o.params = {{"rounds", p_.rounds}, {"n", 3}, {"w", 2}, {"r", 2}};
    meter().start(name(), 2 * p_.writers.size() * seeds, "runs");
    for (std::size_t writers : p_.writers)
      for (const char* version : {"dotted_version_vector", "version_vector"}) {
        measured total;
        for (const std::uint64_t s : seeds_from(seed, seeds)) {
          const measured m = std::string_view{version} == "version_vector" ? run_once<vv_node>(writers, p_.rounds, s)
                                                                            : run_once<dvv_node>(writers, p_.rounds, s);
          total.max_siblings = std::max(total.max_siblings, m.max_siblings);
          total.final_siblings = std::max(total.final_siblings, m.final_siblings);
          total.writes += m.writes;
          total.last_writes_kept += m.last_writes_kept;
        }
        o.rows.push_back({{"version", version},
                          {"writers", writers},
                          {"writes", total.writes},
                          {"max_siblings", total.max_siblings},
                          {"final_siblings", total.final_siblings},
                          {"last_writes_lost", writers * seeds - total.last_writes_kept}});
      }
    o.columns = {"version", "writers", "writes", "max_siblings", "final_siblings", "last_writes_lost"};
    o.note = "no reads between writes; each write passes the context its previous write returned. max_siblings: "
             "the most any replica held; last_writes_lost: writers whose last write is missing from the final read";
    return o;
  }

 private:
  params p_;
};

}  // namespace

std::unique_ptr<experiment> make_siblings_experiment() { return std::make_unique<siblings_experiment>(); }

}  // namespace lab
