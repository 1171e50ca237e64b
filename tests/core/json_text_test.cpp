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
