// printable_text and quoted_text: text from outside, safe on a terminal;
// format_json and each of its options; parse_json.
#include <gtest/gtest.h>

#include <string>

#include "comframe/core/json_text.hpp"
#include "comframe/core/schema.hpp"

namespace json_text_test {

namespace core = comframe::core;
using nlohmann::json;
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

// ---- format_json ----------------------------------------------------------------------

namespace {
// {"b": [1, 2], "a": {"y": "t", "x": 0.5}, "c": null}, keys sorted by nlohmann::json
const json sample = json::parse(R"({"b": [1, 2], "a": {"y": "t", "x": 0.5}, "c": null})");
}  // namespace

TEST(format_json, by_default_writes_nlohmanns_compact_form) {
  EXPECT_EQ(core::format_json(sample), R"({"a":{"x":0.5,"y":"t"},"b":[1,2],"c":null})");
  EXPECT_EQ(core::format_json(json::parse("[1.0, -3, 1e300, true, 18446744073709551615]")),
            "[1.0,-3,1e+300,true,18446744073709551615]");
}

TEST(format_json, indent_writes_every_object_and_array_one_item_a_line) {
  EXPECT_EQ(core::format_json(json::parse(R"({"a": [1, {}], "b": []})"), {.indent = 2}),
            "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}");
  EXPECT_EQ(core::format_json(json::parse(R"({"a": [1]})"), {.indent = 0}), "{\n\"a\": [\n1\n]\n}");
}

TEST(format_json, scalar_arrays_stay_on_one_line_and_arrays_of_objects_do_not) {
  EXPECT_EQ(core::format_json(json::parse(R"({"n": [1, 2, 3], "s": [{"x": 1}]})"),
                              {.indent = 2, .scalar_arrays_on_one_line = true}),
            "{\n  \"n\": [1, 2, 3],\n  \"s\": [\n    {\n      \"x\": 1\n    }\n  ]\n}");
}

TEST(format_json, width_keeps_what_fits_from_its_column_on_one_line) {
  const auto j = json::parse(R"({"a": [1, 2], "b": {"c": "d"}})");
  EXPECT_EQ(core::format_json(j, {.indent = 2, .width = 100}), R"({"a": [1, 2], "b": {"c": "d"}})");
  EXPECT_EQ(core::format_json(j, {.indent = 2, .width = 20}), "{\n  \"a\": [1, 2],\n  \"b\": {\"c\": \"d\"}\n}");
  // `  "b": {"c": "d"}` ends at column 17: it fits in 17 and not in 16.
  EXPECT_EQ(core::format_json(j, {.indent = 2, .width = 16}),
            "{\n  \"a\": [1, 2],\n  \"b\": {\n    \"c\": \"d\"\n  }\n}");
}

TEST(format_json, type_puts_keys_in_field_order_at_every_depth_and_unknown_keys_last_sorted) {
  const auto s = core::schema::parse(R"({"types": {"P": {"struct": [{"name": "y", "type": "u8"}, {"name": "x", "type": "u8"}]}},
      "root": {"struct": [{"name": "zeta", "type": "u8"}, {"name": "ps", "type": "P[2]"}, {"name": "p", "type": "P"}]}})");
  const auto v = json::parse(R"({"p": {"x": 1, "y": 2}, "ps": [{"x": 3, "y": 4}, {"x": 5, "y": 6}], "zeta": 7,
                                 "more": 8, "also": 9})");
  EXPECT_EQ(core::format_json(v, {.type = &s.root()}),
            R"({"zeta":7,"ps":[{"y":4,"x":3},{"y":6,"x":5}],"p":{"y":2,"x":1},"also":9,"more":8})");
}

TEST(format_json, key_order_orders_the_outermost_object_only) {
  EXPECT_EQ(core::format_json(sample, {.key_order = {"c", "b", "absent"}}), R"({"c":null,"b":[1,2],"a":{"x":0.5,"y":"t"}})");
}

TEST(format_json, escapes_del_c1_controls_and_bidi_controls_in_strings_and_keys_and_keeps_other_utf8) {
  // ESC, DEL, CSI (U+009B), RIGHT-TO-LEFT OVERRIDE (U+202E), FIRST STRONG ISOLATE (U+2068), then ° and €.
  const json j = {{"k\xe2\x80\xae", "a\x1b[2J\x7f\xc2\x9b" "1m\xe2\x80\xae\xe2\x81\xa8 \xc2\xb0" "C \xe2\x82\xac"}};
  const std::string text = core::format_json(j);
  EXPECT_EQ(text, R"({"k\u202e":"a\u001b[2J\u007f\u009b1m\u202e\u2068 )" "\xc2\xb0" "C \xe2\x82\xac\"}");
  EXPECT_EQ(json::parse(text), j);  // still JSON, meaning the same
}

TEST(format_json, replaces_invalid_utf8_with_the_replacement_character) {
  EXPECT_EQ(core::format_json(json("a\xff")), "\"a\xef\xbf\xbd\"");
}

TEST(format_json, ascii_only_escapes_every_character_outside_printable_ascii) {
  EXPECT_EQ(core::format_json(json("\xc2\xb0" "C\x7f"), {.ascii_only = true}), R"("\u00b0C\u007f")");
}

TEST(format_json, chars_as_text_writes_an_array_of_char_as_its_text_without_the_padding) {
  const auto s = core::schema::parse(R"({"struct": [{"name": "name", "type": "char[8]"}, {"name": "on", "type": "u8[2]"}]})");
  const std::string nul(1, '\0');
  const json v = {{"name", {"a", "b", nul, "c", nul, nul, nul, nul}}, {"on", {1, 0}}};
  EXPECT_EQ(core::format_json(v, {.type = &s.root(), .chars_as_text = true}), R"({"name":"ab\u0000c","on":[1,0]})");
  EXPECT_EQ(core::format_json(v["name"], {.chars_as_text = true}), R"(["a","b","\u0000","c","\u0000","\u0000","\u0000","\u0000"])");
}

TEST(format_json, chars_as_text_leaves_arrays_of_other_short_strings_as_arrays) {
  const auto arr = core::schema::parse(R"({"types": {"M": {"enum": "u8", "values": {"A": 0, "B": 1}}}, "root": "M[2]"})");
  EXPECT_EQ(core::format_json(json::array({"A", "B"}), {.type = &arr.root(), .chars_as_text = true, .key_value = true}),
            R"(["A","B"])");
}

TEST(format_json, key_value_writes_a_value_for_a_line_of_text) {
  const json v = {{"id", 7}, {"name", "a\x1b[2J\""}, {"temps", {-5, 20}}, {"pos", {{"x", 1}, {"y", 2}}}};
  EXPECT_EQ(core::format_json(v, {.key_value = true}), R"({id=7 name="a\x1b[2J\"" pos={x=1 y=2} temps=[-5,20]})");
  EXPECT_EQ(core::format_json(v, {.indent = 2, .key_value = true}), R"({id=7 name="a\x1b[2J\"" pos={x=1 y=2} temps=[-5,20]})");
}

TEST(format_json, max_elements_cuts_an_array_and_says_its_length) {
  const json a = {1, 2, 3, 4, 5};
  EXPECT_EQ(core::format_json(a, {.key_value = true, .max_elements = 2}), "[1,2,\xe2\x80\xa6 (5)]");
  EXPECT_EQ(core::format_json(a, {.indent = 2, .scalar_arrays_on_one_line = true, .max_elements = 2}),
            "[1, 2, \xe2\x80\xa6 (5)]");
  EXPECT_EQ(core::format_json(a, {.max_elements = 0}), "[\xe2\x80\xa6 (5)]");
  EXPECT_EQ(core::format_json(a, {.max_elements = 5}), "[1,2,3,4,5]");
}

TEST(format_json, max_depth_shows_deeper_objects_as_an_ellipsis) {
  const auto v = json::parse(R"({"a": {"b": {"c": 1}}, "l": [[{"d": 1}]]})");
  EXPECT_EQ(core::format_json(v, {.key_value = true, .max_depth = 1}), "{a={b={\xe2\x80\xa6}} l=[[{\xe2\x80\xa6}]]}");
  EXPECT_EQ(core::format_json(v, {.max_depth = 0}), "{\"a\":{\xe2\x80\xa6},\"l\":[[{\xe2\x80\xa6}]]}");
}

TEST(format_json, max_string_bytes_cuts_strings_at_a_whole_character_and_says_where) {
  EXPECT_EQ(core::format_json(json("abcde"), {.max_string_bytes = 2}), R"("ab" (cut: 2 of 5 bytes shown))");
  EXPECT_EQ(core::format_json(json("a\xe2\x82\xac"), {.max_string_bytes = 2}), R"("a" (cut: 1 of 4 bytes shown))");
  EXPECT_EQ(core::format_json(json("abcde"), {.key_value = true, .max_string_bytes = 2}),
            R"("ab" (cut: 2 of 5 bytes shown))");
  EXPECT_EQ(core::format_json(json("abcde"), {.max_string_bytes = 5}), R"("abcde")");
}

}  // namespace json_text_test
