// `conflicts` and `cart`: multi-leader replication between regions, per conflict resolver.
//
// Both run rounds on the simulator: in each round every client, at its region's leader, reads a
// set and writes it back with one change (read-modify-write of a bitmask register under LWW,
// siblings or a union merge function; an operation on an OR-Set, which needs no read), all
// clients at once. A round isolates one region with probability --partition. Between regions a
// message takes --wan-ms-lo..--wan-ms-hi; region i's clock runs i * --skew-ms ahead. After the
// rounds the network heals; then the final state is read.
#include "experiment.hpp"

#include <replica/crdt/or_set.hpp>
#include <replica/replicator.hpp>
#include <replica/resolve/crdt_merge.hpp>
#include <replica/resolve/keep_siblings.hpp>
#include <replica/resolve/last_write_wins.hpp>
#include <replica/resolve/merge_with.hpp>
#include <replica/sim/cluster.hpp>
#include <replica/topology/multi_leader_node.hpp>
#include <replica/versioning/dotted_version_vector.hpp>
#include <replica/versioning/hybrid_logical_clock.hpp>
#include <replica/versioning/lamport_clock.hpp>
#include <replica/versioning/physical_clock.hpp>

#include <algorithm>
#include <set>

namespace lab {
namespace {

using namespace replica;
using namespace std::chrono_literals;

/// The union of two sets encoded as bitmasks (items 0..62): the Dynamo cart's merge.
struct bit_union {
  value_type operator()(value_type a, value_type b) const { return a | b; }
};

template <class V>
using lww_leader = multi_leader_node<replicator<multi_leader, last_write_wins, V>>;
using sibling_leader = multi_leader_node<replicator<multi_leader, keep_siblings, dotted_version_vector>>;
using union_leader = multi_leader_node<replicator<multi_leader, merge_with<bit_union>, dotted_version_vector>>;
using or_set_leader = multi_leader_node<replicator<multi_leader, crdt_merge>, or_set<value_type>>;

struct region_params {
  std::size_t regions = 2;
  std::size_t clients_per_region = 2;
  std::size_t rounds = 30;
  std::size_t keys = 4;
  double partition = 0.3;
  double wan_lo = 20, wan_hi = 80, skew_ms = 200;
  double remove_share = 0;  ///< cart: the share of operations that remove an item
  double write_share = 0.5;  ///< the probability a client writes in a round
};

/// One operation a client made and how it ended.
struct done_op {
  key_type key = 0;
  value_type item = 0;
  bool remove = false;
  bool ok = false;
};

struct run_result {
  std::vector<done_op> ops;
  std::map<key_type, std::set<value_type>> final_items;
  std::size_t sibling_reads = 0;
  std::uint64_t discards_counted = 0;
  double convergence_ms = 0;
};

std::set<value_type> bits(value_type v) {
  std::set<value_type> out;
  for (value_type i = 0; i < 63; ++i)
    if (v & (value_type{1} << i)) out.insert(i);
  return out;
}

/// The rounds described above, on leaders of type `Node` (`rmw`: bitmask register).
template <class Node>
run_result run_regions(const region_params& p, std::uint64_t seed, bool rmw) {
  sim::cluster_options o;
  o.nodes = p.regions;
  o.seed = seed;
  o.link.latency = sim::uniform_latency{duration{static_cast<std::int64_t>(p.wan_lo * 1000)}, duration{static_cast<std::int64_t>(p.wan_hi * 1000)}};
  typename Node::config cfg;
  cfg.nodes = p.regions;
  sim::cluster<Node> c{o, cfg};
  for (std::size_t r = 0; r < p.regions; ++r)
    c.clock(replica_id{static_cast<std::uint32_t>(r)}).set_offset(duration{static_cast<std::int64_t>(p.skew_ms * 1000 * static_cast<double>(r))});
  sim::rng g{seed * 7919 + 1};
  run_result out;
  std::map<key_type, value_type> next_item;
  auto wait_all = [&](const std::vector<std::uint64_t>& ps) {
    c.run_until([&](auto& cl) { return std::all_of(ps.begin(), ps.end(), [&](auto x) { return completion(cl.history(), x) != nullptr; }); },
                c.now() + 5'000'000);
  };
  const std::size_t clients = p.regions * p.clients_per_region;
  for (std::size_t round = 0; round < p.rounds; ++round) {
    c.net().heal();
    if (g.uniform01() < p.partition) c.net().isolate(replica_id{static_cast<std::uint32_t>(g.below(p.regions))});
    // Everyone reads its key at its region.
    std::vector<std::uint64_t> reads;
    std::vector<key_type> keys;
    for (std::size_t cl = 0; cl < clients; ++cl) {
      // Client j of every region writes the same key in a round: the regions conflict.
      const key_type k = static_cast<key_type>((round + cl / p.regions) % p.keys);
      keys.push_back(k);
      reads.push_back(c.invoke(replica_id{static_cast<std::uint32_t>(cl % p.regions)}, {op_kind::read, k}));
    }
    wait_all(reads);
    // Then everyone writes at once.
    std::vector<std::uint64_t> writes;
    std::vector<done_op> planned;
    for (std::size_t cl = 0; cl < clients; ++cl) {
      const auto* r = completion(c.history(), reads[cl]);
      std::vector<value_type> seen = r->siblings;
      if (seen.empty() && r->value) seen.push_back(*r->value);
      if (rmw && seen.size() > 1) ++out.sibling_reads;  // (an OR-Set read lists elements, not siblings)
      std::set<value_type> items;
      value_type mask = 0;
      for (value_type v : seen) {
        if (rmw) {
          mask |= v;
          for (value_type i : bits(v)) items.insert(i);
        } else {
          items.insert(v);
        }
      }
      if (g.uniform01() >= p.write_share) continue;  // this client sits the round out
      done_op d;
      d.key = keys[cl];
      d.remove = !items.empty() && g.uniform01() < p.remove_share;
      if (d.remove) {
        auto it = items.begin();
        std::advance(it, static_cast<std::ptrdiff_t>(g.below(items.size())));
        d.item = *it;
      } else {
        d.item = next_item[d.key]++;
        if (d.item >= 63) continue;  // a bitmask holds 63 items
      }
      kv_op op;
      op.key = d.key;
      if (rmw) {
        op.kind = op_kind::write;
        op.value = d.remove ? (mask & ~(value_type{1} << d.item)) : (mask | (value_type{1} << d.item));
      } else {
        op.kind = d.remove ? op_kind::remove : op_kind::add;
        op.value = d.item;
      }
      writes.push_back(c.invoke(replica_id{static_cast<std::uint32_t>(cl % p.regions)}, op, 1s, std::nullopt,
                                rmw ? c.last_context(reads[cl]) : payload{}));
      planned.push_back(d);
    }
    wait_all(writes);
    for (std::size_t i = 0; i < writes.size(); ++i) {
      planned[i].ok = completion(c.history(), writes[i])->type == check::event_type::ok;
      out.ops.push_back(planned[i]);
    }
    c.run_for(duration{static_cast<std::int64_t>(g.uniform01() * p.wan_hi * 1000)});
  }
  c.net().heal();
  const auto healed = c.now();
  // Converged: every leader's reads agree, and no change is left to deliver (an equal digest
  // while a change is still in flight is not convergence).
  auto settled = [&](auto& cl) {
    if (!cl.converged()) return false;
    for (std::uint32_t r = 0; r < p.regions; ++r)
      if (cl.node(replica_id{r})->log_size() > 0 || cl.node(replica_id{r})->held() > 0) return false;
    return true;
  };
  c.run_until(settled, healed + 60'000'000);
  out.convergence_ms = static_cast<double>(c.now() - healed) / 1000.0;
  for (key_type k = 0; k < p.keys; ++k)
    for (value_type v : c.node(replica_id{0})->read(k)) {
      if (rmw)
        for (value_type i : bits(v)) out.final_items[k].insert(i);
      else
        out.final_items[k].insert(v);
    }
  for (std::uint32_t r = 0; r < p.regions; ++r) out.discards_counted += c.node(replica_id{r})->discarded_writes();
  return out;
}

// ---- conflicts ----

class conflicts_experiment final : public experiment {
 public:
  std::string name() const override { return "conflicts"; }
  std::string summary() const override {
    return "multi-leader regions writing concurrently: acknowledged writes lost per resolver and version type";
  }
  void add_options(CLI::App& app) override {
    app.add_option("--regions", regions_, "regions (leaders); 0: rows for 2 and 3")->capture_default_str()->check(CLI::Range(0, 5));
    app.add_option("--rounds", p_.rounds, "rounds of concurrent writes")->capture_default_str()->check(CLI::Range(1, 1000));
    app.add_option("--partition", p_.partition, "probability a round isolates one region")->capture_default_str()->check(CLI::Range(0.0, 1.0));
    app.add_option("--write-share", p_.write_share, "probability a client writes in a round")->capture_default_str()->check(CLI::Range(0.0, 1.0));
    app.add_option("--skew-ms", p_.skew_ms, "region i's clock runs i times this ahead")->capture_default_str()->check(CLI::Range(0.0, 100000.0));
  }
  std::string validate() const override { return regions_ == 1 ? "--regions: at least 2 (or 0 for both)" : ""; }
  figure plot(const outcome& o) const override {
    figure f;
    f.bars = true;
    std::vector<std::string> regions;
    for (const auto& row : o.rows) {
      const std::string c = row.at("resolver").get<std::string>() + " / " + row.at("versioning").get<std::string>();
      if (std::find(f.categories.begin(), f.categories.end(), c) == f.categories.end()) f.categories.push_back(c);
      const std::string r = row.at("regions").dump() + " regions";
      if (std::find(regions.begin(), regions.end(), r) == regions.end()) regions.push_back(r);
    }
    for (const auto& r : regions) {
      figure::series s{"acknowledged writes lost, " + r, {}, false};
      for (const auto& row : o.rows)
        if (row.at("regions").dump() + " regions" == r) {
          const std::string c = row.at("resolver").get<std::string>() + " / " + row.at("versioning").get<std::string>();
          const auto at = std::find(f.categories.begin(), f.categories.end(), c);
          s.points.emplace_back(at - f.categories.begin(), row.at("lost_acked_writes").get<double>());
        }
      f.data.push_back(std::move(s));
    }
    f.title = "conflicts: acknowledged writes lost per resolver, multi-leader \n(" +
              params_text(o, {"rounds", "partition", "write_share", "skew_ms"}) + ")";
    f.xlabel = "resolver / version type";
    f.ylabel = "acknowledged writes lost (count)";
    return f;
  }
  outcome run(std::uint64_t seed, std::uint64_t seeds) const override {
    outcome o;
    o.params = {{"rounds", p_.rounds}, {"partition", p_.partition}, {"write_share", p_.write_share}, {"skew_ms", p_.skew_ms},
                {"wan_ms", {p_.wan_lo, p_.wan_hi}}};
    meter().start(name(), (regions_ == 0 ? 2 : 1) * 6 * seeds, "runs");
    for (std::size_t regions : regions_ == 0 ? std::vector<std::size_t>{2, 3} : std::vector<std::size_t>{regions_}) {
      region_params p = p_;
      p.regions = regions;
      row<lww_leader<physical_clock>>(o, p, seed, seeds, "last_write_wins", "physical_clock", true);
      row<lww_leader<lamport_clock>>(o, p, seed, seeds, "last_write_wins", "lamport_clock", true);
      row<lww_leader<hybrid_logical_clock>>(o, p, seed, seeds, "last_write_wins", "hybrid_logical_clock", true);
      row<sibling_leader>(o, p, seed, seeds, "keep_siblings", "dotted_version_vector", true);
      row<union_leader>(o, p, seed, seeds, "merge_with<union>", "dotted_version_vector", true);
      row<or_set_leader>(o, p, seed, seeds, "crdt_merge<or_set>", "dots", false);
    }
    o.columns = {"regions", "resolver", "versioning", "acked_writes", "lost_acked_writes", "discards_counted", "siblings_surfaced", "convergence_ms"};
    o.note = "every write adds one item to a set; lost_acked_writes: acknowledged adds missing from the converged set; "
             "discards_counted: writes LWW leaders reported replaced by a write that had not seen them (an item also "
             "vanishes inside a discarded write that carried it, so lost >= counted); siblings_surfaced: reads that "
             "returned siblings; convergence_ms: from heal until every leader reads alike with nothing in flight";
    return o;
  }

 private:
  template <class Node>
  static void row(outcome& o, const region_params& p, std::uint64_t seed, std::uint64_t seeds, const char* resolver,
                  const char* versioning, bool rmw) {
    std::size_t acked = 0, lost = 0, siblings = 0;
    std::uint64_t counted = 0;
    double conv = 0;
    for (const std::uint64_t s : seeds_from(seed, seeds)) {
      const run_result r = run_regions<Node>(p, s, rmw);
      for (const done_op& d : r.ops) {
        if (!d.ok) continue;
        ++acked;
        auto it = r.final_items.find(d.key);
        lost += it == r.final_items.end() || !it->second.contains(d.item);
      }
      siblings += r.sibling_reads;
      counted += r.discards_counted;
      conv = std::max(conv, r.convergence_ms);
    }
    o.rows.push_back({{"regions", p.regions}, {"resolver", resolver}, {"versioning", versioning}, {"acked_writes", acked},
                      {"lost_acked_writes", lost}, {"discards_counted", counted}, {"siblings_surfaced", siblings},
                      {"convergence_ms", conv}});
  }

  region_params p_;
  std::size_t regions_ = 0;
};

// ---- cart ----

class cart_experiment final : public experiment {
 public:
  std::string name() const override { return "cart"; }
  std::string summary() const override { return "the Dynamo shopping cart across regions: union merge, LWW, OR-Set"; }
  void add_options(CLI::App& app) override {
    app.add_option("--regions", p_.regions, "regions (leaders)")->capture_default_str()->check(CLI::Range(2, 5));
    app.add_option("--rounds", p_.rounds, "rounds of cart updates")->capture_default_str()->check(CLI::Range(1, 1000));
    app.add_option("--partition", p_.partition, "probability a round isolates one region")->capture_default_str()->check(CLI::Range(0.0, 1.0));
    app.add_option("--remove-share", p_.remove_share, "share of updates that remove an item in the cart")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  }
  figure plot(const outcome& o) const override {
    figure f = bars_by_row(o, [](const auto& row) { return row.at("strategy").template get<std::string>(); },
                           {{"items_lost", "acknowledged adds lost"}, {"deleted_items_resurrected", "deleted items resurrected"}});
    f.title = "cart: the Dynamo shopping cart per merge strategy \n(" +
              params_text(o, {"regions", "rounds", "partition", "remove_share"}) + ")";
    f.xlabel = "merge strategy";
    f.ylabel = "items (count)";
    return f;
  }
  outcome run(std::uint64_t seed, std::uint64_t seeds) const override {
    outcome o;
    o.params = {{"regions", p_.regions}, {"rounds", p_.rounds}, {"partition", p_.partition}, {"remove_share", p_.remove_share}};
    meter().start(name(), 3 * seeds, "runs");
    row<union_leader>(o, seed, seeds, "union_merge", true);
    row<lww_leader<hybrid_logical_clock>>(o, seed, seeds, "last_write_wins", true);
    row<or_set_leader>(o, seed, seeds, "or_set", false);
    o.columns = {"strategy", "items_added", "items_lost", "deleted_items_resurrected"};
    o.note = "items_lost: acknowledged adds, never removed, missing from the final cart; deleted_items_resurrected: "
             "items whose removal was acknowledged but which are in the final cart";
    return o;
  }

 private:
  template <class Node>
  void row(outcome& o, std::uint64_t seed, std::uint64_t seeds, const char* strategy, bool rmw) const {
    std::size_t added = 0, lost = 0, resurrected = 0;
    region_params p = p_;
    p.keys = 1;  // one cart
    for (const std::uint64_t s : seeds_from(seed, seeds)) {
      const run_result r = run_regions<Node>(p, s, rmw);
      std::set<value_type> removed;
      for (const done_op& d : r.ops)
        if (d.ok && d.remove) removed.insert(d.item);
      const std::set<value_type>& cart = r.final_items.count(0) ? r.final_items.at(0) : std::set<value_type>{};
      for (const done_op& d : r.ops) {
        if (!d.ok || d.remove) continue;
        ++added;
        lost += !removed.contains(d.item) && !cart.contains(d.item);
      }
      for (value_type x : removed) resurrected += cart.contains(x);
    }
    o.rows.push_back({{"strategy", strategy}, {"items_added", added}, {"items_lost", lost}, {"deleted_items_resurrected", resurrected}});
  }

  region_params p_ = [] {
    region_params p;
    p.rounds = 12;
    p.remove_share = 0.3;
    p.write_share = 1;
    p.skew_ms = 0;
    return p;
  }();
};

}  // namespace

std::unique_ptr<experiment> make_conflicts_experiment() { return std::make_unique<conflicts_experiment>(); }
std::unique_ptr<experiment> make_cart_experiment() { return std::make_unique<cart_experiment>(); }

}  // namespace lab
