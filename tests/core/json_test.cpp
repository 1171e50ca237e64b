// The static face to and from JSON, strict and lenient; the number rules are
// shared with the dynamic face, which schema_codec_test.cpp checks the same way.
#include <gtest/gtest.h>

#include "comframe/core/json.hpp"
#include "core/test_types.hpp"

namespace json_test {

namespace {

using namespace comframe::core;
using namespace cft;
using nlohmann::json;

template <class T>
std::string error_of(const json& j, json_mode mode = json_mode::strict) {
  try {
    (void)from_json<T>(j, mode);
  } catch (const codec_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(static_json, maps_every_kind_to_its_json_form) {
  EXPECT_EQ(to_json(Shape{7, {{{1, 2}, {3, 4}, {5, 6}}}}),
            json::parse(R"({"id":7,"vrx":[{"x":1.0,"y":2.0},{"x":3.0,"y":4.0},{"x":5.0,"y":6.0}]})"));
  EXPECT_EQ(to_json(WithNull{{}, 5, {}}), json::parse(R"({"nothing":null,"code":5,"trailer":null})"));
  EXPECT_EQ(to_json(true), json(true));
  EXPECT_EQ(to_json('x'), json("x"));
  EXPECT_EQ(to_json(Readings{2, {-1, 1}}), json::parse(R"({"count":2,"temps":[-1,1]})"));
  EXPECT_EQ(to_json(std::uint64_t{18446744073709551615u}).dump(), "18446744073709551615");
  EXPECT_EQ(to_json(std::int64_t{-9223372036854775807 - 1}).dump(), "-9223372036854775808");
}

TEST(static_json, writes_an_f32_with_the_fewest_digits_that_read_back_to_it) {
  EXPECT_EQ(to_json(0.1f).dump(), "0.1");
  EXPECT_EQ(from_json<float>(to_json(0.1f)), 0.1f);
  EXPECT_EQ(to_json(0.1).dump(), "0.1");
}

TEST(static_json, every_f32_it_writes_reads_back_the_largest_included) {
  const float max = std::numeric_limits<float>::max();
  EXPECT_EQ(to_json(max).dump(), "3.4028235e+38");
  EXPECT_EQ(from_json<float>(json::parse(to_json(max).dump())), max);
  EXPECT_EQ(from_json<float>(json::parse(to_json(-max).dump())), -max);
  EXPECT_EQ(from_json<float>(json::parse(to_json(std::numeric_limits<float>::denorm_min()).dump())),
            std::numeric_limits<float>::denorm_min());
  // Just below 2^128 - 2^103 rounds to FLT_MAX; from there on it would round to an infinity.
  EXPECT_EQ(from_json<float>(json(0x1.fffffefffffffp+127)), max);
  EXPECT_EQ(error_of<float>(json(0x1.ffffffp+127)),
            "[core.json_range] 3.4028235677973366e+38 is out of range for f32 (magnitude up to 3.4028235e38)");
}

TEST(static_json, lenient_makes_an_f32_beyond_its_range_an_infinity_of_its_sign) {
  EXPECT_EQ(from_json<float>(json(1e39), json_mode::lenient), std::numeric_limits<float>::infinity());
  EXPECT_EQ(from_json<float>(json(-1e39), json_mode::lenient), -std::numeric_limits<float>::infinity());
  EXPECT_EQ(from_json<float>(json(1e300), json_mode::lenient), std::numeric_limits<float>::infinity());
  EXPECT_EQ(from_json<float>(json(3.4028235e38), json_mode::lenient), std::numeric_limits<float>::max());
  EXPECT_EQ(error_of<float>(json(1e39)), "[core.json_range] 1e+39 is out of range for f32 (magnitude up to 3.4028235e38)");
}

TEST(static_json, writes_nan_and_infinities_as_strings_and_reads_them_back) {
  EXPECT_EQ(to_json(std::numeric_limits<double>::infinity()), json("inf"));
  EXPECT_EQ(to_json(-std::numeric_limits<float>::infinity()), json("-inf"));
  EXPECT_EQ(to_json(std::numeric_limits<double>::quiet_NaN()), json("nan"));
  EXPECT_TRUE(std::isnan(from_json<float>(json("nan"))));
  EXPECT_EQ(from_json<double>(json("-inf")), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(error_of<double>(json("fast")),
            "[core.json_type] expected a number (or \"nan\", \"inf\", \"-inf\"), got a string \"fast\"");
}

TEST(static_json, keeps_every_char_byte_through_utf8_as_latin1) {
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const json j = to_json(ch);
    EXPECT_EQ(from_json<char>(json::parse(j.dump())), ch) << c;
  }
  EXPECT_EQ(to_json(static_cast<char>(0xe9)), json("\u00e9"));
  EXPECT_EQ(error_of<char>(json("ab")),
            "[core.json_range] expected one character from U+0000 to U+00FF, got a string \"ab\"");
  EXPECT_EQ(error_of<char>(json("\u20ac")),
            "[core.json_range] expected one character from U+0000 to U+00FF, got a string \"\u20ac\"");
  EXPECT_EQ(error_of<char>(json(65)), "[core.json_type] expected a one-character string, got the number 65");
  EXPECT_EQ(from_json<char>(json(65), json_mode::lenient), 'A');
}

TEST(static_json, strict_refuses_an_integer_out_of_range_naming_the_path) {
  EXPECT_EQ(error_of<std::uint8_t>(json(256)), "[core.json_range] 256 is out of range for u8 (0 to 255)");
  EXPECT_EQ(error_of<std::uint16_t>(json(-3456)), "[core.json_range] -3456 is out of range for u16 (0 to 65535)");
  EXPECT_EQ(error_of<Readings>(json::parse(R"({"count":1,"temps":[1,2,3,2147483648]})")),
            "[core.json_range] temps[3]: 2147483648 is out of range for i32 (-2147483648 to 2147483647)");
  EXPECT_EQ(error_of<Shape>(json::parse(R"({"id":1,"vrx":[{"x":1,"y":2},{"x":1,"y":"2"},{"x":1,"y":2}]})")),
            "[core.json_type] vrx[1].y: expected a number (or \"nan\", \"inf\", \"-inf\"), got a string \"2\"");
  EXPECT_EQ(error_of<float>(json(1e300)), "[core.json_range] 1e+300 is out of range for f32 (magnitude up to 3.4028235e38)");
}

TEST(static_json, strict_refuses_wrong_json_types) {
  EXPECT_EQ(error_of<std::int32_t>(json(1.5)), "[core.json_type] expected an integer, got the number 1.5");
  EXPECT_EQ(error_of<bool>(json(1)), "[core.json_type] expected true or false, got the number 1");
  EXPECT_EQ(error_of<Point>(json::array()), "[core.json_type] expected an object, got an array");
  EXPECT_EQ(error_of<Shape>(json::parse(R"({"id":1,"vrx":{}})")),
            "[core.json_type] vrx: expected an array of 3, got an object");
  EXPECT_EQ(error_of<WithNull>(json::parse(R"({"nothing":0,"code":1,"trailer":null})")),
            "[core.json_type] nothing: expected null, got the number 0");
}

TEST(static_json, strict_refuses_an_unknown_key_so_a_typo_is_never_dropped) {
  EXPECT_EQ(error_of<Point>(json::parse(R"({"x":1,"y":2,"z":3})")),
            "[core.json_key] unknown key \"z\" (the fields are: x, y)");
  EXPECT_EQ(error_of<Middle>(json::parse(R"({"stamp":1,"inner":{"tga":1,"points":[]}})")),
            "[core.json_key] inner: unknown key \"tga\" (the fields are: tag, points)");
}

TEST(static_json, strict_refuses_a_missing_key) {
  EXPECT_EQ(error_of<Point>(json::parse(R"({"x":1})")), "[core.json_key] y: missing (strict mode needs every field)");
}

TEST(static_json, strict_refuses_a_fixed_array_of_the_wrong_length) {
  EXPECT_EQ((error_of<std::array<int, 3>>(json::parse("[1,2]"))), "[core.json_length] expected 3 elements, got 2");
  EXPECT_EQ(error_of<Matrix>(json::parse("{\"rows\":[[1,2,3],[1,2,3,4]]}")),
            "[core.json_length] rows[1]: expected 3 elements, got 4");
}

TEST(static_json, lenient_gives_missing_fields_their_defaults) {
  const auto p = from_json<Readings>(json::parse(R"({"count":4})"), json_mode::lenient);
  EXPECT_EQ(p, (Readings{4, {}}));
  Point keep{5, 6};
  from_json_into(json::parse(R"({"x":1})"), keep, json_mode::lenient);
  EXPECT_EQ(keep, (Point{1, 6}));
}

TEST(static_json, lenient_ignores_unknown_keys) {
  EXPECT_EQ(from_json<Point>(json::parse(R"({"x":1,"y":2,"z":3})"), json_mode::lenient), (Point{1, 2}));
}

TEST(static_json, lenient_pads_a_short_fixed_array_with_defaults) {
  EXPECT_EQ((from_json<std::array<int, 4>>(json::parse("[1,2]"), json_mode::lenient)), (std::array<int, 4>{1, 2, 0, 0}));
}

TEST(static_json, lenient_cuts_a_long_fixed_array) {
  EXPECT_EQ((from_json<std::array<int, 2>>(json::parse("[1,2,3,4]"), json_mode::lenient)), (std::array<int, 2>{1, 2}));
}

TEST(static_json, lenient_c_casts_integers_as_ud003_sernumber_does) {
  EXPECT_EQ(from_json<std::uint16_t>(json(-3456), json_mode::lenient), 62080);
  EXPECT_EQ(from_json<std::uint16_t>(json(100000), json_mode::lenient), 34464);
  EXPECT_EQ(from_json<std::int8_t>(json(200), json_mode::lenient), -56);
  EXPECT_EQ(from_json<std::uint64_t>(json(-1), json_mode::lenient), 18446744073709551615u);
}

TEST(static_json, c_cast_wraps_like_a_c_conversion) {
  static_assert(c_cast<std::uint16_t>(-3456) == 62080);
  static_assert(c_cast<std::uint16_t>(100000) == 34464);
  static_assert(c_cast<std::int16_t>(40000) == -25536);
  static_assert(c_cast<bool>(7));
  EXPECT_EQ(c_cast<float>(0.5), 0.5f);
}

}  // namespace

}  // namespace json_test
