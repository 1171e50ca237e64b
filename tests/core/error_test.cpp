// A mismatch error says what was expected and what was found, apart from its
// words, through error::expected() and error::found(); what() is unchanged.
#include <gtest/gtest.h>

#include "comframe/core/codec.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/json.hpp"
#include "comframe/core/schema.hpp"
#include "core/formats_types.hpp"
#include "core/test_types.hpp"

namespace error_test {

namespace {

using namespace comframe::core;
using namespace cft;
using nlohmann::json;

template <class F>
codec_error caught(F&& f) {
  try {
    f();
  } catch (const codec_error& e) {
    return e;
  }
  ADD_FAILURE() << "no codec_error thrown";
  return codec_error(errc::size, "none");
}

TEST(error_mismatch, a_json_value_of_the_wrong_type_names_both) {
  const auto e = caught([] { (void)from_json<std::uint16_t>(json("7")); });
  EXPECT_EQ(e.kind(), errc::json_type);
  EXPECT_EQ(e.expected(), "an integer");
  EXPECT_EQ(e.found(), "a string \"7\"");
  EXPECT_EQ(std::string(e.what()), "[core.json_type] expected an integer, got a string \"7\"");
}

TEST(error_mismatch, a_number_out_of_range_names_the_range_and_the_number) {
  const auto e = caught([] { (void)from_json<Led>(json::parse(R"({"index": 300, "rgb": [1, 2, 3]})")); });
  EXPECT_EQ(e.kind(), errc::json_range);
  EXPECT_EQ(e.path(), "index");
  EXPECT_EQ(e.expected(), "0 to 255");
  EXPECT_EQ(e.found(), "300");
}

TEST(error_mismatch, too_few_bytes_names_the_size_wanted_and_given) {
  const std::uint8_t three[] = {1, 2, 3};
  const auto e = caught([&] { (void)decode<std::uint64_t>(three); });
  EXPECT_EQ(e.kind(), errc::size);
  EXPECT_EQ(e.expected(), "exactly 8 bytes");
  EXPECT_EQ(e.found(), "3 bytes");
}

TEST(error_mismatch, a_fixed_array_of_the_wrong_length_counts_elements) {
  const auto e = caught([] { (void)from_json<std::array<std::uint8_t, 4>>(json::parse("[1, 2, 3, 4, 5]")); });
  EXPECT_EQ(e.kind(), errc::json_length);
  EXPECT_EQ(e.expected(), "4 elements");
  EXPECT_EQ(e.found(), "5 elements");
  EXPECT_EQ(std::string(e.what()), "[core.json_length] expected 4 elements, got 5");
}

TEST(error_mismatch, the_dynamic_face_reports_the_same_length_mismatch) {
  const auto s = schema::parse(R"({"struct": [{"name": "rgb", "type": "u8[3]"}]})");
  const auto e = caught([&] { (void)encode(s, json::parse(R"({"rgb": [1, 2]})")); });
  EXPECT_EQ(e.kind(), errc::json_length);
  EXPECT_EQ(e.path(), "rgb");
  EXPECT_EQ(e.expected(), "3 elements");
  EXPECT_EQ(e.found(), "2 elements");
}

TEST(error_mismatch, a_bool_byte_other_than_0_or_1) {
  const std::uint8_t two[] = {2};
  const auto e = caught([&] { (void)decode<bool>(two); });
  EXPECT_EQ(e.kind(), errc::invalid_bytes);
  EXPECT_EQ(e.expected(), "0 or 1");
  EXPECT_EQ(e.found(), "2");
  EXPECT_EQ(e.offset(), 0u);
}

TEST(error_mismatch, an_unknown_enum_name_is_escaped_in_the_detail_and_in_found) {
  const auto e = caught([] { (void)from_json<colour>(json("re\x1b[2Jd")); });
  EXPECT_EQ(e.kind(), errc::json_range);
  EXPECT_EQ(e.found(), "\"re\\x1b[2Jd\"");
  EXPECT_NE(e.expected().find("red"), std::string::npos) << e.expected();
  EXPECT_EQ(std::string(e.what()).find('\x1b'), std::string::npos) << e.what();
}

TEST(error_mismatch, an_unknown_flag_name_is_escaped_in_the_detail_and_in_found) {
  const auto e = caught([] { (void)from_json<flags<status_bit>>(json::parse(R"(["ready", "bu\u001bsy"])")); });
  EXPECT_EQ(e.kind(), errc::json_range);
  EXPECT_EQ(e.path(), "[1]");
  EXPECT_EQ(e.found(), "\"bu\\x1bsy\"");
  EXPECT_NE(e.expected().find("busy"), std::string::npos) << e.expected();
  EXPECT_EQ(std::string(e.what()).find('\x1b'), std::string::npos) << e.what();
}

// A profile comes from a device: the schema loader's messages quote its keys and names escaped.
TEST(error_mismatch, the_schema_loader_escapes_keys_and_names_from_the_document) {
  for (const char* doc : {R"({"struct": [{"name": "a", "type": "u8", "x\u001b[2J": 1}]})",
                          R"({"struct": [{"name": "a\u001b", "type": "u8"}]})",
                          R"({"struct": [{"name": "a", "type": "no\u009bsuch"}]})",
                          R"({"types": {"T\u001b": "u8"}, "root": "T"})"}) {
    const auto e = caught([&] { (void)schema::parse(doc); });
    const std::string what = e.what();
    EXPECT_EQ(what.find('\x1b'), std::string::npos) << what;
    EXPECT_EQ(what.find("\xc2\x9b"), std::string::npos) << what;
    EXPECT_TRUE(what.find("\\x1b") != std::string::npos || what.find("\\u009b") != std::string::npos) << what;
  }
}

TEST(error_mismatch, an_unknown_key_names_the_fields_and_the_key) {
  const auto e = caught([] { (void)from_json<Point>(json::parse(R"({"x": 1, "y": 2, "w": 3})")); });
  EXPECT_EQ(e.kind(), errc::json_key);
  EXPECT_EQ(e.found(), "\"w\"");
  EXPECT_EQ(e.expected(), "one of x, y");
}

TEST(error_mismatch, an_error_that_is_no_mismatch_has_neither) {
  const auto e = caught([] { (void)schema::parse(R"({"struct": [{"name": "a", "type": "nosuch"}]})"); });
  EXPECT_EQ(e.expected(), "");
  EXPECT_EQ(e.found(), "");
}

}  // namespace

}  // namespace error_test
