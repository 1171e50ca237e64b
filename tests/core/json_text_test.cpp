// printable_text and quoted_text: text from outside, safe on a terminal.
#include <gtest/gtest.h>

#include <string>

#include "comframe/core/json_text.hpp"

namespace core = comframe::core;
using namespace std::string_literals;

TEST(printable_text, keeps_printable_ascii_and_valid_utf8_as_they_are) {
  EXPECT_EQ(core::printable_text("thermo v1.2 \xc2\xb0""C \xe2\x82\xac"), "thermo v1.2 \xc2\xb0""C \xe2\x82\xac");
}

TEST(printable_text, escapes_terminal_control_characters) {
  EXPECT_EQ(core::printable_text("a\x1b[2J\x07\rb\n\tc\x7f"), R"(a\x1b[2J\x07\rb\n\tc\x7f)");
  EXPECT_EQ(core::printable_text("back\\slash"), R"(back\\slash)");
}

TEST(printable_text, shows_a_nul_and_what_follows_it) {
  EXPECT_EQ(core::printable_text("ab\0cd"s), R"(ab\x00cd)");
}

TEST(printable_text, escapes_c1_controls_bidi_overrides_and_invalid_utf8) {
  EXPECT_EQ(core::printable_text("x\xc2\x9b""1m"), R"(x\u009b1m)");
  EXPECT_EQ(core::printable_text("\xe2\x80\xae""abc"), R"(\u202eabc)");
  EXPECT_EQ(core::printable_text("\xff\xc0\xaf\xed\xa0\x80"), R"(\xff\xc0\xaf\xed\xa0\x80)");
  EXPECT_EQ(core::printable_text("cut \xe2\x82"), R"(cut \xe2\x82)");
}

TEST(printable_text, says_where_a_long_text_was_cut) {
  const std::string long_text(1000, 'x');
  EXPECT_EQ(core::printable_text(long_text, 4), "xxxx... (cut: 4 of 1000 bytes shown)");
  EXPECT_EQ(core::printable_text("abcd", 4), "abcd");
}

TEST(quoted_text, quotes_escapes_the_quote_and_cuts_outside_the_quotes) {
  EXPECT_EQ(core::quoted_text("say \"hi\"\x1b"), R"("say \"hi\"\x1b")");
  EXPECT_EQ(core::quoted_text(std::string(100, 'n'), 3), R"("nnn" (cut: 3 of 100 bytes shown))");
}

TEST(parse_json, strict_refuses_a_key_written_twice_in_a_value_naming_it_and_lenient_keeps_the_last) {
  using comframe::core::codec_error;
  using comframe::core::errc;
  using comframe::core::json_mode;
  try {
    (void)comframe::core::parse_json(R"({"index": 1, "rgb": [1, 2, 3], "index": 7})");
    FAIL() << "no error";
  } catch (const codec_error& e) {
    EXPECT_EQ(e.kind(), errc::json_syntax);
    EXPECT_STREQ(e.what(), "[core.json_syntax] duplicate key \"index\"");
  }
  const auto v = comframe::core::parse_json(R"({"a": 1, "a": 2})", errc::json_syntax, json_mode::lenient);
  EXPECT_EQ(v.dump(), R"({"a":2})");
}

TEST(parse_json, a_number_beyond_a_double_is_a_codec_error_not_a_stray_exception) {
  try {
    (void)comframe::core::parse_json("1e400");
    FAIL() << "no error";
  } catch (const comframe::core::codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.json_syntax] not valid JSON: [json.exception.out_of_range.406] number overflow "
                           "parsing '1e400'");
  }
}
