// examples/instrument_header, run as its README says: `comframe decode` on the
// shipped sample with the shipped schema shows every field, and encode gives
// the same bytes back.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/process.hpp"

namespace instrument_header_test {

namespace {

using comframe::test::run;

const std::string folder = std::string(COMFRAME_SOURCE_DIR) + "/examples/instrument_header/";
const std::string schema_file = folder + "header.schema.json";

std::string sample_hex() {
  std::ifstream in(folder + "sample.hex");
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

TEST(instrument_header_example, comframe_decode_shows_the_header_field_by_field) {
  const auto r = run({COMFRAME_CLI, "decode", "--schema", schema_file, "--endian", "little", sample_hex()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto v = nlohmann::json::parse(r.out);
  EXPECT_EQ(v["magic"], "SPX1");
  EXPECT_EQ(v["version"], 2);
  EXPECT_EQ(v["status"]["ready"], true);
  EXPECT_EQ(v["status"]["overrange"], false);
  EXPECT_EQ(v["status"]["fault"], false);
  EXPECT_EQ(v["status"]["mode"], "acquire");
  EXPECT_EQ(v["status"]["channel"], 5);
  EXPECT_EQ(v["counter"], 0x012345);  // big-endian inside a little-endian header
  EXPECT_EQ(v["temperature_cdeg"], 2315);
  EXPECT_EQ(v["range"], "range_10V");
  EXPECT_EQ(v.size(), 6u) << "reserved bytes are not fields";
  // Field by field, in the order of the schema.
  EXPECT_LT(r.out.find("\"magic\""), r.out.find("\"status\""));
  EXPECT_LT(r.out.find("\"ready\""), r.out.find("\"channel\""));
  EXPECT_LT(r.out.find("\"counter\""), r.out.find("\"range\""));

  const auto back = run({COMFRAME_CLI, "encode", "--schema", schema_file, "--endian", "little", "-"}, r.out);
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(back.out, sample_hex() + "\n");
}

TEST(instrument_header_example, reserved_bytes_are_skipped_and_an_unnamed_mode_is_reported) {
  std::string noisy = sample_hex();
  noisy.replace(27, 8, "ff ff ff");  // bytes 9 to 11, the reserved gap
  const auto r = run({COMFRAME_CLI, "decode", "--schema", schema_file, "--endian", "little", noisy});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["counter"], 0x012345);

  std::string bad_mode = sample_hex();
  bad_mode.replace(15, 2, "9d");  // mode bits 11
  const auto e = run({COMFRAME_CLI, "decode", "--schema", schema_file, "--endian", "little", bad_mode});
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_EQ(e.err,
            "comframe decode: [core.invalid_bytes] status.mode at byte 5: 3 is no value of the enum (idle = 0, "
            "acquire = 1, calibrate = 2)\n");
}

TEST(instrument_header_example, the_schema_command_reports_sixteen_bytes) {
  const auto r = run({COMFRAME_CLI, "schema", schema_file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("# Header: 16 bytes"), std::string::npos) << r.out;
}

}  // namespace

}  // namespace instrument_header_test
