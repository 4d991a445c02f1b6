// A simulated client session (sim/session.hpp) on its own, without a cluster: what it draws,
// what its requests carry, what its events record and what an ok reply teaches it.
#include <replica/sim/session.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <set>

using namespace replica;

namespace {
sim::client_session session(sim::session_options o, std::uint64_t seed = 7) { return sim::client_session{o, sim::rng{seed}}; }
}  // namespace

TEST_CASE("client_session: operations follow the weights, written values are unique and compare-and-set expects what was seen",
          "[sim][session]") {
  sim::session_options o;
  o.keys = 4;
  o.read_weight = 0;
  o.write_weight = 1;
  o.cas_weight = 1;
  auto s = session(o);
  s.last_seen = 42;
  value_type next = 100;
  std::set<value_type> values;
  std::size_t writes = 0, cases = 0;
  for (int i = 0; i < 200; ++i) {
    const kv_op op = s.generate(next);
    REQUIRE(op.key < 4);
    REQUIRE(op.kind != op_kind::read);  // weight 0
    if (op.kind == op_kind::cas) {
      ++cases;
      CHECK(op.expected == 42);
    } else {
      ++writes;
    }
    CHECK(values.insert(op.value).second);
  }
  CHECK(writes > 50);
  CHECK(cases > 50);
  CHECK(next == 300);  // each drew one value from the shared counter
}

TEST_CASE("client_session: a request carries the token and the context only when the options say so", "[sim][session]") {
  sim::session_options o;
  auto plain = session(o);
  plain.token = 9;
  plain.context = payload::filled(3, std::byte{1});
  plain.context_key = 5;
  plain.start(kv_op{op_kind::write, 5, 1, 0});
  CHECK_FALSE(plain.request(client_id{2}).token.has_value());
  CHECK(plain.request(client_id{2}).context.empty());

  o.send_tokens = true;
  o.send_context = true;
  auto s = session(o);
  s.token = 9;
  s.context = payload::filled(3, std::byte{1});
  s.context_key = 5;
  s.start(kv_op{op_kind::write, 5, 1, 0});
  const auto req = s.request(client_id{2});
  CHECK(req.client == client_id{2});
  CHECK(req.id == s.current);
  CHECK(req.token == 9);
  CHECK(req.context.size() == 3);  // a write of the key the context was read for
  s.start(kv_op{op_kind::write, 6, 2, 0});
  CHECK(s.request(client_id{2}).context.empty());  // another key: no context
  s.start(kv_op{op_kind::read, 5, 0, 0});
  CHECK(s.request(client_id{2}).context.empty());  // a read sends none
}

TEST_CASE("client_session: an ok reply records the value, the siblings, the token and the context", "[sim][session]") {
  auto s = session({});
  s.start(kv_op{op_kind::read, 3, 0, 0});
  const request_id first = s.current;
  client_reply r{client_id{1}, first};
  r.result = {7, 8};
  r.token = 11;
  r.context = payload::filled(2, std::byte{4});
  const check::event e = s.learn(r, 1, 500);
  CHECK(e.type == check::event_type::ok);
  CHECK(e.process == 1);
  CHECK(e.time == 500);
  CHECK_FALSE(e.value.has_value());
  CHECK(e.siblings == std::vector<value_type>{7, 8});
  CHECK(s.token == 11);
  CHECK(s.context.size() == 2);
  CHECK(s.context_key == 3);

  r.result = {7};
  CHECK(s.learn(r, 1, 600).value == 7);
  CHECK(s.last_seen == 7);

  s.start(kv_op{op_kind::write, 3, 99, 0});
  CHECK(s.current.value() == first.value() + 1);  // a new request id
  const check::event w = s.learn(client_reply{client_id{1}, s.current}, 1, 700);
  CHECK(w.value == 99);
  CHECK(s.last_seen == 99);
  CHECK(s.token == 11);  // a reply without a token keeps the last one
}

TEST_CASE("client_session: retargeting stays among the allowed targets", "[sim][session]") {
  sim::session_options o;
  o.targets = {replica_id{2}, replica_id{4}};
  auto s = session(o);
  for (int i = 0; i < 50; ++i) {
    s.retarget(5);
    CHECK((s.target == replica_id{2} || s.target == replica_id{4}));
  }
  auto any = session({});
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 200; ++i) {
    any.retarget(3);
    REQUIRE(any.target.value() < 3);
    seen.insert(any.target.value());
  }
  CHECK(seen.size() == 3);
}
