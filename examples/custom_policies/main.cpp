// A user-written version type and a user-written resolver, composed with the built-ins.
// docs/policies/versioning.md and docs/policies/resolvers.md describe the concepts.
#include <replica/replica.hpp>

#include <cstdio>
#include <tuple>

// A version type of our own: (server epoch, counter, replica), totally ordered. The epoch
// rises when a server restarts, as in systems that stamp writes with a boot generation.
class session_clock {
 public:
  using family = replica::versioning_tag;
  static constexpr bool totally_ordered = true;
  static constexpr bool causal_advance = true;
  static constexpr std::string_view name = "session_clock";

  session_clock() = default;
  session_clock(std::uint32_t epoch, std::uint64_t counter, replica::replica_id r) : epoch_{epoch}, counter_{counter}, r_{r} {}

  [[nodiscard]] replica::causal_order compare(const session_clock& o) const {
    const auto a = std::tuple{epoch_, counter_, r_}, b = std::tuple{o.epoch_, o.counter_, o.r_};
    return a < b ? replica::causal_order::before : b < a ? replica::causal_order::after : replica::causal_order::equal;
  }
  void merge(const session_clock& o) {
    if (compare(o) == replica::causal_order::before) *this = o;
  }
  replica::status advance(replica::replica_id r, replica::local_time) {
    ++counter_;
    r_ = r;
    return {};
  }
  friend bool operator==(const session_clock&, const session_clock&) = default;

 private:
  std::uint32_t epoch_ = 0;
  std::uint64_t counter_ = 0;
  replica::replica_id r_{};
};
static_assert(replica::version_tracker<session_clock>);

// A resolver of our own: of concurrent integer values, keep the largest (a max register).
struct max_wins {
  using family = replica::resolver_tag;
  static constexpr std::string_view name = "max_wins";
  static constexpr bool resolves_conflicts = true;
  static constexpr bool needs_total_order = false;
  static constexpr bool needs_concurrency_detection = true;  // it only runs on concurrent values
  static constexpr bool may_discard_acknowledged_writes = false;  // the max subsumes the others
  using default_versioning = replica::version_vector<>;

  static int resolve(int a, int b) { return a > b ? a : b; }
};

// Our clock drives the built-in last-write-wins; our resolver runs on built-in version vectors.
using lww_sessions = replica::replicator<replica::multi_leader, replica::last_write_wins, session_clock, replica::cluster_size<2>>;
using max_register = replica::replicator<replica::multi_leader, max_wins, replica::version_vector<2>, replica::cluster_size<2>>;

int main() {
  // Last-write-wins over session clocks: b's write after seeing a's is kept.
  auto a = lww_sessions::create(replica::replica_id{0});
  auto b = lww_sessions::create(replica::replica_id{1});
  if (!a.ok() || !b.ok() || !a->record_event({}).ok()) return 1;
  b->observe(a->version());
  if (!b->record_event({}).ok()) return 1;
  const bool b_wins = replica::last_write_wins::incoming_wins(a->version(), b->version());
  std::printf("session_clock: a=%s b, kept=%s\n", std::string{to_string(a->version().compare(b->version()))}.c_str(),
              b_wins ? "b" : "a");

  // max_wins over version vectors: two concurrent writes, 7 and 3, resolve to 7.
  auto x = max_register::create(replica::replica_id{0});
  auto y = max_register::create(replica::replica_id{1});
  if (!x.ok() || !y.ok() || !x->record_event({}).ok() || !y->record_event({}).ok()) return 1;
  if (x->version().compare(y->version()) == replica::causal_order::concurrent)
    std::printf("max_wins: resolved %d\n", max_wins::resolve(7, 3));
  return 0;
}
