// `comframe schema | encode | decode` on the device-format kinds (bit records,
// odd widths, offsets, enums), run as a real child process.
#include <gtest/gtest.h>

#include <fstream>

#include "support/process.hpp"

namespace cli_layout_test {

namespace {

using comframe::test::run;

const std::string cli = COMFRAME_CLI;

std::string temp_file(const std::string& name, const std::string& content) {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << content;
  return path;
}

TEST(cli_layout, a_schema_with_overlapping_fields_is_refused_naming_the_field) {
  const auto file = temp_file("overlap.json", R"({"types": {"Header": {"struct": [
      {"name": "id", "type": "u32"}, {"name": "flags", "type": "u8", "offset": 3}]}}})");
  const auto r = run({cli, "schema", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("[core.definition] Header.flags: starts at byte 3, inside field \"id\" (bytes 0 to 3)"),
            std::string::npos)
      << r.err;
}

TEST(cli_layout, a_bit_record_that_is_not_whole_bytes_is_refused_naming_it) {
  const auto file = temp_file("bits.json", R"({"types": {"Flags": {"bits": [{"name": "a", "type": "u3"}]}}})");
  const auto r = run({cli, "schema", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("[core.definition] Flags: a bit record must be a whole number of bytes, but it is 3 bits"),
            std::string::npos)
      << r.err;
}

TEST(cli_layout, encode_and_decode_round_trip_bits_enums_and_a_24_bit_field) {
  const auto file = temp_file("msg.json", R"({"types": {
      "Mode": {"enum": "u8", "values": {"idle": 0, "run": 1}},
      "Msg": {"struct": [
        {"name": "flags", "type": {"bits": [{"name": "on", "type": "bool"}, {"name": "mode", "type": "Mode", "bits": 7}]}},
        {"name": "count", "type": ">u24"}, {"name": "tag", "type": "text[3]", "offset": 5}]}},
    "root": "Msg"})");
  const auto enc = run({cli, "encode", "-s", file, "-e", "little",
                        R"({"flags": {"on": true, "mode": "run"}, "count": 65536, "tag": "ok"})"});
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  EXPECT_EQ(enc.out, "81 01 00 00 00 6f 6b 00\n");
  const auto dec = run({cli, "decode", "-s", file, "-c", "81 01 00 00 ff 6f 6b 00"});
  ASSERT_EQ(dec.exit_code, 0) << dec.err;
  EXPECT_EQ(dec.out, R"({"flags":{"on":true,"mode":"run"},"count":65536,"tag":"ok"})" "\n");
  const auto bad = run({cli, "encode", "-s", file, R"({"flags": {"on": true, "mode": "stop"}, "count": 1, "tag": ""})"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err, "comframe encode: [core.json_range] flags.mode: \"stop\" is not a name of enum Mode (idle = 0, "
                     "run = 1)\n");
}

}  // namespace

}  // namespace cli_layout_test
