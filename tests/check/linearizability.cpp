#include <replica/sim/broadcast_register.hpp>

#include <replica/check/edn.hpp>
#include <replica/check/linearizability.hpp>
#include <replica/sim/cluster.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <sstream>
#include <string>

using namespace replica;
using namespace replica::check;
using namespace std::chrono_literals;

namespace {
/// Reads a history written one EDN map per line.
history parse(const std::string& text) {
  history h;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line)) {
    auto l = parse_edn_line(line);
    REQUIRE(l.what != edn_line::kind::error);
    if (l.what == edn_line::kind::event) h.push_back(l.ev);
  }
  return h;
}
}  // namespace

TEST_CASE("linearizability: sequential and concurrent register histories", "[check][linearizability]") {
  CHECK(check_linearizable(parse(R"(
{:process 0, :type :invoke, :f :write, :value 1}
{:process 0, :type :ok, :f :write, :value 1}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value 1}
)")).linearizable());
  // A read concurrent with a write may see either value.
  for (const char* seen : {"nil", "1"}) {
    CHECK(check_linearizable(parse(std::string{R"(
{:process 0, :type :invoke, :f :write, :value 1}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value )"} + seen + R"(}
{:process 0, :type :ok, :f :write, :value 1}
)")).linearizable());
  }
}

TEST_CASE("linearizability: a stale read is caught and named", "[check][linearizability]") {
  const auto r = check_linearizable(parse(R"(
{:process 0, :type :invoke, :f :write, :value 1}
{:process 0, :type :ok, :f :write, :value 1}
{:process 0, :type :invoke, :f :write, :value 2}
{:process 0, :type :ok, :f :write, :value 2}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value 1}
)"));
  REQUIRE_FALSE(r.linearizable());
  REQUIRE(r.culprit);
  CHECK(r.culprit->process == 1);
  CHECK(r.culprit->f == op_kind::read);
  CHECK(r.culprit->value == 1);
}

TEST_CASE("linearizability: compare-and-set", "[check][linearizability]") {
  // cas 1->2 succeeded, then a read saw 1: impossible.
  const auto bad = check_linearizable(parse(R"(
{:process 0, :type :invoke, :f :write, :value 1}
{:process 0, :type :ok, :f :write, :value 1}
{:process 1, :type :invoke, :f :cas, :value [1 2]}
{:process 1, :type :ok, :f :cas, :value [1 2]}
{:process 2, :type :invoke, :f :read, :value nil}
{:process 2, :type :ok, :f :read, :value 1}
)"));
  REQUIRE_FALSE(bad.linearizable());
  CHECK(bad.culprit->process == 2);
  // A cas that found the wrong value failed, so it did not happen.
  CHECK(check_linearizable(parse(R"(
{:process 0, :type :invoke, :f :write, :value 1}
{:process 0, :type :ok, :f :write, :value 1}
{:process 1, :type :invoke, :f :cas, :value [3 4]}
{:process 1, :type :fail, :f :cas, :value [3 4]}
{:process 2, :type :invoke, :f :read, :value nil}
{:process 2, :type :ok, :f :read, :value 1}
)")).linearizable());
  // A successful cas from nil on a fresh register is impossible only if its expected value is not nil.
  const auto cas_from_wrong = check_linearizable(parse(R"(
{:process 1, :type :invoke, :f :cas, :value [5 6]}
{:process 1, :type :ok, :f :cas, :value [5 6]}
)"));
  CHECK_FALSE(cas_from_wrong.linearizable());
}

TEST_CASE("linearizability: info may take effect any time after its invocation, or never", "[check][linearizability]") {
  // The write timed out; a later read sees it: fine.
  CHECK(check_linearizable(parse(R"(
{:process 0, :type :invoke, :f :write, :value 7}
{:process 0, :type :info, :f :write, :value 7}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value 7}
)")).linearizable());
  // ... or never sees it: also fine.
  CHECK(check_linearizable(parse(R"(
{:process 0, :type :invoke, :f :write, :value 7}
{:process 0, :type :info, :f :write, :value 7}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value nil}
)")).linearizable());
  // ... but it cannot take effect before it was invoked.
  CHECK_FALSE(check_linearizable(parse(R"(
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value 7}
{:process 0, :type :invoke, :f :write, :value 7}
{:process 0, :type :info, :f :write, :value 7}
)")).linearizable());
  // A failed write did not happen.
  CHECK_FALSE(check_linearizable(parse(R"(
{:process 0, :type :invoke, :f :write, :value 7}
{:process 0, :type :fail, :f :write, :value 7}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value 7}
)")).linearizable());
}

TEST_CASE("linearizability: keys are checked separately", "[check][linearizability]") {
  const auto r = check_linearizable(parse(R"(
{:process 0, :type :invoke, :f :write, :value 1, :key 1}
{:process 0, :type :ok, :f :write, :value 1, :key 1}
{:process 1, :type :invoke, :f :read, :value nil, :key 2}
{:process 1, :type :ok, :f :read, :value nil, :key 2}
{:process 1, :type :invoke, :f :read, :value nil, :key 1}
{:process 1, :type :ok, :f :read, :value nil, :key 1}
)"));
  REQUIRE_FALSE(r.linearizable());
  CHECK(r.culprit->key == 1);
}

TEST_CASE("linearizability: siblings in a read are never linearizable", "[check][linearizability]") {
  history h;
  h.push_back({0, event_type::invoke, op_kind::read, 0});
  event ok{0, event_type::ok, op_kind::read, 0};
  ok.siblings = {1, 2};
  h.push_back(ok);
  CHECK_FALSE(check_linearizable(h).linearizable());
}

namespace {
/// A model run of a single-copy register: operations of several processes overlap at random;
/// each takes effect atomically at a random instant inside its interval, and each completion
/// is randomly lost (recorded `info`). Such histories are linearizable by construction.
struct generated {
  history h;
  std::vector<std::size_t> ok_reads;  // indexes of ok read completions
  std::vector<std::pair<std::int64_t, value_type>> writes_applied;  // (apply time, value)
};

generated single_copy_run(const std::vector<std::uint8_t>& script) {
  generated g;
  std::optional<value_type> reg;
  struct pending {
    bool active = false;
    op_kind f{};
    value_type v = 0, expected = 0;
    bool applied = false;
    std::optional<value_type> seen;
    bool succeeded = true;
    bool lose_reply = false;
  };
  std::array<pending, 4> ps{};
  value_type next = 1;
  for (std::uint8_t b : script) {
    const std::size_t p = b % 4;
    auto& x = ps[p];
    if (!x.active) {  // invoke
      x = pending{};
      x.active = true;
      x.f = static_cast<op_kind>((b / 4) % 3);
      x.v = next++;
      x.expected = reg.value_or(0);
      x.lose_reply = (b / 12) % 5 == 0;
      event e{p, event_type::invoke, x.f, 0};
      if (x.f != op_kind::read) e.value = x.v;
      if (x.f == op_kind::cas) e.expected = x.expected;
      g.h.push_back(e);
    } else if (!x.applied) {  // the linearization point
      x.applied = true;
      if (x.f == op_kind::read) x.seen = reg;
      if (x.f == op_kind::write) reg = x.v;
      if (x.f == op_kind::cas) {
        x.succeeded = reg == x.expected;
        if (x.succeeded) reg = x.v;
      }
    } else {  // complete
      event e{p, x.lose_reply ? event_type::info : event_type::ok, x.f, 0};
      if (x.f == op_kind::read) e.value = x.seen;
      if (x.f != op_kind::read) e.value = x.v;
      if (x.f == op_kind::cas) {
        e.expected = x.expected;
        if (!x.succeeded && !x.lose_reply) e.type = event_type::fail;
      }
      if (x.f == op_kind::read && e.type == event_type::ok) g.ok_reads.push_back(g.h.size());
      g.h.push_back(e);
      x.active = false;
    }
  }
  return g;
}
}  // namespace

TEST_CASE("linearizability: every single-copy register history is accepted", "[check][linearizability][property]") {
  rc::prop("single-copy histories are linearizable", [](const std::vector<std::uint8_t>& script) {
    const auto g = single_copy_run(script);
    const auto r = check_linearizable(g.h);
    RC_ASSERT(r.outcome == linearizability_result::verdict::linearizable);
    // A cache of 64 entries forgets most of what it saw: slower, the same verdict.
    linearizability_options tiny;
    tiny.cache_bytes = 1024;
    RC_ASSERT(check_linearizable(g.h, tiny).outcome == linearizability_result::verdict::linearizable);
  });
}

TEST_CASE("linearizability: an injected stale read is rejected", "[check][linearizability][property]") {
  rc::prop("stale reads are caught", [](const std::vector<std::uint8_t>& script) {
    // A random single-copy history, its open operations closed as `info`; then a write of 1000
    // and a write of 2000 that both complete; then a read, invoked after both, that sees 1000.
    auto g = single_copy_run(script);
    history h = g.h;
    std::vector<bool> open(4, false);
    for (const auto& e : g.h) open[e.process] = e.type == event_type::invoke;
    for (std::uint64_t p = 0; p < 4; ++p)
      if (open[p]) h.push_back({p, event_type::info, op_kind::write, 0, -1});
    h.push_back({90, event_type::invoke, op_kind::write, 0, 1000});
    h.push_back({90, event_type::ok, op_kind::write, 0, 1000});
    h.push_back({90, event_type::invoke, op_kind::write, 0, 2000});
    h.push_back({90, event_type::ok, op_kind::write, 0, 2000});
    h.push_back({91, event_type::invoke, op_kind::read, 0});
    h.push_back({91, event_type::ok, op_kind::read, 0, 1000});
    const auto r = check_linearizable(h);
    RC_ASSERT(r.outcome == linearizability_result::verdict::not_linearizable);
    RC_ASSERT(r.culprit.has_value());
    RC_ASSERT(r.culprit->process == 91u);
    // A cache of 64 entries forgets most of what it saw: the search may run out of steps
    // (without its cache it is exponential), but it never calls the history linearizable.
    linearizability_options tiny;
    tiny.cache_bytes = 1024;
    tiny.max_steps_per_key = 200'000;
    const auto t = check_linearizable(h, tiny);
    RC_ASSERT(t.outcome != linearizability_result::verdict::linearizable);
    if (t.outcome == linearizability_result::verdict::not_linearizable) RC_ASSERT(t.culprit.has_value());
  });
}

TEST_CASE("linearizability: a single-copy register run on the simulator is linearizable and stale replicas are not",
          "[check][linearizability][sim]") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    INFO("seed " << seed);
    sim::cluster_options o;
    o.nodes = 3;
    o.seed = seed;
    o.client_latency = sim::exponential_latency{2ms, 100us};
    sim::cluster<sim::broadcast_register> c{o, {3, 10}};
    sim::session_options s;
    s.clients = 6;
    s.keys = 3;
    s.cas_weight = 1;
    s.timeout = 5ms;  // many operations end `info`
    s.stop = 2'000'000;
    s.targets = {replica_id{0}};  // every client talks to node 0: a single copy
    c.add_sessions(s);
    c.run_until(3'000'000);
    std::size_t infos = 0;
    for (const auto& e : c.history()) infos += e.type == event_type::info;
    CHECK(infos > 10);
    const auto r = check_linearizable(c.history());
    CHECK(r.linearizable());
  }
  // With clients spread over the nodes, reads at a replica the broadcast has not reached yet
  // are stale: the checker must say so.
  sim::cluster_options o;
  o.nodes = 3;
  o.seed = 3;
  o.link.latency = sim::constant_latency{50ms};
  sim::cluster<sim::broadcast_register> c{o, {3, 1000}};
  sim::session_options s;
  s.clients = 6;
  s.keys = 1;
  s.stop = 2'000'000;
  c.add_sessions(s);
  c.run_until(3'000'000);
  const auto r = check_linearizable(c.history());
  REQUIRE_FALSE(r.linearizable());
  CHECK(r.culprit->f == op_kind::read);
}

TEST_CASE("linearizability: an add past 64 bits takes no effect a register can hold", "[check][linearizability]") {
  // (Before, the sum overflowed: undefined behaviour on input anyone can write.)
  CHECK_FALSE(check_linearizable(parse(R"(
{:process 0, :type :invoke, :f :add, :value 9223372036854775807}
{:process 0, :type :ok, :f :add, :value 9223372036854775807}
{:process 0, :type :invoke, :f :add, :value 9223372036854775807}
{:process 0, :type :ok, :f :add, :value 9223372036854775807}
)")).linearizable());
  CHECK(check_linearizable(parse(R"(
{:process 0, :type :invoke, :f :add, :value 9223372036854775806}
{:process 0, :type :ok, :f :add, :value 9223372036854775806}
{:process 0, :type :invoke, :f :add, :value 1}
{:process 0, :type :ok, :f :add, :value 1}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value 9223372036854775807}
)")).linearizable());
}

TEST_CASE("linearizability: a time limit answers unknown instead of running on", "[check][linearizability]") {
  // Forty concurrent writes and reads of one register that no order explains: the search
  // backtracks through far more orders than it can try in 50 ms.
  history h;
  for (std::uint64_t p = 0; p < 40; ++p) h.push_back(event{p, event_type::invoke, op_kind::write, 0, static_cast<value_type>(p + 1)});
  for (std::uint64_t p = 0; p < 40; ++p) h.push_back(event{p, event_type::ok, op_kind::write, 0, static_cast<value_type>(p + 1)});
  for (std::uint64_t p = 40; p < 80; ++p) h.push_back(event{p, event_type::invoke, op_kind::read, 0, std::nullopt});
  for (std::uint64_t p = 40; p < 80; ++p) h.push_back(event{p, event_type::ok, op_kind::read, 0, static_cast<value_type>(80 - p)});
  linearizability_options opt;
  opt.max_steps_per_key = std::uint64_t{1} << 62;
  opt.time_limit = 50ms;
  const auto r = check_linearizable(h, opt);
  CHECK(r.outcome == linearizability_result::verdict::unknown);
}
