// How `comframe call`, `monitor`, `profile`, `log`, `tap` and `dissector` get a
// device's profile and read its frames, as a new user runs them: simulators as
// separate processes on real ptys, fake devices written here on the pty's other
// side. A device whose payloads are big-endian; the profile cache; a slow line;
// noise left on the line; a device that only answers with broken frames; a stop
// signal while the profile is being fetched.
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "comframe/devices/builtin/thermo.hpp"
#include "support/process.hpp"
#include "support/pty.hpp"
#include "support/require_tool.hpp"
#include "support/sim_process.hpp"

namespace cli_fetch_test {

namespace {

using namespace comframe;
using test::child_process;
using test::run;
namespace fs = std::filesystem;

const std::string cli = COMFRAME_CLI;
const std::string tshark = "/usr/bin/tshark";

std::string temp(const std::string& name) {
  const auto dir = fs::path(testing::TempDir()) / ("cli_fetch_test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

/// `comframe sim ARGS...`
struct sim_process : test::sim_process {
  explicit sim_process(const std::vector<std::string>& args) : test::sim_process(test::with({cli, "sim"}, args)) {}
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// A device whose payloads are big-endian: get_v answers 0x01020304, fail
// always answers error 3, and (with events) tick carries 0x0102.
std::string big_endian_sim(bool events) {
  nlohmann::json sim = {
      {"profile",
       {{"comframe_profile", 1},
        {"device", "bigdev"},
        {"version", "1.0"},
        {"endian", "big"},
        {"commands",
         {{{"id", 1}, {"name", "get_v"}, {"request", "null"}, {"response", "u32"}},
          {{"id", 2}, {"name", "fail"}, {"request", "null"}, {"response", "null"}}}},
        {"events", {{{"id", 256}, {"name", "tick"}, {"payload", "u16"}}}}}},
      {"replies", {{"get_v", {{"response", 0x01020304}}}, {"fail", {{"error", {{"code", 3}, {"message", "nope"}}}}}}}};
  if (events) sim["events"] = {{"tick", {{"every_ms", 20}, {"payload", 0x0102}}}};
  const std::string path = temp(events ? "big-events.sim.json" : "big.sim.json");
  std::ofstream(path) << sim.dump();
  return path;
}

TEST(big_endian_device, call_fetches_its_profile_and_reads_its_replies_and_errors) {
  sim_process sim({"--sim", big_endian_sim(false)});
  auto r = run({cli, "call", sim.pty, "get_v"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "16909060\n");
  r = run({cli, "call", sim.pty, "fail"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe call: [devices.device_error] fail: device error 3 (out_of_range): nope\n");
}

TEST(big_endian_device, monitor_and_tap_decode_its_events) {
  const std::string bridge = "cli-fetch-big-" + std::to_string(getpid());
  sim_process sim({"--sim", big_endian_sim(true), "--bridge", bridge});
  auto m = run({cli, "monitor", sim.pty, "--json", "--count", "2"});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  const auto lines = lines_of(m.out);
  ASSERT_EQ(lines.size(), 2u) << m.out;
  for (const auto& l : lines) {
    const auto j = nlohmann::json::parse(l);
    EXPECT_EQ(j["event"], "tick") << l;
    EXPECT_EQ(j["payload"], 258) << l;
  }
  auto t = run({cli, "tap", bridge, "--json", "--count", "2"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const auto tapped = lines_of(t.out);
  ASSERT_EQ(tapped.size(), 2u) << t.out;
  for (const auto& l : tapped) EXPECT_EQ(nlohmann::json::parse(l)["payload"], 258) << l;
}

TEST(big_endian_device, log_dissector_and_replay_read_describe_errors_and_payloads) {
  if (!fs::exists(tshark)) COMFRAME_MISSING_TOOL("tshark is not installed (scripts/setup.sh installs it)");
  sim_process sim({"--sim", big_endian_sim(false)});
  const std::string cap = temp("big.pcapng"), lua = temp("big.lua");
  auto d = run({cli, "dissector", "--port", sim.pty, "-o", lua});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  auto l = run({cli, "log", "--port", sim.pty, "-o", cap, "--request", "get_v", "--request", "fail", "--count", "4"});
  ASSERT_EQ(l.exit_code, 0) << l.err;
  EXPECT_NE(l.err.find("log: frames 4, refused 0"), std::string::npos) << l.err;

  auto r = run({tshark, "-X", "lua_script:" + lua, "-r", cap, "-T", "fields", "-e", "comframe.name", "-e",
                "comframe.get_v.response", "-e", "comframe.error.code", "-e", "comframe.error.message"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("Lua"), std::string::npos) << r.err;
  EXPECT_EQ(lines_of(r.out), (std::vector<std::string>{"get_v\t\t\t", "get_v\t16909060\t\t", "fail\t\t\t",
                                                       "fail\t\t3\tnope"}));

  auto again = run({cli, "replay", cap, sim.pty});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.err.find("replay: sent 2, replies matching 2, differing 0"), std::string::npos) << again.err;
}

// At 9600 baud the thermo's profile takes seconds to cross the line: the fetch
// sizes its chunks to the line (from ?baud=, or by halving after a timeout)
// and works with the default timeout.
TEST(profile_fetch, works_on_a_slow_line_with_the_default_timeout) {
  sim_process sim({"--device", "thermo", "--baud", "9600"});
  for (const std::string& port : {sim.pty + "?baud=9600", sim.pty}) {
    auto r = run({cli, "call", port, "get_info", "--no-cache"});
    ASSERT_EQ(r.exit_code, 0) << port << ": " << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["serial_number"], 20240601) << port;
  }
}

// One flipped bit in a hundred: most replies fail their CRC, and the fetch halves
// its chunks and asks again until each arrives whole.
TEST(profile_fetch, gets_the_whole_profile_through_a_line_that_flips_bits) {
  sim_process sim({"--device", "thermo", "--faults", "flip=0.01,seed=7"});
  for (int i = 0; i < 3; ++i) {
    auto r = run({cli, "profile", sim.pty, "--no-cache"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(devices::profile::parse(r.out), devices::builtin::thermo::profile());
  }
}

// At 1200 baud a 256-byte chunk takes longer than the default timeout, and the
// URL does not say the line is slow: the fetch sees bytes arriving too slowly,
// measures the line and sizes its chunks and timeouts to it.
TEST(profile_fetch, measures_a_slow_line_that_the_url_does_not_name) {
  sim_process sim({"--device", "thermo", "--baud", "1200"});
  auto r = run({cli, "profile", sim.pty, "--no-cache", "--profile-deadline", "120000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(devices::profile::parse(r.out), devices::builtin::thermo::profile());
}

// A device streaming 1000 events a second through a line that flips bits: many
// events arrive broken, and a broken event is not a broken reply, so describe
// waits on for its own reply instead of failing.
TEST(profile_fetch, broken_events_do_not_fail_the_describe_requests) {
  sim_process sim({"--device", "thermo"});
  auto r = run({cli, "call", sim.pty, "start_telemetry", R"({"rate_hz": 1000})", "--no-cache"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  sim.proc.write_line("faults flip=0.01,seed=3");
  ASSERT_TRUE(sim.proc.wait_for_line("faults: ")) << sim.proc.output();
  for (int i = 0; i < 2; ++i) {
    r = run({cli, "profile", sim.pty, "--no-cache"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(devices::profile::parse(r.out), devices::builtin::thermo::profile());
  }
}

TEST(profile_fetch, an_overall_deadline_ends_a_fetch_that_cannot_finish_with_what_it_got) {
  sim_process sim({"--device", "thermo", "--baud", "300"});
  auto r = run({cli, "call", sim.pty, "get_info", "--no-cache", "--profile-deadline", "1500"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("comframe call: cannot fetch the device's profile (give one with --profile FILE: a device that speaks its own protocol cannot answer describe): "
                        "[devices.timeout] describe: "
                        "the profile was not complete within 1500 ms",
                        0),
            0u)
      << r.err;
  EXPECT_EQ(r.err.find("attempt"), std::string::npos) << "the deadline ends the fetch, no attempt retries it: " << r.err;
}

// Reads from the device side of a pty until `n` frames (0x00-terminated) arrived
// or 30 s passed; returns the bytes.
std::string read_frames(int master, int n) {
  std::string got;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::count(got.begin(), got.end(), '\0') < n && std::chrono::steady_clock::now() < until) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[512];
    const ssize_t k = read(master, buf, sizeof buf);
    if (k > 0) got.append(buf, static_cast<std::size_t>(k));
  }
  return got;
}

TEST(profile_fetch, a_stop_signal_ends_a_fetch_at_once_with_a_message) {
  for (const std::string command : {"call", "monitor"}) {
    test::pty_device silent;  // nobody answers
    std::vector<std::string> args{cli, command, silent.slave_path};
    if (command == "call") args.push_back("get_info");
    args.insert(args.end(), {"--timeout", "20000", "--profile-deadline", "60000"});
    child_process p(args);
    // The leading 0x00 and the first describe request: the fetch is under way.
    const std::string sent = read_frames(silent.master, 2);
    ASSERT_EQ(std::count(sent.begin(), sent.end(), '\0'), 2) << p.output();
    EXPECT_EQ(sent[0], '\0');
    EXPECT_EQ(p.stop(SIGTERM), 1) << p.output();
    EXPECT_NE(p.output().find("comframe " + command + ": stopped by a signal while fetching the device's profile\n"),
              std::string::npos)
        << p.output();
  }
}

}  // namespace

}  // namespace cli_fetch_test
