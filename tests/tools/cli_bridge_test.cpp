// The shared-memory bridge from the command line, as a new user tries it:
// `comframe sim --bridge NAME` in one process, `comframe tap NAME` in others;
// one tap stopped and resumed, the simulator killed and restarted.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fcntl.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "comframe/core/hex.hpp"
#include "comframe/core/json_text.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/transport/bridge.hpp"
#include "support/process.hpp"

namespace cli_bridge_test {

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
  sim_process(const std::string& name, const std::string& link_path, std::vector<std::string> extra = {})
      : link(link_path), proc([&] {
          std::vector<std::string> args{cli, "sim", "--device", "thermo", "--symlink", link, "--bridge", name};
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
  explicit tap_process(const std::string& name) : proc({cli, "tap", name, "--json"}) {
    if (!proc.wait_for_line("tap: " + name + " (publisher pid"))
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
  std::size_t count(const char* event) const {
    std::size_t n = 0;
    for (const auto& j : lines) n += j.value("bus", "") == event;
    return n;
  }
};

bool is_response(const nlohmann::json& j, const char* command) {
  return j.value("command", "") == command && j.value("kind", "") == "response";
}

TEST(cli_bridge, two_taps_see_every_frame_of_the_simulator_decoded_by_the_profile_on_the_bridge) {
  const std::string name = unique("cli-two-taps");
  sim_process sim(name, temp_link("bridge-two-taps"));
  tap_process a(name), b(name);
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
    // Bridge sequence numbers run without a gap.
    for (std::size_t i = 1; i < tap->lines.size(); ++i)
      EXPECT_EQ(tap->lines[i]["bus_seq"].get<std::uint64_t>(), tap->lines[i - 1]["bus_seq"].get<std::uint64_t>() + 1);
  }
  EXPECT_EQ(a.proc.stop(SIGINT), 0);
  EXPECT_NE(a.proc.output().find("tap: records " + std::to_string(a.lines.size()) + ", lost 0 in 0 gaps"),
            std::string::npos)
      << a.proc.output();
}

// Whether the steady tap keeps up is up to the scheduler (a 4 KiB ring is 0.3 s
// of 200 Hz telemetry), so the test asserts what holds however the taps are
// scheduled: each tap reads or counts every record, and the stopped one lost some.
TEST(cli_bridge, stopped_tap_reports_exactly_the_records_it_lost_and_both_account_for_every_record) {
  const std::string name = unique("cli-stopped-tap");
  sim_process sim(name, temp_link("bridge-stopped"), {"--bridge-ring", "4096"});
  tap_process stopped(name), steady(name);
  ASSERT_EQ(run({cli, "call", sim.link, "start_telemetry", R"({"rate_hz": 200})", "-c"}).exit_code, 0);
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

  // Every record is either read or counted lost, in order, by each tap: both
  // account for the same records from the first.
  struct tally {
    std::uint64_t read = 0, lost = 0, gaps = 0;
  };
  auto account = [](const tap_process& tap) {
    tally t;
    std::uint64_t next = tap.lines.front()["bus_seq"].get<std::uint64_t>();
    EXPECT_EQ(next, 0u);
    for (const auto& j : tap.lines) {
      if (j.value("bus", "") == "lost") {
        t.lost += j["lost"].get<std::uint64_t>();
        ++t.gaps;
        next += j["lost"].get<std::uint64_t>();
        EXPECT_EQ(j["before_seq"].get<std::uint64_t>(), next);
      } else if (j.contains("bus_seq")) {
        EXPECT_EQ(j["bus_seq"].get<std::uint64_t>(), next);
        ++next;
        ++t.read;
      }
    }
    return t;
  };
  const tally s = account(stopped), k = account(steady);
  EXPECT_GT(s.lost, 0u);
  EXPECT_EQ(s.read + s.lost, k.read + k.lost);
  EXPECT_EQ(stopped.proc.stop(SIGINT), 0);
  EXPECT_NE(stopped.proc.output().find("tap: records " + std::to_string(s.read) + ", lost " + std::to_string(s.lost) +
                                       " in " + std::to_string(s.gaps) + (s.gaps == 1 ? " gap," : " gaps,")),
            std::string::npos)
      << stopped.proc.output();
}

TEST(cli_bridge, taps_report_a_killed_simulator_and_follow_its_successor_on_the_same_name) {
  const std::string name = unique("cli-restart");
  const std::string link = temp_link("bridge-restart");
  auto sim = std::make_unique<sim_process>(name, link);
  tap_process tap(name);
  ASSERT_EQ(run({cli, "call", link, "get_info", "-c"}).exit_code, 0);
  ASSERT_TRUE(tap.wait_for([](const auto& j) { return is_response(j, "get_info"); }));
  EXPECT_EQ(sim->proc.stop(SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(tap.wait_for([](const auto& j) { return j.value("bus", "") == "publisher_gone"; })) << tap.proc.output();
  EXPECT_NE(tap.lines.back()["detail"].get<std::string>().find(" died"), std::string::npos) << tap.lines.back();

  // No cleanup of /dev/shm: the new simulator takes the name over.
  std::filesystem::remove(link);
  sim = std::make_unique<sim_process>(name, link);
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

TEST(cli_bridge, second_simulator_on_a_live_bridge_name_is_refused_with_the_owner) {
  const std::string name = unique("cli-in-use");
  sim_process sim(name, temp_link("bridge-in-use"));
  const auto second = run({cli, "sim", "--device", "echo", "--bridge", name});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("--bridge: [transport.bridge.in_use] bridge \"" + name + "\" is in use by pid " + std::to_string(sim.proc.pid())),
            std::string::npos)
      << second.err;
}

TEST(cli_bridge, tap_of_a_missing_bridge_or_a_bad_name_says_so) {
  auto r = run({cli, "tap", "no-such-bridge"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no bridge \"no-such-bridge\""), std::string::npos) << r.err;
  r = run({cli, "tap", "a/b"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bridge name \"a/b\" is not allowed"), std::string::npos) << r.err;
}


// ---- the profile on the bridge ------------------------------------------------------

// A profile of `commands` commands (and `events` events) with names of `name_length` characters.
std::string big_profile(const std::string& device, int commands, int events, std::size_t name_length) {
  auto name = [&](const char* what, int i) {
    std::string n = std::string(what) + "_" + std::to_string(i) + "_";
    n.resize(name_length, 'x');
    return n;
  };
  nlohmann::json doc = {{"comframe_profile", 1}, {"device", device}, {"commands", nlohmann::json::array()}};
  for (int i = 0; i < commands; ++i)
    doc["commands"].push_back({{"id", i + 1}, {"name", name("command", i)}, {"request", "null"}, {"response", "u32"}});
  if (events) doc["events"] = nlohmann::json::array();
  for (int i = 0; i < events; ++i)
    doc["events"].push_back({{"id", 0x8000 + i}, {"name", name("event", i)}, {"payload", "u8"}});
  return doc.dump();
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = temp_link(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// A 250-command profile (24 KB canonical, over a 16 KiB latest-value slot)
// used to vanish from the bridge: taps printed "not in the profile" per frame.
TEST(cli_bridge, a_250_command_profile_is_on_the_bridge_and_taps_decode_with_it) {
  const std::string text = big_profile("big", 250, 0, 40);
  ASSERT_GT(comframe::devices::profile::parse(text).to_json().dump().size(), std::size_t{16} << 10);
  const std::string file = write_temp("big.json", text);
  const std::string name = unique("cli-big-profile");
  const std::string link = temp_link("bridge-big");
  child_process sim({cli, "sim", "--profile", file, "--symlink", link, "--bridge", name});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  const std::string command = "command_249_" + std::string(40 - 12, 'x');
  const auto call = run({cli, "call", link, command, "--profile", file});
  ASSERT_EQ(call.exit_code, 0) << call.err;
  const auto tap = run({cli, "tap", name, "--json", "--from-oldest", "--duration", "1"});
  ASSERT_EQ(tap.exit_code, 0) << tap.err;
  EXPECT_NE(tap.err.find("tap: decoding with the profile on the bridge: big 1"), std::string::npos) << tap.err;
  EXPECT_EQ(tap.err.find("no profile"), std::string::npos) << tap.err;
  EXPECT_EQ(tap.out.find("not in the profile"), std::string::npos) << tap.out;
  std::size_t decoded = 0;
  std::istringstream lines(tap.out);
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.value("command", "") == command) {
      ++decoded;
      EXPECT_TRUE(j.contains("payload")) << line;
    }
  }
  EXPECT_EQ(decoded, 2u) << tap.out;  // the request and its response
}

TEST(cli_bridge, a_profile_over_the_documented_size_limit_is_refused_at_load) {
  const std::string file = write_temp("huge.json", big_profile("huge", 4096, 4096, 128));
  const auto r = run({cli, "sim", "--profile", file, "--bridge", unique("cli-huge")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(": the canonical form is "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" bytes, over the limit of 1048576 (1 MiB)"), std::string::npos) << r.err;
}

// ---- truncated records and a bridge without a profile ---------------------------------

namespace bridge = comframe::transport::bridge;
using comframe::transport::direction;

// A bridge published from this process: no profile, records up to 64 bytes.
struct test_bridge {
  std::string name;
  bridge::publisher publisher;
  explicit test_bridge(const std::string& what)
      : name(unique(what)), publisher(name, bridge::publisher_options{.max_record_bytes = 64}) {}
};

std::vector<std::uint8_t> filled(std::size_t n, std::uint8_t v) { return std::vector<std::uint8_t>(n, v); }

// A good event frame of 80 bytes cut to 64 (flags 0x02); a refused frame of
// 100 raw bytes cut to 64 (0x03); a whole event frame of 12 bytes.
void publish_cut_frames(bridge::publisher& publisher) {
  const comframe::transport::frame_header h{.kind = comframe::transport::frame_kind::event, .command = 0x8001,
                                            .sequence = 0};
  publisher.publish_frame(direction::from_device, h, filled(70, 0xaa), 0, 1000000000);
  publisher.publish(direction::from_device, filled(100, 0x55), 0, bridge::refused,
                    comframe::transport::frame_error::oversize, 1000000000);
  publisher.publish_frame(direction::from_device, h, filled(2, 0xbb), 0, 1000000000);
}

TEST(cli_bridge, tap_shows_a_truncated_record_as_truncated_with_the_bytes_kept_of_how_many) {
  test_bridge b("cli-truncated");
  publish_cut_frames(b.publisher);
  const auto frame = comframe::transport::frame_bytes(
      {.kind = comframe::transport::frame_kind::event, .command = 0x8001, .sequence = 0}, filled(70, 0xaa));
  const std::string kept_hex = comframe::core::hex_text(std::span(frame).first(64));

  const auto json = run({cli, "tap", b.name, "--json", "--from-oldest", "--count", "3"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  std::vector<nlohmann::json> lines;
  std::istringstream in(json.out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 3u) << json.out;
  EXPECT_EQ(lines[0], (nlohmann::json{{"time", "1970-01-01T00:00:01.000000Z"},
                                      {"dir", "in"},
                                      {"truncated", {{"kept", 64}, {"of", 80}}},
                                      {"bus_seq", 0},
                                      {"kind", "event"},
                                      {"command_id", 0x8001},
                                      {"seq", 0},
                                      {"frame_hex", kept_hex}}));
  EXPECT_EQ(lines[1], (nlohmann::json{{"time", "1970-01-01T00:00:01.000000Z"},
                                      {"dir", "in"},
                                      {"truncated", {{"kept", 64}, {"of", 100}}},
                                      {"bus_seq", 1},
                                      {"error", "oversize"},
                                      {"raw", comframe::core::hex_text(filled(64, 0x55))}}));
  EXPECT_FALSE(lines[2].contains("truncated"));
  EXPECT_EQ(lines[2]["payload_hex"], "bb bb");
  EXPECT_FALSE(lines[2].contains("payload_error"));  // no profile: said once on stderr, not per frame
  EXPECT_NE(json.err.find("refused frames 1, truncated 2,"), std::string::npos) << json.err;

  const auto text = run({cli, "tap", b.name, "--from-oldest", "--count", "3"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  std::istringstream tl(text.out);
  std::string first, second, third;
  std::getline(tl, first);
  std::getline(tl, second);
  std::getline(tl, third);
  EXPECT_EQ(first, "1970-01-01T00:00:01.000000Z < truncated event id 32769 seq=0: 64 of 80 bytes kept: " +
                       kept_hex.substr(0, 32 * 3 - 1) + " …");
  EXPECT_EQ(second, "1970-01-01T00:00:01.000000Z < refused frame (oversize), truncated: 64 of 100 bytes kept of the "
                    "raw bytes: " + comframe::core::hex_text(filled(32, 0x55)) + " …");
  EXPECT_EQ(third, "1970-01-01T00:00:01.000000Z < event id 0x8001 seq=0 (2 bytes)");
  EXPECT_NE(text.err.find("refused frames 1, truncated 2,"), std::string::npos) << text.err;
}

TEST(cli_bridge, tap_says_once_that_a_bridge_carries_no_profile) {
  test_bridge b("cli-no-profile");
  publish_cut_frames(b.publisher);
  publish_cut_frames(b.publisher);
  const auto r = run({cli, "tap", b.name, "--from-oldest", "--count", "6"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string said =
      "tap: the bridge carries no profile: payloads are shown as hex, not decoded (give --profile FILE)\n";
  const auto at = r.err.find(said);
  EXPECT_NE(at, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(said, at + 1), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("not in the profile"), std::string::npos) << r.out;
}

// ---- errors ------------------------------------------------------------------------------

TEST(cli_bridge, tap_of_a_corrupt_segment_names_the_id_and_the_fields_own_offset) {
  test_bridge b("cli-corrupt");
  b.publisher.publish(direction::to_device, filled(5, 1));  // head 48
  const int fd = ::open(bridge::segment_path(b.name).c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  const std::uint64_t head = 48 + (std::uint64_t{4} << 20) + 8;
  ASSERT_EQ(::pwrite(fd, &head, 8, 128), 8);
  ::close(fd);
  const auto r = run({cli, "tap", b.name});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe tap: [transport.bridge.corrupt] " + bridge::segment_path(b.name) +
                       ": head at byte 128: head " + std::to_string(head) + " is more than the ring ahead of tail 0\n");
}

TEST(cli_bridge, tap_echoes_a_long_bad_name_cut) {
  const auto r = run({cli, "tap", std::string(100000, 'a') + "/"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe tap: [transport.bridge.name] bridge name \"" + std::string(64, 'a') +
                       "\" (cut: 64 of 100001 bytes shown) is not allowed: use 1 to 64 letters, digits, '.', '-' or "
                       "'_', not starting with '.'\n");
}


// ---- comframe sim --bridge-record ----------------------------------------------------

std::uint32_t max_record_bytes_of(const std::string& name) {
  std::ifstream f("/dev/shm/comframe." + name, std::ios::binary);
  std::uint32_t v = 0;
  f.seekg(56);  // the header's max_record_bytes (docs/bridge.md, Header)
  f.read(reinterpret_cast<char*>(&v), sizeof v);
  return v;
}

TEST(cli_bridge, sim_bridge_record_cuts_every_frame_over_it_and_keeps_shorter_frames_whole) {
  const std::string name = unique("cli-bridge-record");
  sim_process sim(name, temp_link("bridge-record"), {"--bridge-record", "12"});
  EXPECT_EQ(max_record_bytes_of(name), 12u);
  tap_process tap(name);
  const auto call = run({cli, "call", sim.link, "get_info", "-c"});
  ASSERT_EQ(call.exit_code, 0) << call.err;
  ASSERT_TRUE(tap.wait_for([](const auto& j) { return j.value("command_id", 0) == 1 && j.value("dir", "") == "in"; }))
      << tap.proc.output();
  // describe's requests (16 bytes) and replies, as many as the fetch took, then
  // get_info's request (10 bytes) and reply (34 bytes): only the 10-byte frame is whole.
  const std::size_t n = tap.lines.size();
  ASSERT_GE(n, 4u) << tap.proc.output();
  ASSERT_EQ(n % 2, 0u) << tap.proc.output();
  for (std::size_t i = 0; i + 2 < n; ++i) {
    const auto& line = tap.lines[i];
    EXPECT_EQ(line["command_id"], 0xfff0) << line;
    EXPECT_EQ(line["kind"], i % 2 == 0 ? "request" : "response") << line;
    EXPECT_EQ(line["truncated"]["kept"], 12) << line;
    if (i % 2 == 0) EXPECT_EQ(line["truncated"]["of"], 16) << line;
    else EXPECT_GT(line["truncated"]["of"].get<int>(), 12) << line;
  }
  const auto& request = tap.lines[n - 2];
  EXPECT_FALSE(request.contains("truncated")) << request;
  EXPECT_EQ(request["command"], "get_info");
  EXPECT_EQ(request["payload"], nullptr);
  const auto& reply = tap.lines[n - 1];
  const auto seq = request["seq"].get<std::uint16_t>();
  const std::uint8_t header_and_firmware[] = {0x01, 0x01, 0x01, 0x00, std::uint8_t(seq), std::uint8_t(seq >> 8),
                                              0x01, 0x04, 0x02, 0x00, 0xd9, 0xd8};  // 1.4.2, serial 20240601…
  EXPECT_EQ(reply, (nlohmann::json{{"time", reply["time"]},
                                   {"dir", "in"},
                                   {"truncated", {{"kept", 12}, {"of", 34}}},
                                   {"bus_seq", n - 1},
                                   {"kind", "response"},
                                   {"command_id", 1},
                                   {"seq", seq},
                                   {"frame_hex", comframe::core::hex_text(header_and_firmware)}}));
  EXPECT_EQ(tap.proc.stop(SIGINT), 0);
  EXPECT_NE(tap.proc.output().find("tap: records " + std::to_string(n) + ", lost 0 in 0 gaps, refused frames 0, truncated " +
                                   std::to_string(n - 1) + ","),
            std::string::npos)
      << tap.proc.output();
}

TEST(cli_bridge, sim_bridge_record_is_refused_over_a_quarter_of_the_ring_and_without_a_bridge) {
  const std::string name = unique("cli-bridge-record-bad");
  auto r = run({cli, "sim", "--device", "thermo", "--bridge", name, "--bridge-ring", "4096", "--bridge-record", "1025"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("comframe sim: --bridge: [transport.bridge.usage] max_record_bytes 1025 is not from 1 to a quarter of ring_bytes"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists("/dev/shm/comframe." + name));
  r = run({cli, "sim", "--device", "thermo", "--bridge-record", "12"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--bridge-record requires --bridge"), std::string::npos) << r.err;
}

}  // namespace

}  // namespace cli_bridge_test
