// `comframe read`: a capture's frames as JSON lines or a hexdump, run as a new
// user runs it, on a capture `comframe log` recorded from the simulator on a
// real pty and on one written here with every kind of record.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "comframe/devices/builtin/thermo.hpp"
#include "comframe/transport/capture.hpp"
#include "comframe/transport/frame.hpp"
#include "support/process.hpp"
#include "support/sim_process.hpp"

namespace read_test {

namespace {

using namespace comframe;
using test::run;
namespace fs = std::filesystem;

const std::string cli = COMFRAME_CLI;

std::string temp(const std::string& name) {
  const auto dir = fs::path(testing::TempDir()) / ("read_test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

std::string thermo_profile_file() {
  const std::string path = temp("thermo.profile.json");
  std::ofstream(path) << devices::builtin::thermo::profile().dump();
  return path;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(read, prints_the_json_lines_log_writes_of_a_capture_it_recorded) {
  test::sim_process sim({cli, "sim", "--device", "thermo"});
  const std::string cap = temp("session.pcapng");
  auto logged = run({cli, "log", "--port", sim.pty, "-o", cap, "--request", "get_info", "--request",
                     R"(start_telemetry={"rate_hz":50})", "--count", "12"});
  ASSERT_EQ(logged.exit_code, 0) << logged.err;

  const auto r = run({cli, "read", cap, "--profile", thermo_profile_file()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  std::size_t records = 0;  // the log may keep a frame or two past --count
  for (transport::capture_reader reader(cap); reader.next();) ++records;
  ASSERT_GE(records, 12u);
  ASSERT_EQ(lines.size(), records) << r.out;
  const auto info = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(info["command"], "get_info");
  EXPECT_EQ(info["payload"]["serial_number"], 20240601);
  EXPECT_EQ(info["payload"]["firmware"], (nlohmann::json{{"major", 1}, {"minor", 4}, {"patch", 2}}));
  std::size_t telemetry = 0;
  for (const auto& line : lines) {
    const auto j = nlohmann::json::parse(line);
    // Every object is written with its keys sorted, as nlohmann writes it.
    EXPECT_EQ(j.dump(), line);
    if (j.value("event", "") == "telemetry") {
      ++telemetry;
      EXPECT_TRUE(j["payload"].contains("temps_cdeg")) << line;
    }
  }
  EXPECT_GE(telemetry, 8u);

  // --count and -o.
  const std::string out = temp("first.jsonl");
  const auto first = run({cli, "read", cap, "--profile", thermo_profile_file(), "--count", "2", "-o", out});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, "");
  EXPECT_EQ(file_text(out), lines[0] + "\n" + lines[1] + "\n");

  // Without a profile the payloads stay bytes, and say why.
  const auto bare = run({cli, "read", cap, "--count", "2"});
  ASSERT_EQ(bare.exit_code, 0) << bare.err;
  const auto reply = nlohmann::json::parse(lines_of(bare.out).at(1));
  EXPECT_EQ(reply["payload_error"], "not in the profile");
  EXPECT_EQ(reply["payload_hex"].get<std::string>().substr(0, 11), "01 04 02 00");  // firmware 1.4.2
}

// A capture written with the library: a loss, a second link, a refused and a cut frame.
std::string every_kind_capture() {
  const std::string path = temp("kinds.pcapng");
  auto w = transport::open_pcapng_writer({.path = path, .source = "read_test"});
  const auto request = transport::frame_bytes({transport::protocol_version, transport::frame_kind::request, 2, 5}, {});
  // sequence 10000, supply 3300 mV, temperatures 12.34 and -12.34 °C
  const std::vector<std::uint8_t> readings = {0x10, 0x27, 0x00, 0x00, 0xe4, 0x0c, 0xd2, 0x04, 0x2e, 0xfb};
  const auto reply = transport::frame_bytes({transport::protocol_version, transport::frame_kind::response, 2, 5}, readings);
  const std::vector<std::uint8_t> garbage = {0x05, 0x11, 0x22, 0x33, 0x44};
  transport::capture_record rec;
  rec.time_ns = 1795000000123456000;
  rec.bytes = request;
  w->write(rec);
  rec.dir = transport::direction::from_device;
  rec.bytes = reply;
  rec.lost_before = 3;
  rec.link_id = 2;
  w->write(rec);
  rec.lost_before = 0;
  rec.link_id = 0;
  rec.flags = transport::record_flag::refused;
  rec.error = transport::frame_error::too_short;
  rec.bytes = garbage;
  w->write(rec);
  rec.flags = transport::record_flag::truncated;
  rec.error.reset();
  rec.bytes = std::span<const std::uint8_t>(reply).first(8);
  rec.original_length = static_cast<std::uint32_t>(reply.size());
  w->write(rec);
  w->close();
  return path;
}

TEST(read, every_kind_of_record_becomes_its_json_line_and_its_hexdump) {
  const std::string cap = every_kind_capture();
  const auto r = run({cli, "read", cap, "--profile", thermo_profile_file()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_EQ(lines[0], R"({"command":"read_sensors","command_id":2,"dir":"out","kind":"request","payload":null,)"
                      R"("seq":5,"time":"2026-11-18T11:06:40.123456Z"})");
  const auto reply = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(reply["lost_before"], 3);
  EXPECT_EQ(reply["link"], 2);
  EXPECT_EQ(reply["payload"], (nlohmann::json{{"sequence", 10000}, {"supply_mv", 3300}, {"temps_cdeg", {1234, -1234}}}));
  const auto refused = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(refused["error"], "too_short");
  EXPECT_EQ(refused["raw"], "05 11 22 33 44");
  const auto cut = nlohmann::json::parse(lines[3]);
  EXPECT_EQ(cut["truncated"], (nlohmann::json{{"kept", 8}, {"of", 20}}));
  EXPECT_EQ(cut["kind"], "response");

  const auto h = run({cli, "read", cap, "--format", "hex"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_EQ(h.out.rfind("2026-11-18T11:06:40.123456Z > 10 bytes\n  0000  01 00 02 00 05 00", 0), 0u) << h.out;
  EXPECT_NE(h.out.find("# 3 frames lost here\n"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("< 5 bytes refused (too_short)"), std::string::npos) << h.out;
}

TEST(read, a_broken_capture_prints_the_frames_before_the_break_then_the_error_with_its_offset) {
  const std::string whole = file_text(every_kind_capture());
  const std::string cut = temp("cut.pcapng");
  std::ofstream(cut, std::ios::binary) << whole.substr(0, whole.size() - 6);
  const auto r = run({cli, "read", cut, "--profile", thermo_profile_file()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines_of(r.out).size(), 3u) << r.out;
  EXPECT_NE(r.err.find("comframe read: [transport.capture] " + cut + " at byte "), std::string::npos) << r.err;

  const auto missing = run({cli, "read", temp("none.pcapng")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("comframe read: [transport.capture]"), std::string::npos) << missing.err;
  const auto bad_format = run({cli, "read", cut, "--format", "xml"});
  EXPECT_NE(bad_format.exit_code, 0);
  EXPECT_NE(bad_format.err.find("--format"), std::string::npos) << bad_format.err;
  const auto no_file = run({cli, "read"});
  EXPECT_NE(no_file.exit_code, 0);
  EXPECT_NE(no_file.err.find("capture"), std::string::npos) << no_file.err;
}

}  // namespace

}  // namespace read_test
