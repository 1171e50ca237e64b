// hex_text and parse_hex: the one hex printer and parser every layer uses.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "comframe/core/hex.hpp"

namespace hex_test {

namespace core = comframe::core;
using bytes = std::vector<std::uint8_t>;

namespace {
// The detail of the codec_error parse_hex throws, or "" when it parses.
std::string hex_error(std::string_view text, core::hex_layout layout = core::hex_layout::separated) {
  try {
    (void)core::parse_hex(text, layout);
  } catch (const core::codec_error& e) {
    EXPECT_EQ(e.kind(), core::errc::json_range);
    return e.detail();
  }
  return "";
}
}  // namespace

TEST(hex_text, writes_lowercase_pairs_with_the_separator_between_bytes) {
  const bytes b{0x00, 0x0a, 0x1b, 0xff};
  EXPECT_EQ(core::hex_text(b), "00 0a 1b ff");
  EXPECT_EQ(core::hex_text(b, ""), "000a1bff");
  EXPECT_EQ(core::hex_text(b, ":"), "00:0a:1b:ff");
  EXPECT_EQ(core::hex_text(bytes{}), "");
}

TEST(append_hex, adds_two_lowercase_digits) {
  std::string s = "x";
  core::append_hex(s, 0xab);
  core::append_hex(s, 0x05);
  EXPECT_EQ(s, "xab05");
}

TEST(parse_hex, reads_digits_of_either_case_with_or_without_separators) {
  EXPECT_EQ(core::parse_hex("0a1BfF"), (bytes{0x0a, 0x1b, 0xff}));
  EXPECT_EQ(core::parse_hex("0a 1b\tff\r\n"), (bytes{0x0a, 0x1b, 0xff}));
  EXPECT_EQ(core::parse_hex("0a:1b,ff"), (bytes{0x0a, 0x1b, 0xff}));
  EXPECT_EQ(core::parse_hex("0x0a 0X1b"), (bytes{0x0a, 0x1b}));
  EXPECT_EQ(core::parse_hex(""), bytes{});
  EXPECT_EQ(core::parse_hex("0a1b", core::hex_layout::digits_only), (bytes{0x0a, 0x1b}));
}

TEST(parse_hex, errors_count_characters_from_one_and_show_the_character) {
  EXPECT_EQ(hex_error("0a1b02zz"), "bad hex at character 7: \"z\" is not a hex digit");
  EXPECT_EQ(hex_error("g"), "bad hex at character 1: \"g\" is not a hex digit");
  EXPECT_EQ(hex_error("0a1\x1b"), "bad hex at character 4: \"\\x1b\" is not a hex digit");
  EXPECT_EQ(hex_error("0a1 b"), "bad hex at character 4: a byte needs two hex digits");
  EXPECT_EQ(hex_error("0x"), "bad hex at character 1: \"0x\" needs hex digits after it");
  EXPECT_EQ(hex_error("01 0Xg"), "bad hex at character 4: \"0X\" needs hex digits after it");
  EXPECT_EQ(hex_error("0a1"), "odd number of hex digits (3)");
}

TEST(parse_hex, digits_only_refuses_separators_and_prefixes) {
  EXPECT_EQ(hex_error("0a 1b", core::hex_layout::digits_only), "bad hex at character 3: \" \" is not a hex digit");
  EXPECT_EQ(hex_error("0x0a", core::hex_layout::digits_only), "bad hex at character 2: \"x\" is not a hex digit");
}

TEST(parse_hex, throws_the_kind_it_is_given) {
  try {
    (void)core::parse_hex("q", core::hex_layout::separated, core::errc::json_syntax);
    FAIL() << "no error";
  } catch (const core::codec_error& e) {
    EXPECT_EQ(e.kind(), core::errc::json_syntax);
  }
}

TEST(parse_hex, reads_back_what_hex_text_writes) {
  bytes all(256);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(core::parse_hex(core::hex_text(all)), all);
  EXPECT_EQ(core::parse_hex(core::hex_text(all, ""), core::hex_layout::digits_only), all);
}

}  // namespace hex_test
