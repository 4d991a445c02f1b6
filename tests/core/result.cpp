#include <replica/core/result.hpp>

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

using namespace replica;

TEST_CASE("status is ok by default and carries an error otherwise", "[result]") {
  status ok;
  CHECK(ok.ok());
  status bad = error{errc::stale_term, "older term"};
  CHECK_FALSE(bad.ok());
  CHECK(bad.code() == errc::stale_term);
  CHECK(bad.err().detail == "older term");
  CHECK(to_string(errc::unknown_replica) == "unknown_replica");
  CHECK(to_string(errc::wrong_group) == "wrong_group");
}

TEST_CASE("result holds a value or an error", "[result]") {
  result<std::string> v = std::string{"x"};
  REQUIRE(v.ok());
  CHECK(*v == "x");
  CHECK(v->size() == 1);
  result<std::string> e = error{errc::malformed};
  REQUIRE_FALSE(e.ok());
  CHECK(e.code() == errc::malformed);
}

namespace {
/// Runs `f` in a child process; true if the child stopped with SIGABRT.
template <class F>
bool aborts(F f) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::freopen("/dev/null", "w", stderr);  // (the message is for a person, not the test log)
    f();
    std::_Exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}
}  // namespace

TEST_CASE("result: reading the value of an error stops the program, in every build", "[result]") {
  const result<std::string> e = error{errc::malformed, "bad bytes"};
  CHECK(aborts([&] { (void)e.value().size(); }));
  CHECK(aborts([&] { (void)e->size(); }));
  CHECK(aborts([&] { (void)(*e).size(); }));
  const result<std::string> v = std::string{"x"};
  CHECK(aborts([&] { (void)v.err(); }));
  CHECK_FALSE(aborts([&] { (void)v.value().size(); }));  // the child exits normally: the check is not always failing
}
