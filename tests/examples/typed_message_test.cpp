// examples/typed_message, run as its README says: the program, then the CLI on its bytes.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/process.hpp"

namespace typed_message_test {

namespace {

using comframe::test::run;

const std::string example = std::string(COMFRAME_BUILD_DIR) + "/examples/typed_message/typed_message";
const std::string schema_file = std::string(COMFRAME_SOURCE_DIR) + "/examples/typed_message/telemetry.schema.json";

std::string line_after(const std::string& text, const std::string& label) {
  const auto at = text.find(label);
  if (at == std::string::npos) return {};
  const auto start = at + label.size();
  return text.substr(start, text.find('\n', start) - start);
}

TEST(typed_message_example, round_trips_and_the_cli_decodes_its_bytes_with_the_shipped_schema) {
  const auto r = run({example});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("round trip: identical"), std::string::npos) << r.out;
  const std::string hex = line_after(r.out, "hex:      ");
  const auto sent = nlohmann::json::parse(line_after(r.out, "sent:     "));
  EXPECT_EQ(nlohmann::json::parse(line_after(r.out, "received: ")), sent);

  const auto decoded = run({COMFRAME_CLI, "decode", "--schema", schema_file, "--endian", "big", hex});
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
  EXPECT_EQ(nlohmann::json::parse(decoded.out), sent);
}

TEST(typed_message_example, the_shipped_schema_file_is_what_the_type_exports) {
  const auto r = run({example, "--schema"});
  ASSERT_EQ(r.exit_code, 0);
  std::ifstream in(schema_file);
  std::stringstream shipped;
  shipped << in.rdbuf();
  EXPECT_EQ(r.out, shipped.str());
}

}  // namespace

}  // namespace typed_message_test
