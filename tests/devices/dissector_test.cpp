// The generated Wireshark dissector: its text (fields, tables, registration)
// and, with Debian's tshark, the values it decodes for every schema kind in
// both byte orders, checked against the core codec's own encoding.
#include "comframe/devices/dissector.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/transport/capture.hpp"
#include "support/process.hpp"
#include "support/require_tool.hpp"

namespace dissector_test {

namespace {

using namespace comframe;
namespace fs = std::filesystem;

// Every kind the schema language has, in a big-endian device.
const char* const probe_profile = R"({
  "comframe_profile": 1, "device": "probe", "version": "2.0", "endian": "big",
  "types": {
    "Mode": {"enum": "u8", "values": {"idle": 0, "run": 1, "fault": 255}},
    "Flags": {"bits": [
      {"name": "ready", "type": "bool"},
      {"name": "mode", "type": {"enum": "u2", "values": {"off": 0, "on": 1, "auto": 2}}},
      {"name": "delta", "type": "i5"},
      {"name": "count", "type": "u8"}
    ], "order": "msb", "size": 16},
    "Point": {"struct": [{"name": "x", "type": "i16"}, {"name": "y", "type": "i16"}]},
    "Report": {"struct": [
      {"name": "counter", "type": "u24"},
      {"name": "offset_small", "type": "i40"},
      {"name": "mode", "type": "Mode"},
      {"name": "label", "type": "text[8]"},
      {"name": "key", "type": "bytes[4]"},
      {"name": "flags", "type": "Flags"},
      {"name": "le_word", "type": "u16", "endian": "little", "offset": 24},
      {"name": "ratio", "type": "f32"},
      {"name": "ok", "type": "bool"},
      {"name": "corners", "type": "Point[2]"},
      {"name": "samples", "type": "u16[]"}
    ]}
  },
  "commands": [
    {"id": 1, "name": "report", "request": "null", "response": "Report"},
    {"id": 2, "name": "set_mode", "request": "Mode", "response": "null"}
  ],
  "events": [
    {"id": 256, "name": "tick", "payload": "u32"},
    {"id": 257, "name": "report", "payload": {"struct": [{"name": "request", "type": "u8"}]}}
  ]
})";

const nlohmann::json report_value = {
    {"counter", 0x123456},
    {"offset_small", -5000000000LL},
    {"mode", "fault"},
    {"label", "abc"},
    {"key", "deadbeef"},
    {"flags", {{"ready", true}, {"mode", "auto"}, {"delta", -3}, {"count", 200}}},
    {"le_word", 0x0102},
    {"ratio", 0.5},
    {"ok", true},
    {"corners", {{{"x", -1}, {"y", 2}}, {{"x", 300}, {"y", -400}}}},
    {"samples", {7, 65535, 9}}};

TEST(dissector, registers_on_user0_and_declares_the_header_fields) {
  const auto lua = devices::lua_dissector(devices::profile::parse(probe_profile));
  EXPECT_NE(lua.find("DissectorTable.get(\"wtap_encap\"):add(wtap_encaps.USER0, proto)"), std::string::npos);
  EXPECT_NE(lua.find("local proto = Proto(\"comframe\", \"comframe frames (probe 2.0)\")"), std::string::npos);
  EXPECT_NE(lua.find("local PAYLOAD_LE = false"), std::string::npos);  // the profile says big
  for (const char* f : {"comframe.direction", "comframe.kind", "comframe.command", "comframe.name", "comframe.seq",
                        "comframe.crc", "comframe.payload"})
    EXPECT_NE(lua.find(std::string("\"") + f + "\""), std::string::npos) << f;
}

TEST(dissector, names_every_payload_field_by_command_direction_and_path) {
  const auto lua = devices::lua_dissector(devices::profile::parse(probe_profile));
  for (const char* f : {"ProtoField.uint32(\"comframe.report.response.counter\"",
                        "ProtoField.int64(\"comframe.report.response.offset_small\"",
                        "ProtoField.uint32(\"comframe.report.response.mode\", \"mode\", base.DEC, {[0]=\"idle\", [1]=\"run\", [255]=\"fault\", })",
                        "ProtoField.string(\"comframe.report.response.label\"",
                        "ProtoField.bytes(\"comframe.report.response.key\"",
                        "ProtoField.bool(\"comframe.report.response.flags.ready\"",
                        "ProtoField.int32(\"comframe.report.response.flags.delta\"",
                        "ProtoField.int16(\"comframe.report.response.corners.x\"",
                        "ProtoField.uint16(\"comframe.report.response.samples\"",
                        "ProtoField.uint32(\"comframe.set_mode.request\"",
                        "ProtoField.uint32(\"comframe.tick\"",
                        "ProtoField.uint16(\"comframe.error.code\"",
                        "ProtoField.string(\"comframe.error.message\""})
    EXPECT_NE(lua.find(f), std::string::npos) << f;
  // The event "report" has a field "request": its abbreviation does not collide with a command's.
  EXPECT_NE(lua.find("\"comframe.report.request\""), std::string::npos);
  // Every abbreviation is declared once.
  std::set<std::string> seen;
  // ProtoField.<type>("<abbreviation>", …
  for (auto at = lua.find("ProtoField."); at != std::string::npos; at = lua.find("ProtoField.", at + 1)) {
    auto open = at + std::strlen("ProtoField.");
    while (open < lua.size() && (std::isalnum(static_cast<unsigned char>(lua[open])) || lua[open] == '_')) ++open;
    if (lua.compare(open, 2, "(\"") != 0) continue;
    const auto close = lua.find('"', open + 2);
    ASSERT_NE(close, std::string::npos);
    const std::string abbreviation = lua.substr(open + 2, close - open - 2);
    EXPECT_TRUE(seen.insert(abbreviation).second) << abbreviation;
  }
  EXPECT_GT(seen.size(), 20u);
}

TEST(dissector, lays_out_offsets_byte_orders_and_bit_fields_in_its_tables) {
  const auto lua = devices::lua_dissector(devices::profile::parse(probe_profile));
  EXPECT_NE(lua.find("{o=24, n=T["), std::string::npos);                // le_word's explicit offset
  EXPECT_NE(lua.find(", order=\"le\"}"), std::string::npos);             // and its byte order
  EXPECT_NE(lua.find("{bo=3, w=5, signed=true, bool=false"), std::string::npos);  // delta: bits 3..7
  EXPECT_NE(lua.find("{k=\"dyn\", es=2"), std::string::npos);            // samples
  EXPECT_NE(lua.find("{k=\"array\", n=2, es=4"), std::string::npos);     // corners
  EXPECT_NE(lua.find("COMMANDS[1] = {name=\"report\""), std::string::npos);
  EXPECT_NE(lua.find("EVENTS[256] = {name=\"tick\""), std::string::npos);
}

TEST(dissector, device_text_is_escaped_as_lua_strings) {
  auto doc = nlohmann::json::parse(probe_profile);
  doc["device"] = "a \"quoted\" \\ name\n";
  const auto lua = devices::lua_dissector(devices::profile::from_json(doc));
  EXPECT_NE(lua.find(R"(comframe frames (a \"quoted\" \\ name\010 2.0))"), std::string::npos);
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep)) out.push_back(item);
  return out;
}

TEST(dissector, tshark_decodes_every_kind_as_the_core_codec_encoded_it) {
  const std::string tshark = "/usr/bin/tshark";
  if (!fs::exists(tshark)) COMFRAME_MISSING_TOOL("tshark is not installed (scripts/setup.sh installs it)");
  const auto p = devices::profile::parse(probe_profile);
  const auto dir = fs::path(testing::TempDir()) / ("dissector_test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string lua = (dir / "probe.lua").string(), cap = (dir / "probe.pcapng").string();
  std::ofstream(lua) << devices::lua_dissector(p);

  const auto payload = core::encode(p.find_command("report")->response, report_value, core::endian::big);
  const auto frame = transport::frame_bytes({1, transport::frame_kind::response, 1, 7}, payload);
  const auto tick = transport::frame_bytes({1, transport::frame_kind::event, 256, 0}, core::encode(
      p.find_event("tick")->payload, 70000, core::endian::big));
  {
    auto w = transport::open_pcapng_writer({cap, 0, "test"});
    w->write({{1'000'000'000, transport::direction::from_device, 0, 0, std::nullopt, frame}});
    w->write({{2'000'000'000, transport::direction::from_device, 0, 0, std::nullopt, tick}});
    const std::vector<std::uint8_t> garbage = {5, 1, 2, 3, 4, 9, 9, 9, 9, 9, 9};
    w->write({{3'000'000'000, transport::direction::from_device, 0, transport::record_flag::refused, transport::frame_error::crc, garbage}});
    w->close();
  }
  const std::vector<std::string> fields = {
      "comframe.seq", "comframe.report.response.counter", "comframe.report.response.offset_small",
      "comframe.report.response.mode", "comframe.report.response.label", "comframe.report.response.key",
      "comframe.report.response.flags.ready", "comframe.report.response.flags.mode",
      "comframe.report.response.flags.delta", "comframe.report.response.flags.count",
      "comframe.report.response.le_word", "comframe.report.response.ratio", "comframe.report.response.ok",
      "comframe.report.response.corners.x", "comframe.report.response.corners.y", "comframe.report.response.samples",
      "comframe.tick", "comframe.invalid"};
  std::vector<std::string> args = {tshark, "-X", "lua_script:" + lua, "-r", cap, "-T", "fields"};
  for (const auto& f : fields) args.insert(args.end(), {"-e", f});
  const auto r = test::run(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("Lua"), std::string::npos) << r.err;
  const auto rows = split(r.out, '\n');
  ASSERT_EQ(rows.size(), 3u) << r.out;
  auto row = split(rows[0], '\t');
  row.resize(fields.size());
  EXPECT_EQ(row[0], "7");
  EXPECT_EQ(row[1], std::to_string(0x123456));
  EXPECT_EQ(row[2], "-5000000000");
  EXPECT_EQ(row[3], "255");
  EXPECT_EQ(row[4], "abc");
  EXPECT_EQ(row[5], "deadbeef");
  EXPECT_EQ(row[6], "1");
  EXPECT_EQ(row[7], "2");
  EXPECT_EQ(row[8], "-3");
  EXPECT_EQ(row[9], "200");
  EXPECT_EQ(row[10], std::to_string(0x0102));
  EXPECT_EQ(row[11], "0.5");
  EXPECT_EQ(row[12], "1");
  EXPECT_EQ(row[13], "-1,300");
  EXPECT_EQ(row[14], "2,-400");
  EXPECT_EQ(row[15], "7,65535,9");
  auto ev = split(rows[1], '\t');
  ev.resize(fields.size());
  EXPECT_EQ(ev[16], "70000");
  auto bad = split(rows[2], '\t');
  bad.resize(fields.size());
  EXPECT_EQ(bad[17], "the CRC-32C does not match");
}

// float16, flag sets (alone and as a bit field) and a packed array in a bit record.
std::string formats_profile(const std::string& endian) {
  return R"({"comframe_profile": 1, "device": "formats", "version": "1.0", "endian": ")" + endian + R"(",
  "types": {
    "Status": {"flags": "u8", "values": {"ready": 0, "error": 3}},
    "Wide": {"flags": "u16", "values": {"low": 0, "high": 15}},
    "Adc": {"bits": [
      {"name": "samples", "type": "u4", "count": 8},
      {"name": "state", "type": {"flags": "u4", "values": {"on": 0, "hot": 2}}},
      {"name": "tail", "type": "u4"}
    ], "order": "msb"},
    "Reading": {"struct": [
      {"name": "temperature", "type": "f2"},
      {"name": "status", "type": "Status"},
      {"name": "wide", "type": "Wide"},
      {"name": "adc", "type": "Adc"}
    ]}
  },
  "commands": [{"id": 1, "name": "read", "request": "null", "response": "Reading"}]})";
}

TEST(dissector, tshark_shows_float16_every_flag_and_every_element_of_a_packed_array_in_both_byte_orders) {
  const std::string tshark = "/usr/bin/tshark";
  if (!fs::exists(tshark)) COMFRAME_MISSING_TOOL("tshark is not installed (scripts/setup.sh installs it)");
  for (const std::string endian : {"little", "big"}) {
    SCOPED_TRACE(endian);
    const auto p = devices::profile::parse(formats_profile(endian));
    const auto dir = fs::path(testing::TempDir()) / ("dissector_formats-" + endian + "-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const std::string lua = (dir / "formats.lua").string(), cap = (dir / "formats.pcapng").string();
    std::ofstream(lua) << devices::lua_dissector(p);
    const auto& type = p.find_command("read")->response;
    const auto reading = [&](nlohmann::json status) {
      const nlohmann::json v = {{"temperature", -2.5},
                                {"status", std::move(status)},
                                {"wide", {"low", "high"}},
                                {"adc", {{"samples", {1, 2, 3, 4, 5, 6, 7, 8}}, {"state", {"hot"}}, {"tail", 15}}}};
      return core::encode(type, v, p.payload_endian(), core::json_mode::lenient);
    };
    {
      auto w = transport::open_pcapng_writer({cap, 0, "test"});
      w->write({{1'000'000'000, transport::direction::from_device, 0, 0, std::nullopt, transport::frame_bytes({1, transport::frame_kind::response, 1, 1}, reading({"ready", "error"}))}});
      // Bit 6 is no flag: shown by its number beside the mask.
      w->write({{2'000'000'000, transport::direction::from_device, 0, 0, std::nullopt, transport::frame_bytes({1, transport::frame_kind::response, 1, 2}, reading({"ready", 6}))}});
      w->close();
    }
    const std::string r_ = "comframe.read.response.";
    const std::vector<std::string> fields = {r_ + "temperature", r_ + "status",       r_ + "status.ready",
                                             r_ + "status.error", r_ + "wide",         r_ + "wide.low",
                                             r_ + "wide.high",    r_ + "adc.samples",  r_ + "adc.state",
                                             r_ + "adc.state.on", r_ + "adc.state.hot", r_ + "adc.tail"};
    std::vector<std::string> args = {tshark, "-X", "lua_script:" + lua, "-r", cap, "-T", "fields"};
    for (const auto& f : fields) args.insert(args.end(), {"-e", f});
    auto r = test::run(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find("Lua"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "-2.5\t9\t1\t1\t32769\t1\t1\t1,2,3,4,5,6,7,8\t4\t0\t1\t15\n"
                     "-2.5\t65\t1\t0\t32769\t1\t1\t1,2,3,4,5,6,7,8\t4\t0\t1\t15\n");
    // The tree: the set flags after each mask, each element of the packed array by its index.
    r = test::run({tshark, "-X", "lua_script:" + lua, "-r", cap, "-V", "-O", "comframe"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* line : {"temperature: -2.5", "status: 9 [ready, error]", "status: 65 [ready, 6]",
                             "wide: 32769 [low, high]", "samples [8]", "[0] samples: 1", "[7] samples: 8",
                             "state: 4 [hot]", "tail: 15"})
      EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
}

}  // namespace

namespace {

// A line framing (the SCPI example's) and a counted field followed by another field, in
// captures written here: the line as text, the request named by its text, and fields
// after a counted array at their shifted offsets.
TEST(dissector, tshark_shows_lines_by_their_command_text_and_fields_after_a_counted_array) {
  using namespace comframe;
  const std::string tshark = "/usr/bin/tshark";
  if (!fs::exists(tshark)) COMFRAME_MISSING_TOOL("tshark is not installed (scripts/setup.sh installs it)");
  const auto dir = fs::path(testing::TempDir()) / ("dissector_line_test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const auto bytes = [](std::string_view s) { return std::vector<std::uint8_t>(s.begin(), s.end()); };
  const auto run_fields = [&](const std::string& lua, const std::string& cap, const std::vector<std::string>& fields) {
    std::vector<std::string> args = {tshark, "-X", "lua_script:" + lua, "-r", cap, "-T", "fields"};
    for (const auto& f : fields) args.insert(args.end(), {"-e", f});
    const auto r = test::run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find("Lua"), std::string::npos) << r.err;
    return r.out;
  };

  const auto lines = devices::profile::parse(R"({"comframe_profile": 1, "device": "psu", "version": "1",
    "framing": {"delimiting": {"kind": "line"}, "texts": {"idn": "*IDN?", "volt": "VOLT", "volt_q": "VOLT?"}},
    "commands": [{"id": 1, "name": "idn", "request": "null", "response": "text[]"},
                 {"id": 2, "name": "volt", "request": "text[]", "response": "null"},
                 {"id": 3, "name": "volt_q", "request": "null", "response": "text[]"}]})");
  const std::string lua = (dir / "psu.lua").string(), cap = (dir / "psu.pcapng").string();
  std::ofstream(lua) << devices::lua_dissector(lines);
  {
    auto w = transport::open_pcapng_writer({cap, 0, "test"});
    w->write({{1'000'000'000, transport::direction::to_device, 0, 0, std::nullopt, bytes("*IDN?")}});
    w->write({{2'000'000'000, transport::direction::from_device, 0, 0, std::nullopt, bytes("ACME,PSU,1")}});
    w->write({{3'000'000'000, transport::direction::to_device, 0, 0, std::nullopt, bytes("VOLT 1.5")}});
    w->write({{4'000'000'000, transport::direction::to_device, 0, 0, std::nullopt, bytes("VOLT?")}});
    // Replies by order: "1.500" answers VOLT?; a VOLT? no reply answered (the host gave up) is not the
    // request of the next reply, the later *IDN? is; a line with no request outstanding has no command.
    w->write({{5'000'000'000, transport::direction::from_device, 0, 0, std::nullopt, bytes("1.500")}});
    w->write({{6'000'000'000, transport::direction::to_device, 0, 0, std::nullopt, bytes("VOLT?")}});
    w->write({{7'000'000'000, transport::direction::to_device, 0, 0, std::nullopt, bytes("*IDN?")}});
    w->write({{8'000'000'000, transport::direction::from_device, 0, 0, std::nullopt, bytes("B")}});
    w->write({{9'000'000'000, transport::direction::from_device, 0, 0, std::nullopt, bytes("stray")}});
    w->close();
  }
  const std::vector<std::string> line_fields = {"comframe.direction", "comframe.name",     "comframe.line",
                                                "comframe.volt.request", "comframe.idn.response",
                                                "comframe.volt_q.response", "comframe.kind", "comframe.request_in"};
  const std::string by_order =
      "to_device\tidn\t*IDN?\t\t\t\t0\t\n"
      "from_device\tidn\tACME,PSU,1\t\tACME,PSU,1\t\t1\t1\n"
      "to_device\tvolt\tVOLT 1.5\t1.5\t\t\t0\t\n"
      "to_device\tvolt_q\tVOLT?\t\t\t\t0\t\n"
      "from_device\tvolt_q\t1.500\t\t\t1.500\t1\t4\n"
      "to_device\tvolt_q\tVOLT?\t\t\t\t0\t\n"
      "to_device\tidn\t*IDN?\t\t\t\t0\t\n"
      "from_device\tidn\tB\t\tB\t\t1\t7\n"
      "from_device\t\tstray\t\t\t\t\t\n";
  EXPECT_EQ(run_fields(lua, cap, line_fields), by_order);
  // Two passes (as Wireshark dissects again when a packet is shown): the same pairs, and each
  // answered request names its reply's frame.
  {
    std::vector<std::string> args = {tshark, "-2", "-X", "lua_script:" + lua, "-r", cap, "-T", "fields"};
    for (const auto& f : line_fields) args.insert(args.end(), {"-e", f});
    args.insert(args.end(), {"-e", "comframe.reply_in"});
    const auto r = test::run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string with_replies;
    const std::vector<std::string> reply_in = {"2", "", "", "5", "", "", "8", "", ""};
    std::size_t i = 0;
    for (const auto& row : split(by_order, '\n')) with_replies += row + "\t" + reply_in[i++] + "\n";
    EXPECT_EQ(r.out, with_replies);
  }

  // comframe's own framing: a byte count, the counted values, then a field after them.
  const auto counted = devices::profile::parse(R"({"comframe_profile": 1, "device": "c", "version": "1",
    "commands": [{"id": 1, "name": "get", "request": "null", "response": {"struct": [
      {"name": "n", "type": "u8"}, {"name": "values", "type": "u16[]", "count": "n", "count_unit": "bytes"},
      {"name": "label_len", "type": "u8"}, {"name": "label", "type": "text[]", "count": "label_len"},
      {"name": "tail", "type": "u16"}]}}]})");
  const std::string lua2 = (dir / "counted.lua").string(), cap2 = (dir / "counted.pcapng").string();
  std::ofstream(lua2) << devices::lua_dissector(counted);
  const nlohmann::json value = {{"values", {7, 8, 9}}, {"label", "ab"}, {"tail", 513}};
  const auto payload = core::encode(counted.find_command("get")->response, value, core::endian::little);
  ASSERT_EQ(payload.size(), 1u + 6 + 1 + 2 + 2);
  {
    auto w = transport::open_pcapng_writer({cap2, 0, "test"});
    w->write({{1'000'000'000, transport::direction::from_device, 0, 0, std::nullopt,
               transport::frame_bytes({1, transport::frame_kind::response, 1, 3}, payload)}});
    w->close();
  }
  EXPECT_EQ(run_fields(lua2, cap2, {"comframe.get.response.n", "comframe.get.response.values",
                                    "comframe.get.response.label_len", "comframe.get.response.label",
                                    "comframe.get.response.tail"}),
            "6\t7,8,9\t2\tab\t513\n");
}

}  // namespace

namespace {

std::uint16_t crc16_ibm_3740(const std::vector<std::uint8_t>& bytes, std::size_t from) {
  std::uint16_t c = 0xFFFF;
  for (std::size_t i = from; i < bytes.size(); ++i) {
    c ^= static_cast<std::uint16_t>(bytes[i] << 8);
    for (int b = 0; b < 8; ++b) c = (c & 0x8000) ? static_cast<std::uint16_t>((c << 1) ^ 0x1021) : static_cast<std::uint16_t>(c << 1);
  }
  return c;
}

// A length framing's length field against the frame: a frame whose field says another length than
// its bytes (its CRC good) is shown with the field marked wrong, the length it should have, an expert
// warning and comframe.invalid; a frame whose field agrees has comframe.length_good true.
TEST(dissector, tshark_checks_a_length_field_against_the_frame) {
  using namespace comframe;
  const std::string tshark = "/usr/bin/tshark";
  if (!fs::exists(tshark)) COMFRAME_MISSING_TOOL("tshark is not installed (scripts/setup.sh installs it)");
  const auto dir = fs::path(testing::TempDir()) / ("dissector_length_test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const std::string counts : {"payload", "frame"}) {
    SCOPED_TRACE(counts);
    const auto p = devices::profile::parse(R"({"comframe_profile": 1, "device": "psu", "version": "1",
      "framing": {"delimiting": {"kind": "length", "sync": "AA55", "counts": ")" + counts + R"("},
                  "header": {"type": {"struct": [{"name": "len", "type": "u8"}, {"name": "cmd", "type": "u8"}]},
                             "roles": {"length": "len", "command": "cmd"}},
                  "check": {"type": "CRC-16/IBM-3740", "endian": "big"}},
      "commands": [{"id": 16, "name": "set", "request": {"struct": [{"name": "a", "type": "u8"}, {"name": "b", "type": "u8"}]},
                    "response": "null"}]})");
    const std::string lua = (dir / (counts + ".lua")).string(), cap = (dir / (counts + ".pcapng")).string();
    std::ofstream(lua) << devices::lua_dissector(p);
    // payload: the length counts the 2 payload bytes; frame: all 8 bytes (sync, header, payload, CRC).
    const std::uint8_t right = counts == "payload" ? 2 : 8;
    const auto frame = [](std::uint8_t length) {
      std::vector<std::uint8_t> f = {0xAA, 0x55, length, 0x10, 0x01, 0x02};
      const auto c = crc16_ibm_3740(f, 2);
      f.push_back(static_cast<std::uint8_t>(c >> 8));
      f.push_back(static_cast<std::uint8_t>(c));
      return f;
    };
    {
      auto w = transport::open_pcapng_writer({cap, 0, "test"});
      w->write({{1'000'000'000, transport::direction::to_device, 0, 0, std::nullopt, frame(right)}});
      w->write({{2'000'000'000, transport::direction::to_device, 0, 0, std::nullopt, frame(5)}});
      w->close();
    }
    std::vector<std::string> args = {tshark, "-X", "lua_script:" + lua, "-r", cap, "-T", "fields"};
    for (const char* f : {"comframe.header.len", "comframe.length_good", "comframe.check_good", "comframe.set.request.b",
                          "comframe.invalid"})
      args.insert(args.end(), {"-e", f});
    auto r = test::run(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find("Lua"), std::string::npos) << r.err;
    const std::string want = std::to_string(right);
    EXPECT_EQ(r.out, want + "\t1\t1\t2\t\n5\t0\t1\t2\tthe length field is 5, not the " + want +
                         " this 8-byte frame needs\n");
    r = test::run({tshark, "-X", "lua_script:" + lua, "-r", cap, "-V", "-O", "comframe"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("len: 5 [length: wrong, expected " + want + "]"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Expert Info (Warning/Malformed): the length field is 5"), std::string::npos) << r.out;
  }
}

}  // namespace

}  // namespace dissector_test
