#include <replica/check/edn.hpp>

#include <catch2/catch.hpp>

using namespace replica;
using namespace replica::check;

TEST_CASE("edn: Jepsen operation maps, in any key order", "[check][edn]") {
  auto l = parse_edn_line("{:process 0, :type :invoke, :f :write, :value 3}");
  REQUIRE(l.what == edn_line::kind::event);
  CHECK(l.ev.process == 0);
  CHECK(l.ev.type == event_type::invoke);
  CHECK(l.ev.f == op_kind::write);
  CHECK(l.ev.value == 3);

  l = parse_edn_line("{:type :ok, :f :cas, :value [1 nil], :process 12, :time 5000000, :index 7}");
  REQUIRE(l.what == edn_line::kind::event);
  CHECK(l.ev.process == 12);
  CHECK(l.ev.f == op_kind::cas);
  CHECK(l.ev.expected == 1);
  CHECK_FALSE(l.ev.value.has_value());
  CHECK(l.ev.time == 5000);

  l = parse_edn_line("  {:process 3 :type :ok :f :read :value nil}  ");
  REQUIRE(l.what == edn_line::kind::event);
  CHECK_FALSE(l.ev.value.has_value());
  CHECK(parse_edn_line("[{:process 1, :type :info, :f :read, :value nil}").what == edn_line::kind::event);
  CHECK(parse_edn_line("{:process 1, :type :info, :f :read, :value nil}]").what == edn_line::kind::event);
}

TEST_CASE("edn: nemesis lines, blank lines and comments are skipped", "[check][edn]") {
  CHECK(parse_edn_line("{:process :nemesis, :type :info, :f :start, :value \"partitioned [:n1]\"}").what ==
        edn_line::kind::skip);
  CHECK(parse_edn_line("").what == edn_line::kind::skip);
  CHECK(parse_edn_line("   ").what == edn_line::kind::skip);
  CHECK(parse_edn_line("; a comment").what == edn_line::kind::skip);
}

TEST_CASE("edn: malformed lines are errors with a reason", "[check][edn]") {
  for (const char* bad : {"{:process 0, :type :invoke, :f :write", "{:process 0, :type :invoke}",
                          "{:process 0, :type :begin, :f :write, :value 1}", "{:process 0, :type :ok, :f :append, :value 1}",
                          "{:process 0, :type :ok, :f :cas, :value 1}", "{:process 0, :type :ok, :f :write, :value \"x\"}",
                          "{:process -1, :type :ok, :f :read, :value 1}", "process 0", "{:process 0, :type :ok, :f :read} x",
                          "{:process 0, :type :ok, :f :read, :value 12x}"}) {
    INFO(bad);
    const auto l = parse_edn_line(bad);
    CHECK(l.what == edn_line::kind::error);
    CHECK_FALSE(l.why.empty());
  }
}

TEST_CASE("edn: histories written by to_edn read back", "[check][edn]") {
  event e{4, event_type::ok, op_kind::cas, 2, 9, 8};
  e.time = 1234;
  const auto l = parse_edn_line(to_edn(e));
  REQUIRE(l.what == edn_line::kind::event);
  CHECK(l.ev == e);
}

TEST_CASE("edn: a history may be one EDN vector, with maps over several lines", "[check][edn]") {
  const auto r = read_edn_history(R"([{:process 0, :type :invoke, :f :write, :value 1}
 ; a comment with a { brace
 {:process :nemesis,
  :type :info,
  :f :start,
  :value "cut off {n1}"}
 {:process 0, :type :ok, :f :write, :value 1}])");
  REQUIRE(r.error_line == 0);
  REQUIRE(r.events.size() == 2);
  CHECK(r.lines == std::vector<std::size_t>{1, 7});

  const auto bad = read_edn_history("{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0,\n :type :ok\n");
  CHECK(bad.error_line == 2);
  const auto bad2 = read_edn_history("{:process 0, :type :invoke, :f :write, :value 1}\n\n{:process 0, :type :ok, :f :frob}\n");
  CHECK(bad2.error_line == 3);
}

TEST_CASE("edn: hostile input is refused with a reason, within the limits", "[check][edn]") {
  edn_limits lim;
  lim.max_operations = 3;
  const std::string deep = "{:process 0, :type :invoke, :f :cas, :value " + std::string(40, '[') + "}";
  const std::string wide = "{:process 0, :type :invoke, :f :cas, :value [" + [] {
    std::string s;
    for (int i = 0; i < 2000; ++i) s += "1 ";
    return s;
  }() + "]}";
  const std::string many = "{:process 0, :type :invoke, :f :read}\n{:process 0, :type :ok, :f :read, :value nil}\n"
                           "{:process 0, :type :invoke, :f :read}\n{:process 0, :type :ok, :f :read, :value nil}\n";
  const std::string open_map = "{:process 0, :type :invoke, :f :read, :value\n" + std::string(70'000, ' ') + "\n";
  struct hostile {
    std::string text;
    std::string why;
  };
  for (const auto& [text, why] : {hostile{deep, "nested deeper than 16"}, hostile{wide, "more than 1024 elements"},
                                  hostile{many, "more than 3 operations"}, hostile{open_map, "longer than 65536 bytes"},
                                  hostile{"{:process 0, :type :ok, :f :write, :value 9223372036854775808}", "fit 64 bits"},
                                  hostile{std::string(100, '\0'), "expected '{'"}}) {
    INFO(why);
    const edn_history h = read_edn_history(text, lim);
    CHECK(h.error_line != 0);
    CHECK_THAT(h.error, Catch::Contains(why));
  }
  // Within the limits, the same shapes read.
  const edn_history ok = read_edn_history(many);
  CHECK(ok.error_line == 0);
  CHECK(ok.events.size() == 4);
}
