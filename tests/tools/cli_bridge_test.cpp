// The shared-memory bridge from the command line, as a new user tries it:
// `comframe sim --bridge NAME` in one process, `comframe tap NAME` in others;
// one tap stopped and resumed, the simulator killed and restarted.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace {

using namespace std::chrono_literals;
using comframe::test::child_process;
using comframe::test::run;

const std::string cli = COMFRAME_CLI;

std::string unique(const std::string& what) { return what + "-" + std::to_string(getpid()); }

std::string temp_link(const std::string& name) {
  return (std::filesystem::path(testing::TempDir()) / unique(name)).string();
}

struct sim_process {
  std::string link;
  child_process proc;
  sim_process(const std::string& bus, const std::string& link_path, std::vector<std::string> extra = {})
      : link(link_path), proc([&] {
          std::vector<std::string> args{cli, "sim", "--device", "thermo", "--link", link, "--bridge", bus};
          args.insert(args.end(), extra.begin(), extra.end());
          return args;
        }()) {
    if (!proc.wait_for_line("port: ")) throw std::runtime_error("the simulator did not start: " + proc.output());
  }
};

// A `comframe tap --json` process and the JSON lines it printed.
struct tap_process {
  child_process proc;
  std::vector<nlohmann::json> lines;
  explicit tap_process(const std::string& bus) : proc({cli, "tap", bus, "--json"}) {
    if (!proc.wait_for_line("tap: " + bus + " (publisher pid"))
      throw std::runtime_error("the tap did not start: " + proc.output());
  }
  // Reads lines until one satisfies `want`; false at the end of output.
  template <class F>
  bool wait_for(F want) {
    for (;;) {
      auto line = proc.wait_for_line("{");
      if (!line) return false;
      lines.push_back(nlohmann::json::parse("{" + *line));
      if (want(lines.back())) return true;
    }
  }
  std::size_t count(const char* bus_event) const {
    std::size_t n = 0;
    for (const auto& j : lines) n += j.value("bus", "") == bus_event;
    return n;
  }
};

bool is_response(const nlohmann::json& j, const char* command) {
  return j.value("command", "") == command && j.value("kind", "") == "response";
}

TEST(cli_bridge, two_taps_see_every_frame_of_the_simulator_decoded_by_the_profile_on_the_bus) {
  const std::string bus = unique("cli-two-taps");
  sim_process sim(bus, temp_link("bridge-two-taps"));
  tap_process a(bus), b(bus);
  const auto call = run({cli, "call", sim.link, "read_sensors", "-c"});
  ASSERT_EQ(call.exit_code, 0) << call.err;
  const auto reply = nlohmann::json::parse(call.out);
  for (auto* tap : {&a, &b}) {
    ASSERT_TRUE(tap->wait_for([](const auto& j) { return is_response(j, "read_sensors"); })) << tap->proc.output();
    EXPECT_EQ(tap->lines.back()["payload"], reply);
    EXPECT_EQ(tap->lines.back()["dir"], "in");
    // The request went out just before, with the same sequence number.
    const auto& request = tap->lines[tap->lines.size() - 2];
    EXPECT_EQ(request["command"], "read_sensors");
    EXPECT_EQ(request["kind"], "request");
    EXPECT_EQ(request["dir"], "out");
    EXPECT_EQ(request["seq"], tap->lines.back()["seq"]);
    // Bus sequence numbers run without a gap.
    for (std::size_t i = 1; i < tap->lines.size(); ++i)
      EXPECT_EQ(tap->lines[i]["bus_seq"].get<std::uint64_t>(), tap->lines[i - 1]["bus_seq"].get<std::uint64_t>() + 1);
  }
  EXPECT_EQ(a.proc.stop(SIGINT), 0);
  EXPECT_NE(a.proc.output().find("tap: records " + std::to_string(a.lines.size()) + ", lost 0 in 0 gaps"),
            std::string::npos)
      << a.proc.output();
}

TEST(cli_bridge, stopped_tap_reports_exactly_the_records_it_lost_and_the_other_loses_none) {
  const std::string bus = unique("cli-stopped-tap");
  sim_process sim(bus, temp_link("bridge-stopped"), {"--bridge-ring", "4096"});
  tap_process stopped(bus), steady(bus);
  ASSERT_EQ(run({cli, "call", sim.link, "start_telemetry", R"({"rate_hz": 500})", "-c"}).exit_code, 0);
  ASSERT_TRUE(steady.wait_for([](const auto& j) { return j.value("event", "") == "telemetry"; }));
  ASSERT_EQ(kill(stopped.proc.pid(), SIGSTOP), 0);
  // A 4 KiB ring holds about 60 telemetry records: 300 more lap the stopped tap.
  std::size_t events = 0;
  ASSERT_TRUE(steady.wait_for([&](const auto& j) { return j.value("event", "") == "telemetry" && ++events == 300; }));
  ASSERT_EQ(kill(stopped.proc.pid(), SIGCONT), 0);
  ASSERT_TRUE(stopped.wait_for([](const auto& j) { return j.value("bus", "") == "lost"; })) << stopped.proc.output();
  ASSERT_EQ(run({cli, "call", sim.link, "stop_telemetry", "-c"}).exit_code, 0);
  ASSERT_EQ(sim.proc.stop(SIGINT), 0);
  for (auto* tap : {&stopped, &steady})
    ASSERT_TRUE(tap->wait_for([](const auto& j) { return j.value("bus", "") == "publisher_gone"; }))
        << tap->proc.output();

  // Every record is either read or counted lost, in order: the stopped tap's
  // records plus its losses are the steady tap's records.
  std::uint64_t read = 0, lost = 0, next = stopped.lines.front()["bus_seq"].get<std::uint64_t>();
  for (const auto& j : stopped.lines) {
    if (j.value("bus", "") == "lost") {
      lost += j["lost"].get<std::uint64_t>();
      next += j["lost"].get<std::uint64_t>();
      EXPECT_EQ(j["before_seq"].get<std::uint64_t>(), next);
    } else if (j.contains("bus_seq")) {
      EXPECT_EQ(j["bus_seq"].get<std::uint64_t>(), next);
      ++next;
      ++read;
    }
  }
  std::uint64_t steady_read = 0;
  for (const auto& j : steady.lines) steady_read += j.contains("bus_seq");
  EXPECT_GT(lost, 0u);
  EXPECT_EQ(steady.count("lost"), 0u);
  EXPECT_EQ(read + lost, steady_read);
  EXPECT_EQ(stopped.proc.stop(SIGINT), 0);
  EXPECT_NE(stopped.proc.output().find("tap: records " + std::to_string(read) + ", lost " + std::to_string(lost) +
                                       " in 1 gap,"),
            std::string::npos)
      << stopped.proc.output();
}

TEST(cli_bridge, taps_report_a_killed_simulator_and_follow_its_successor_on_the_same_name) {
  const std::string bus = unique("cli-restart");
  const std::string link = temp_link("bridge-restart");
  auto sim = std::make_unique<sim_process>(bus, link);
  tap_process tap(bus);
  ASSERT_EQ(run({cli, "call", link, "get_info", "-c"}).exit_code, 0);
  ASSERT_TRUE(tap.wait_for([](const auto& j) { return is_response(j, "get_info"); }));
  EXPECT_EQ(sim->proc.stop(SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(tap.wait_for([](const auto& j) { return j.value("bus", "") == "publisher_gone"; })) << tap.proc.output();
  EXPECT_NE(tap.lines.back()["detail"].get<std::string>().find(" died"), std::string::npos) << tap.lines.back();

  // No cleanup of /dev/shm: the new simulator takes the name over.
  std::filesystem::remove(link);
  sim = std::make_unique<sim_process>(bus, link);
  ASSERT_TRUE(tap.wait_for([](const auto& j) { return j.value("bus", "") == "publisher_restarted"; }))
      << tap.proc.output();
  ASSERT_EQ(run({cli, "call", link, "read_sensors", "-c"}).exit_code, 0);
  ASSERT_TRUE(tap.wait_for([](const auto& j) { return is_response(j, "read_sensors"); })) << tap.proc.output();
  // The new publisher numbers from 0 again, and nothing of it was skipped.
  std::size_t restart = 0;
  for (std::size_t i = 0; i < tap.lines.size(); ++i)
    if (tap.lines[i].value("bus", "") == "publisher_restarted") restart = i;
  EXPECT_EQ(tap.lines[restart + 1]["bus_seq"], 0) << tap.lines[restart + 1];
  EXPECT_EQ(tap.count("lost"), 0u);
  EXPECT_EQ(tap.proc.stop(SIGINT), 0);
  EXPECT_NE(tap.proc.output().find("publisher gone 1, restarts 1"), std::string::npos) << tap.proc.output();
}

TEST(cli_bridge, second_simulator_on_a_live_bus_name_is_refused_with_the_owner) {
  const std::string bus = unique("cli-in-use");
  sim_process sim(bus, temp_link("bridge-in-use"));
  const auto second = run({cli, "sim", "--device", "echo", "--bridge", bus});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("--bridge: bridge \"" + bus + "\" is in use by pid " + std::to_string(sim.proc.pid())),
            std::string::npos)
      << second.err;
}

TEST(cli_bridge, tap_of_a_missing_bus_or_a_bad_name_says_so) {
  auto r = run({cli, "tap", "no-such-bus"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no bridge \"no-such-bus\""), std::string::npos) << r.err;
  r = run({cli, "tap", "a/b"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bridge name \"a/b\" is not allowed"), std::string::npos) << r.err;
}

}  // namespace
