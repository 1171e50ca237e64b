// The readers of captured frames with a framing described in a profile: a
// Modbus-RTU-like device (tests/tools/data/modbus_rtu.json: schema_length,
// address and function header, CRC-16/MODBUS, an error rule) simulated by
// `comframe sim --profile` on a real pty, recorded by `comframe log`, read back
// by `comframe replay` and `comframe tap`, and refused with another profile.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "comframe/core/hex.hpp"
#include "comframe/devices/builtin/thermo.hpp"
#include "comframe/transport/capture.hpp"
#include "support/process.hpp"
#include "support/sim_process.hpp"

namespace log_framing_test {

namespace {

using namespace comframe;
using test::run;
namespace fs = std::filesystem;

const std::string cli = COMFRAME_CLI;
const std::string modbus = std::string(COMFRAME_SOURCE_DIR) + "/tests/tools/data/modbus_rtu.json";

std::string temp(const std::string& name) {
  const auto dir = fs::path(testing::TempDir()) / ("log_framing_test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

/// `comframe sim --profile modbus_rtu.json EXTRA...`: every command answers its response's zero value.
struct modbus_sim : test::sim_process {
  explicit modbus_sim(const std::vector<std::string>& extra = {})
      : test::sim_process(test::with({cli, "sim", "--profile", modbus}, extra)) {}
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// Two reads and a write, recorded from the port into `cap`.
void record(const std::string& cap, const std::string& pty) {
  auto r = run({cli, "log", "--port", pty, "--profile", modbus, "-o", cap, "--request",
                R"(read_holding_registers={"start": 0, "count": 2})", "--request",
                R"(write_single_register={"register": 1, "value": 7})", "--request",
                R"(read_holding_registers={"start": 0, "count": 2})", "--count", "6"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("log: frames 6, refused 0"), std::string::npos) << r.err;
}

std::string thermo_profile_file() {
  const std::string path = temp("thermo.profile.json");
  std::ofstream(path) << devices::builtin::thermo::profile().dump();
  return path;
}

TEST(log_framing, a_capture_names_the_framing_and_keeps_each_modbus_frame_with_its_crc) {
  const std::string cap = temp("modbus.pcapng");
  {
    modbus_sim sim;
    record(cap, sim.pty);
  }
  transport::capture_reader reader(cap);
  std::vector<std::string> frames;
  std::string named;
  while (auto r = reader.next()) {
    named = reader.link_framing(r->link_id);
    frames.push_back(std::string(r->dir == transport::direction::to_device ? "> " : "< ") + core::hex_text(r->bytes));
  }
  ASSERT_EQ(frames.size(), 6u);
  // Address 1, function, payload, CRC-16/MODBUS low byte first: the frames as on the wire.
  EXPECT_EQ(frames[0], "> 01 03 00 00 00 02 c4 0b");
  EXPECT_EQ(frames[1], "< 01 03 00 20 f0");  // zero registers: byte_count 0
  EXPECT_EQ(frames[2], "> 01 06 00 01 00 07 99 c8");
  EXPECT_EQ(frames[3], "< 01 06 00 00 00 00 89 ca");
  const auto framing = nlohmann::json::parse(named);
  EXPECT_EQ(framing["delimiting"]["kind"], "schema_length");
  EXPECT_EQ(framing["replies"]["match"], "address_command");
}

TEST(log_framing, json_lines_decode_the_modbus_frames_by_the_profile) {
  const std::string jsonl = temp("modbus.jsonl");
  {
    modbus_sim sim;
    record(jsonl, sim.pty);
  }
  std::ifstream in(jsonl);
  std::stringstream text;
  text << in.rdbuf();
  const auto lines = lines_of(text.str());
  ASSERT_EQ(lines.size(), 6u) << text.str();
  std::size_t reads = 0, writes = 0, responses = 0;
  for (const auto& line : lines) {
    const auto j = nlohmann::json::parse(line);
    ASSERT_TRUE(j.contains("kind")) << line;  // parsed, not refused
    EXPECT_EQ(j.value("address", -1), 1) << line;
    if (j["kind"] == "response") ++responses;
    if (j.value("command", "") == "read_holding_registers") ++reads;
    if (j.value("command", "") == "write_single_register") ++writes;
  }
  EXPECT_EQ(reads, 4u);
  EXPECT_EQ(writes, 2u);
  EXPECT_EQ(responses, 3u);
  const auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["kind"], "request");
  EXPECT_EQ(first["payload"], nlohmann::json({{"start", 0}, {"count", 2}}));
  const auto write = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(write["payload"], nlohmann::json({{"register", 1}, {"value", 7}}));
}

TEST(log_framing, replay_pairs_by_address_and_command_and_gets_the_same_replies_from_a_fresh_sim) {
  const std::string cap = temp("modbus-replay.pcapng");
  {
    modbus_sim first;
    record(cap, first.pty);
  }
  modbus_sim second;
  auto r = run({cli, "replay", cap, second.pty, "--profile", modbus, "--as-fast-as-possible"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("replay: sent 3, replies matching 3, differing 0"), std::string::npos) << r.err;
  // Without --profile a Modbus device cannot describe itself, and a reply's length comes from the schemas.
  auto bare = run({cli, "replay", cap, second.pty, "--as-fast-as-possible"});
  EXPECT_EQ(bare.exit_code, 1) << bare.out << bare.err;
  EXPECT_NE(bare.err.find("tells where a reply ends by the profile's schemas: give --profile FILE"), std::string::npos)
      << bare.err;
  EXPECT_EQ(bare.err.find("replay: sent"), std::string::npos) << bare.err;
}

TEST(log_framing, a_profile_whose_framing_differs_from_the_captures_is_refused_naming_both) {
  const std::string cap = temp("modbus-mismatch.pcapng");
  {
    modbus_sim sim;
    record(cap, sim.pty);
  }
  modbus_sim sim;
  auto r = run({cli, "replay", cap, sim.pty, "--profile", thermo_profile_file()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("the capture's framing differs from the profile's"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("schema_length"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("comframe's own framing"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("replay: sent"), std::string::npos) << r.err;  // nothing was sent
}

TEST(log_framing, tap_decodes_the_bridge_frames_with_the_profiles_framing) {
  const std::string bridge = "lf" + std::to_string(getpid());
  modbus_sim sim({"--bridge", bridge});
  test::child_process tap({cli, "tap", bridge, "--json", "--from-oldest", "--wait", "--count", "4"});
  auto a = run({cli, "call", sim.pty, "read_holding_registers", R"({"start": 0, "count": 2})", "--profile", modbus});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto b = run({cli, "call", sim.pty, "write_single_register", R"({"register": 1, "value": 7})", "--profile", modbus});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  std::vector<nlohmann::json> frames;
  while (frames.size() < 4) {
    const auto line = tap.wait_for_line("{");
    if (!line) break;
    auto j = nlohmann::json::parse("{" + *line);
    if (j.contains("dir")) frames.push_back(j);
  }
  tap.stop();
  ASSERT_EQ(frames.size(), 4u) << tap.output();
  EXPECT_EQ(frames[0]["kind"], "request");
  EXPECT_EQ(frames[0]["command"], "read_holding_registers");
  EXPECT_EQ(frames[0]["payload"], nlohmann::json({{"start", 0}, {"count", 2}}));
  EXPECT_EQ(frames[1]["kind"], "response");
  EXPECT_EQ(frames[1]["payload"]["values"], nlohmann::json::array());
  EXPECT_EQ(frames[2]["command"], "write_single_register");
  EXPECT_EQ(frames[2]["payload"], nlohmann::json({{"register", 1}, {"value", 7}}));
  EXPECT_EQ(frames[3]["kind"], "response");

  // A --profile whose framing is not the bridge's is refused, naming both.
  auto other = run({cli, "tap", bridge, "--from-oldest", "--count", "1", "--profile", thermo_profile_file()});
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.err.find("the bridge's framing differs from the profile's"), std::string::npos) << other.err;
  EXPECT_NE(other.err.find("(modbus-rtu-like) has {"), std::string::npos) << other.err;
  EXPECT_NE(other.err.find("comframe's own framing (COBS)"), std::string::npos) << other.err;
}

}  // namespace

namespace {

// A line framing's replies carry no command (they pair by order): the log keeps
// each line as it came, and does not stop at the first reply.
TEST(log_framing, a_line_framings_replies_are_kept_as_their_lines) {
  const std::string scpi = std::string(COMFRAME_SOURCE_DIR) + "/examples/scpi_lines/scpi_lines.profile.json";
  const std::string sim_file = std::string(COMFRAME_SOURCE_DIR) + "/examples/scpi_lines/scpi_lines.sim.json";
  const std::string cap = temp("scpi.pcapng");
  {
    test::sim_process sim({cli, "sim", "--sim", sim_file});
    auto r = run({cli, "log", "--port", sim.pty, "--profile", scpi, "-o", cap, "--request", "idn", "--count", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("log: frames 2, refused 0"), std::string::npos) << r.err;
  }
  transport::capture_reader reader(cap);
  std::vector<std::string> lines;
  while (auto r = reader.next())
    lines.push_back(std::string(r->dir == transport::direction::to_device ? "> " : "< ") +
                    std::string(r->bytes.begin(), r->bytes.end()));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "> *IDN?");
  EXPECT_EQ(lines[1].rfind("< ", 0), 0u);
  EXPECT_GT(lines[1].size(), 2u);  // the device's identification line, without its terminator
}

}  // namespace

}  // namespace log_framing_test
