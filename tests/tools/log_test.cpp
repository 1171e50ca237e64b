// `comframe log`, `comframe dissector` and `comframe replay` as a new user runs
// them: the thermo simulator as a separate process on a real pty, captures
// recorded from the port and from the bridge, opened by Debian's tshark with the
// generated Lua dissector, and replayed against fresh simulators.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "comframe/devices/builtin/thermo.hpp"
#include "comframe/transport/capture.hpp"
#include "support/process.hpp"
#include "support/require_tool.hpp"
#include "support/sim_process.hpp"

namespace log_test {

namespace {

using namespace comframe;
using test::child_process;
using test::run;
namespace fs = std::filesystem;

const std::string cli = COMFRAME_CLI;
const std::string tshark = "/usr/bin/tshark";

std::string temp(const std::string& name) {
  const auto dir = fs::path(testing::TempDir()) / ("log_test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

/// `comframe sim --device thermo EXTRA...`
struct sim_process : test::sim_process {
  explicit sim_process(const std::vector<std::string>& extra = {})
      : test::sim_process(test::with({cli, "sim", "--device", "thermo"}, extra)) {}
};

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep)) out.push_back(item);
  return out;
}

// tshark's rows of fields (tab-separated), with the generated dissector.
std::vector<std::vector<std::string>> tshark_fields(const std::string& lua, const std::string& capture,
                                                    const std::vector<std::string>& fields) {
  std::vector<std::string> args{tshark, "-X", "lua_script:" + lua, "-r", capture, "-T", "fields"};
  for (const auto& f : fields) {
    args.push_back("-e");
    args.push_back(f);
  }
  const auto r = run(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // A Lua error shows in the packet tree, not in the exit status.
  EXPECT_EQ(r.err.find("Lua"), std::string::npos) << r.err;
  std::vector<std::vector<std::string>> rows;
  for (const auto& line : split(r.out, '\n')) {
    auto row = split(line, '\t');
    row.resize(fields.size());
    rows.push_back(row);
  }
  return rows;
}

std::string profile_file() {
  const std::string path = temp("thermo.profile.json");
  std::ofstream(path) << devices::builtin::thermo::profile().dump();
  return path;
}

TEST(log, a_port_capture_opens_in_tshark_with_the_generated_dissector_and_every_field_decoded) {
  if (!fs::exists(tshark)) COMFRAME_MISSING_TOOL("tshark is not installed (scripts/setup.sh installs it)");
  sim_process sim;
  const std::string cap = temp("port.pcapng"), lua = temp("thermo.lua");
  auto d = run({cli, "dissector", "--port", sim.pty, "-o", lua});  // from the device's self-description
  ASSERT_EQ(d.exit_code, 0) << d.err;
  auto r = run({cli, "log", "--port", sim.pty, "-o", cap, "--request", "get_info", "--request", "read_sensors",
                "--request", R"(set_led={"index":9,"rgb":[1,2,3]})", "--request",
                R"(set_config={"channels":2,"sample_period_ms":250,"alarm_high_cdeg":-500,"alarm_enabled":true})",
                "--count", "8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("log: frames 8, refused 0, lost 0 in 0 gaps"), std::string::npos) << r.err;

  const auto rows = tshark_fields(
      lua, cap,
      {"comframe.direction", "comframe.kind", "comframe.name", "comframe.seq", "comframe.crc_good",
       "comframe.get_info.response.serial_number", "comframe.get_info.response.name",
       "comframe.get_info.response.firmware.major", "comframe.get_info.response.firmware.patch",
       "comframe.read_sensors.response.supply_mv", "comframe.read_sensors.response.temps_cdeg",
       "comframe.error.code", "comframe.error.message", "comframe.set_config.request.alarm_high_cdeg",
       "comframe.set_config.response.sample_period_ms", "comframe.set_config.response.alarm_enabled"});
  ASSERT_EQ(rows.size(), 8u);
  const std::vector<std::string> dirs = {"to_device", "from_device"};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], dirs[i % 2]) << i;
    EXPECT_EQ(rows[i][4], "1") << i;  // CRC good
  }
  EXPECT_EQ(rows[0][1], "0");  // request
  EXPECT_EQ(rows[0][2], "get_info");
  EXPECT_EQ(rows[1][1], "1");  // response
  EXPECT_EQ(rows[1][3], rows[0][3]);  // the reply carries its request's sequence number
  EXPECT_EQ(rows[1][5], "20240601");
  EXPECT_EQ(rows[1][6], "thermo");
  EXPECT_EQ(rows[1][7], "1");
  EXPECT_EQ(rows[1][8], "2");
  EXPECT_EQ(rows[3][2], "read_sensors");
  EXPECT_NEAR(std::stoi(rows[3][9]), 3300, 3);
  const auto temps = split(rows[3][10], ',');
  ASSERT_EQ(temps.size(), 4u) << rows[3][10];  // four channels at power-up, 2150 + 37·c ± 5
  for (std::size_t c = 0; c < temps.size(); ++c) EXPECT_NEAR(std::stoi(temps[c]), 2150 + 37 * static_cast<int>(c), 5);
  EXPECT_EQ(rows[5][1], "3");  // error
  EXPECT_EQ(rows[5][11], "3");
  EXPECT_EQ(rows[5][12], "LED index 9 is outside 0..7");
  EXPECT_EQ(rows[6][13], "-500");
  EXPECT_EQ(rows[7][14], "250");
  EXPECT_EQ(rows[7][15], "1");
}

TEST(log, a_bridge_capture_records_another_programs_requests_and_tshark_reads_them) {
  if (!fs::exists(tshark)) COMFRAME_MISSING_TOOL("tshark is not installed (scripts/setup.sh installs it)");
  const std::string bridge = "log-test-" + std::to_string(getpid());
  sim_process sim({"--bridge", bridge});
  const std::string cap = temp("bridge.pcapng"), lua = temp("thermo-file.lua"), profile = profile_file();
  ASSERT_EQ(run({cli, "dissector", "--profile", profile, "-o", lua}).exit_code, 0);
  child_process log({cli, "log", "--bridge", bridge, "-o", cap, "--count", "8"});
  ASSERT_TRUE(log.wait_for_line("log: recording bridge")) << log.output();
  // Each call checks the profile's hash (describe, --check) and then makes its request: 4 frames.
  auto a = run({cli, "call", sim.pty, "get_info", "--profile", profile, "--check"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto b = run({cli, "call", sim.pty, "read_sensors", "--profile", profile, "--check"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  ASSERT_TRUE(log.wait_for_line("log: frames 8")) << log.output();
  EXPECT_EQ(log.stop(), 0);

  const auto rows = tshark_fields(lua, cap,
                                  {"comframe.direction", "comframe.name", "comframe.get_info.response.serial_number",
                                   "comframe.read_sensors.response.sequence", "frame.time_epoch"});
  ASSERT_EQ(rows.size(), 8u);
  std::vector<std::string> names;
  for (const auto& row : rows) names.push_back(row[1] + " " + row[0]);
  EXPECT_EQ(names, (std::vector<std::string>{"describe to_device", "describe from_device", "get_info to_device",
                                             "get_info from_device", "describe to_device", "describe from_device",
                                             "read_sensors to_device", "read_sensors from_device"}));
  EXPECT_EQ(rows[3][2], "20240601");
  EXPECT_EQ(rows[7][3], "0");
  // Real timestamps, in order.
  EXPECT_GT(std::stod(rows[0][4]), 1.7e9);
  EXPECT_LE(std::stod(rows[0][4]), std::stod(rows[7][4]));
}

TEST(log, frames_the_receiver_refused_are_kept_raw_and_flagged_and_tshark_says_why) {
  if (!fs::exists(tshark)) COMFRAME_MISSING_TOOL("tshark is not installed (scripts/setup.sh installs it)");
  sim_process sim({"--faults", "garbage=1,seed=3"});  // garbage after every reply
  const std::string cap = temp("faults.pcapng"), lua = temp("faults.lua");
  ASSERT_EQ(run({cli, "dissector", "--profile", profile_file(), "-o", lua}).exit_code, 0);
  auto r = run({cli, "log", "--port", sim.pty, "-o", cap, "--request", "get_info", "--request", "get_info",
                "--request", "get_info", "--count", "9"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t refused = 0, good = 0;
  transport::capture_reader reader(cap);
  while (auto rec = reader.next()) {
    if (rec->flags & transport::record_flag::refused) {
      ++refused;
      EXPECT_TRUE(rec->error.has_value());
      EXPECT_EQ(rec->dir, transport::direction::from_device);
    } else {
      ++good;
    }
  }
  EXPECT_GE(refused, 1u);
  EXPECT_EQ(refused + good, 9u);
  std::size_t invalid = 0;
  for (const auto& row : tshark_fields(lua, cap, {"comframe.invalid", "frame.comment"})) {
    if (row[0].empty()) continue;
    ++invalid;
    EXPECT_EQ(row[1].rfind("refused by the receiver (", 0), 0u) << row[1];
  }
  EXPECT_EQ(invalid, refused);
}

TEST(log, json_lines_and_the_hexdump_hold_the_same_frames_decoded_and_in_hex) {
  sim_process sim;
  const std::string jsonl = temp("cap.jsonl"), hex = temp("cap.hex");
  auto j = run({cli, "log", "--port", sim.pty, "-o", jsonl, "--request", "get_info", "--count", "2"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  std::ifstream in(jsonl);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["dir"], "out");
  EXPECT_EQ(lines[0]["command"], "get_info");
  EXPECT_EQ(lines[1]["dir"], "in");
  EXPECT_EQ(lines[1]["payload"]["serial_number"], 20240601);

  auto h = run({cli, "log", "--port", sim.pty, "-o", hex, "--request", "get_info", "--count", "2"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  std::ifstream hin(hex);
  const std::string text((std::istreambuf_iterator<char>(hin)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.rfind("# comframe hexdump of " + sim.pty, 0), 0u) << text;
  EXPECT_NE(text.find("Z > 10 bytes\n  0000  01 00 01 00"), std::string::npos) << text;  // request get_info
  EXPECT_NE(text.find("Z < 34 bytes\n  0000  01 01 01 00"), std::string::npos) << text;  // its response
  EXPECT_NE(text.find("th|\n  0010  65 72 6d 6f"), std::string::npos) << text;  // "thermo" across two lines
}

TEST(log, rotation_splits_a_long_recording_into_files_tshark_opens_each) {
  sim_process sim;
  const std::string cap = temp("rot.pcapng");
  auto r = run({cli, "log", "--port", sim.pty, "-o", cap, "--rotate-size", "2048", "--request",
                R"(start_telemetry={"rate_hz":200})", "--count", "60"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t files = 0, frames = 0;
  for (std::size_t i = 0; fs::exists(transport::rotated_path(cap, i)); ++i) {
    const auto f = transport::rotated_path(cap, i);
    EXPECT_LE(fs::file_size(f), 2048u);
    transport::capture_reader reader(f);
    while (reader.next()) ++frames;
    ++files;
  }
  EXPECT_GT(files, 2u);
  EXPECT_GE(frames, 60u);
  if (fs::exists(tshark)) {
    const auto t = run({tshark, "-r", transport::rotated_path(cap, 1), "-T", "fields", "-e", "frame.number"});
    EXPECT_EQ(t.exit_code, 0) << t.err;
    EXPECT_FALSE(t.out.empty());
  }
}

TEST(replay, a_capture_replayed_to_a_fresh_simulator_gets_the_same_replies) {
  const std::string cap = temp("replay.pcapng");
  {
    sim_process first;
    auto r = run({cli, "log", "--port", first.pty, "-o", cap, "--request", "get_info", "--request", "read_sensors",
                  "--request", "get_config", "--count", "6"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  sim_process second;
  auto r = run({cli, "replay", cap, second.pty});  // asks the device for its profile first: no effect on replies
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("replay: sent 3, replies matching 3, differing 0"), std::string::npos) << r.err;

  // The same capture again: read_sensors now counts its second reading, so that reply differs
  // (named by the device's own profile).
  auto again = run({cli, "replay", cap, second.pty, "--as-fast-as-possible"});
  EXPECT_EQ(again.exit_code, 1) << again.err;
  EXPECT_NE(again.out.find("differs: seq "), std::string::npos) << again.out;
  EXPECT_NE(again.out.find(" read_sensors: payload.sequence 0 -> 1"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("\n  captured: "), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("\"sequence\":0"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("\"sequence\":1"), std::string::npos) << again.out;
  EXPECT_NE(again.err.find("comframe replay: 1 reply differs from the capture"), std::string::npos) << again.err;
}

TEST(replay, a_changed_configuration_shows_as_differing_replies_that_name_the_fields) {
  const std::string cap = temp("replay-config.pcapng");
  {
    sim_process first;
    ASSERT_EQ(run({cli, "log", "--port", first.pty, "-o", cap, "--request", "get_config", "--request",
                   "read_sensors", "--count", "4"})
                  .exit_code,
              0);
  }
  sim_process second;
  ASSERT_EQ(run({cli, "call", second.pty, "set_config",
                 R"({"channels":6,"sample_period_ms":100,"alarm_high_cdeg":8000,"alarm_enabled":false})"})
                .exit_code,
            0);
  auto r = run({cli, "replay", cap, second.pty, "--profile", profile_file()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("get_config: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("payload.channels 4 -> 6"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n  captured: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"channels\":4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"channels\":6"), std::string::npos) << r.out;
  // Six channels read where the capture has four: the same first four, two more at the end.
  const auto sensors = r.out.find("read_sensors: ");
  ASSERT_NE(sensors, std::string::npos) << r.out;
  const auto line = r.out.substr(sensors, r.out.find('\n', sensors) - sensors);
  EXPECT_EQ(line.find("temps_cdeg[0]"), std::string::npos) << line;
  EXPECT_NE(line.find("read_sensors: payload.temps_cdeg[4] (none) -> 2"), std::string::npos) << line;
  EXPECT_NE(line.find("; payload.temps_cdeg[5] (none) -> 2"), std::string::npos) << line;
}

TEST(log, bad_arguments_and_broken_captures_are_one_line_errors) {
  auto none = run({cli, "log", "-o", temp("x.pcapng")});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.err, "comframe log: give one source: --port PORT or --bridge NAME\n");
  auto fmt = run({cli, "log", "--port", "/dev/null", "-o", temp("x.pcapng"), "--format", "pdf"});
  EXPECT_EQ(fmt.exit_code, 2);
  auto gone = run({cli, "log", "--bridge", "no-such-bridge-here", "-o", temp("x.pcapng")});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("no-such-bridge-here"), std::string::npos) << gone.err;
  sim_process sim;
  auto unwritable = run({cli, "log", "--port", sim.pty, "-o", "/nonexistent-dir/cap.pcapng"});
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_NE(unwritable.err.find("/nonexistent-dir/cap.pcapng: cannot create: No such file or directory"),
            std::string::npos)
      << unwritable.err;
  auto dis = run({cli, "dissector"});
  EXPECT_EQ(dis.exit_code, 1);
  EXPECT_EQ(dis.err, "comframe dissector: give one of --profile FILE or --port PORT\n");

  const std::string broken = temp("broken.pcapng");
  std::ofstream(broken) << std::string("\x0a\x0d\x0d\x0a\x07\x00\x00\x00\x4d\x3c\x2b\x1a", 12);
  auto r = run({cli, "replay", broken, "/dev/null"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe replay: [transport.capture] " + broken + " at byte 4: block total length 7 is less than 12\n");
}

}  // namespace

}  // namespace log_test
