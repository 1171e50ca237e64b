// The generated Wireshark dissector on traffic of every framing kind besides
// Modbus RTU (modbus_dissector_test.cpp): SLIP, HDLC-like, the vendor's sync +
// length + CRC-16 and SCPI-like lines. Each test serves a profile with
// `comframe sim` on a real pty, records a few calls with `comframe log`, writes
// the dissector with `comframe dissector` and reads the capture with tshark:
// the decoded fields, the checks verified in Lua (CRC, length) and, for lines,
// each reply decoded by its request's response schema.
#include <filesystem>
#include <fstream>

#include "modbus_support.hpp"
#include "tshark_support.hpp"

namespace framing_dissector_test {

namespace {

using namespace comframe::test;
using namespace comframe::test::modbus;

// A profile and a sim file serving it.
struct device_files {
  std::string profile, sim;
};

// A profile and a sim file (with these replies) written for one test.
device_files written(const std::string& name, const std::string& profile_text, const std::string& sim_replies) {
  device_files d{temp_path(name + ".profile.json"), temp_path(name + ".sim.json")};
  std::ofstream(d.profile) << profile_text;
  std::ofstream(d.sim) << R"({"profile_file": ")" << d.profile << R"(", "replies": )" << sim_replies << "}";
  return d;
}

// Serves `sim` on a pty and records `requests` with `comframe log` (which makes them) until
// `frames` frames are in the capture; returns the log's stderr. Writes the dissector to `lua`.
std::string log_calls(const std::string& name, const device_files& d, const std::vector<std::string>& requests,
                      int frames, const std::string& cap, const std::string& lua) {
  const auto g = run({cli, "dissector", "--profile", d.profile, "-o", lua});
  EXPECT_EQ(g.exit_code, 0) << g.err;
  const std::string link = temp_path(name + "-link");
  child_process sim({cli, "sim", "--sim", d.sim, "--symlink", link});
  EXPECT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  std::vector<std::string> args{cli, "log", "--port", link, "--profile", d.profile, "-o", cap, "--count",
                                std::to_string(frames)};
  for (const auto& r : requests) args.insert(args.end(), {"--request", r});
  const auto r = run(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("log: frames " + std::to_string(frames) + ", refused 0"), std::string::npos) << r.err;
  EXPECT_EQ(sim.stop(), 0) << sim.output();
  return r.err;
}

#define REQUIRE_TSHARK() \
  if (!have_program(tshark)) COMFRAME_MISSING_TOOL("tshark is not installed (scripts/setup.sh installs it)")

// SLIP with a kind, a little-endian u16 command and a sequence in the header, CRC-16/KERMIT;
// payloads holding 0xC0 and 0xDB (escaped on the wire, plain in the capture's kept form).
const char* const slip_profile = R"({"comframe_profile": 1, "device": "slip_probe", "version": "1",
  "framing": {"delimiting": {"kind": "slip"},
              "header": {"type": {"struct": [{"name": "kind", "type": "u8"}, {"name": "command", "type": "u16"},
                                             {"name": "sequence", "type": "u8"}]},
                         "roles": {"kind": "kind", "command": "command", "sequence": "sequence"}},
              "check": {"type": "CRC-16/KERMIT"}},
  "commands": [
    {"id": 258, "name": "echo", "request": "u8[]", "response": "u8[]"},
    {"id": 259, "name": "status", "request": "null",
     "response": {"struct": [{"name": "temp_cdeg", "type": "i16"}, {"name": "mode", "type": "u8"},
                             {"name": "marker", "type": "u8"}]}},
    {"id": 260, "name": "fail", "request": "null", "response": "null"}]})";

TEST(framing_dissector, tshark_decodes_a_logged_slip_session_with_escaped_bytes_and_crc_checked) {
  REQUIRE_TSHARK();
  const device_files d = written("slip", slip_profile,
                       R"({"echo": {"response": "$request"},
                           "status": {"response": {"temp_cdeg": -1234, "mode": 192, "marker": 219}},
                           "fail": {"error": {"code": 3, "message": "always out of range"}}})");
  const std::string cap = temp_path("slip.pcapng"), lua = temp_path("slip.lua");
  const auto log = log_calls("slip", d, {"echo=[192, 219, 126, 1]", "status", "fail"}, 6, cap, lua);
  EXPECT_NE(log.find("device error 3"), std::string::npos) << log;

  const auto rows = tshark_fields(
      lua, cap,
      {"comframe.direction", "comframe.header.kind", "comframe.command", "comframe.seq", "comframe.name",
       "comframe.kind", "comframe.check_good", "comframe.echo.request", "comframe.echo.response",
       "comframe.status.response.temp_cdeg", "comframe.status.response.mode", "comframe.status.response.marker",
       "comframe.error.code", "comframe.error.message", "comframe.invalid", "frame.len"});
  ASSERT_EQ(rows.size(), 6u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], i % 2 == 0 ? "to_device" : "from_device") << i;
    EXPECT_EQ(rows[i][6], "1") << i;  // CRC-16/KERMIT computed in Lua over the de-stuffed bytes, and good
    EXPECT_EQ(rows[i][14], "") << i;
  }
  // The header's kind field as sent, mapped to comframe's kinds; a sequence per exchange.
  EXPECT_EQ(rows[0][1], "0");
  EXPECT_EQ(rows[0][2], "0x0102");
  EXPECT_EQ(rows[0][4], "echo");
  EXPECT_EQ(rows[0][7], "192,219,126,1");
  EXPECT_EQ(rows[0][15], "10");  // kept form: 4 header bytes, 4 payload bytes (not stuffed), 2 CRC bytes
  EXPECT_EQ(rows[1][5], "1");
  EXPECT_EQ(rows[1][8], "192,219,126,1");
  EXPECT_EQ(rows[1][3], rows[0][3]);
  EXPECT_EQ(rows[3][4], "status");
  EXPECT_EQ(rows[3][9], "-1234");
  EXPECT_EQ(rows[3][10], "192");
  EXPECT_EQ(rows[3][11], "219");
  EXPECT_NE(rows[3][3], rows[1][3]);
  // Without an error rule, an error reply is kind error with comframe's error payload.
  EXPECT_EQ(rows[5][4], "fail");
  EXPECT_EQ(rows[5][5], "3");
  EXPECT_EQ(rows[5][12], "3");
  EXPECT_EQ(rows[5][13], "always out of range");
}

// HDLC-like: address, a constant control byte, a command; CRC-16/X-25 by its parameters; an error rule.
const char* const hdlc_profile = R"({"comframe_profile": 1, "device": "hdlc_probe", "version": "1", "endian": "big",
  "framing": {"delimiting": {"kind": "hdlc"},
              "header": {"type": {"struct": [{"name": "address", "type": "u8"}, {"name": "control", "type": "u8"},
                                             {"name": "command", "type": "u8"}]},
                         "roles": {"address": "address", "command": "command"}, "values": {"control": 3}},
              "check": {"type": {"width": 16, "poly": "0x1021", "init": "0xffff", "refin": true, "refout": true,
                                 "xorout": "0xffff"}},
              "replies": {"error": {"command_mask": 128, "codes": {"1": "bad_channel"}}},
              "address": 126},
  "commands": [
    {"id": 16, "name": "read", "request": {"struct": [{"name": "channel", "type": "u8"}]},
     "response": {"struct": [{"name": "channel", "type": "u8"}, {"name": "value", "type": "u16"}]}},
    {"id": 17, "name": "locked", "request": "null", "response": "null"}]})";

TEST(framing_dissector, tshark_decodes_a_logged_hdlc_session_with_address_constant_crc_and_error_rule) {
  REQUIRE_TSHARK();
  // Address 0x7E and the value 0x7E7D are escaped on the wire; the capture keeps them plain.
  const device_files d = written("hdlc", hdlc_profile,
                       R"({"read": {"response": {"channel": "$request.channel", "value": 32381}},
                           "locked": {"error": {"code": 1}}})");
  const std::string cap = temp_path("hdlc.pcapng"), lua = temp_path("hdlc.lua");
  const auto log = log_calls("hdlc", d, {R"(read={"channel": 125})", "locked"}, 4, cap, lua);
  EXPECT_NE(log.find("device error 1 (bad_channel)"), std::string::npos) << log;

  const auto rows = tshark_fields(
      lua, cap,
      {"comframe.direction", "comframe.address", "comframe.header.control", "comframe.header.command",
       "comframe.name", "comframe.kind", "comframe.check_good", "comframe.read.request.channel",
       "comframe.read.response.channel", "comframe.read.response.value", "comframe.error_code",
       "comframe.error_name", "comframe.invalid"});
  ASSERT_EQ(rows.size(), 4u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], i % 2 == 0 ? "to_device" : "from_device") << i;
    EXPECT_EQ(rows[i][1], "126") << i;
    EXPECT_EQ(rows[i][2], "3") << i;  // the constant, checked
    EXPECT_EQ(rows[i][6], "1") << i;  // CRC-16/X-25 from its parameters, reflected, computed in Lua
    EXPECT_EQ(rows[i][12], "") << i;
  }
  EXPECT_EQ(rows[0][4], "read");
  EXPECT_EQ(rows[0][7], "125");
  EXPECT_EQ(rows[1][5], "1");
  EXPECT_EQ(rows[1][8], "125");
  EXPECT_EQ(rows[1][9], "32381");
  EXPECT_EQ(rows[3][3], "145");  // 0x11 | 0x80
  EXPECT_EQ(rows[3][4], "locked");
  EXPECT_EQ(rows[3][5], "3");
  EXPECT_EQ(rows[3][10], "1");
  EXPECT_EQ(rows[3][11], "bad_channel");
  const auto text = run({tshark, "-X", "lua_script:" + lua, "-r", cap});
  EXPECT_NE(text.out.find("< error locked, address 126, code 1 bad_channel"), std::string::npos) << text.out;
}

TEST(framing_dissector, tshark_checks_length_and_crc_of_a_logged_vendor_binary_session) {
  REQUIRE_TSHARK();
  const std::string dir = source_dir + "/examples/vendor_binary/";
  const std::string cap = temp_path("vendor.pcapng"), lua = temp_path("vendor.lua");
  const device_files d{dir + "vendor_binary.profile.json", dir + "vendor_binary.sim.json"};
  const auto log = log_calls("vendor", d,
                             {"get_version", R"(read_channels={"first": 0, "count": 4})",
                              R"(set_output={"channel": 7, "millivolts": 1})"},
                             6, cap, lua);
  EXPECT_NE(log.find("device error 1 (bad_channel)"), std::string::npos) << log;
  const auto rows = tshark_fields(
      lua, cap,
      {"comframe.sync", "comframe.header.length", "comframe.length_good", "comframe.check_good", "comframe.name",
       "comframe.kind", "comframe.get_version.response.build", "comframe.read_channels.response.count",
       "comframe.read_channels.response.millivolts", "comframe.error_name", "comframe.invalid"});
  ASSERT_EQ(rows.size(), 6u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], "aa55") << i;
    EXPECT_EQ(rows[i][2], "1") << i;  // the length field agrees with the frame
    EXPECT_EQ(rows[i][3], "1") << i;  // CRC-16/IBM-3740, big-endian
    EXPECT_EQ(rows[i][10], "") << i;
  }
  const std::vector<std::string> lengths = {"0", "4", "2", "9", "3", "1"};
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i][1], lengths[i]) << i;
  EXPECT_EQ(rows[1][6], "1234");
  EXPECT_EQ(rows[3][7], "4");
  EXPECT_EQ(rows[3][8], "3300,5000,-1200,0");
  EXPECT_EQ(rows[5][4], "set_output");
  EXPECT_EQ(rows[5][5], "3");
  EXPECT_EQ(rows[5][9], "bad_channel");
}

TEST(framing_dissector, tshark_decodes_each_reply_line_by_its_requests_response_schema) {
  REQUIRE_TSHARK();
  const std::string dir = source_dir + "/examples/scpi_lines/";
  const std::string cap = temp_path("scpi.pcapng"), lua = temp_path("scpi.lua");
  const device_files d{dir + "scpi_lines.profile.json", dir + "scpi_lines.sim.json"};
  log_calls("scpi", d, {"idn", R"(set_voltage="1.25")", "get_voltage", "reset"}, 8, cap, lua);
  const std::vector<std::string> fields = {
      "comframe.direction", "comframe.line", "comframe.name", "comframe.kind", "comframe.command",
      "comframe.idn.response", "comframe.set_voltage.request", "comframe.set_voltage.response",
      "comframe.get_voltage.response", "comframe.reset.response", "comframe.request_in"};
  // One pass (tshark's default) and two (as Wireshark dissects a packet again when it is shown).
  for (const std::vector<std::string>& options : {std::vector<std::string>{}, std::vector<std::string>{"-2"}}) {
    SCOPED_TRACE(options.empty() ? "one pass" : "two passes");
    const auto rows = tshark_fields(lua, cap, fields, options);
    ASSERT_EQ(rows.size(), 8u);
    const std::vector<std::string> names = {"idn", "set_voltage", "get_voltage", "reset"};
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i][0], i % 2 == 0 ? "to_device" : "from_device") << i;
      EXPECT_EQ(rows[i][2], names[i / 2]) << i;       // a reply line named by its request
      EXPECT_EQ(rows[i][3], i % 2 == 0 ? "0" : "1") << i;
      EXPECT_EQ(rows[i][10], i % 2 == 0 ? "" : std::to_string(i)) << i;  // the request's frame number
    }
    EXPECT_EQ(rows[1][5], "COMFRAME,SIM-PSU,0001,1.0");
    EXPECT_EQ(rows[2][1], "VOLT 1.25");
    EXPECT_EQ(rows[2][6], "1.25");
    EXPECT_EQ(rows[3][7], "OK");
    EXPECT_EQ(rows[5][8], "1.250");
    EXPECT_EQ(rows[7][9], "OK");
    EXPECT_EQ(rows[7][4], "0x0004");
  }
  const auto text = run({tshark, "-X", "lua_script:" + lua, "-r", cap});
  EXPECT_NE(text.out.find("< response get_voltage 1.250"), std::string::npos) << text.out;
}

}  // namespace

}  // namespace framing_dissector_test
