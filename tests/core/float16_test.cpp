// float16 ("f2", IEEE 754 binary16) in both faces: bits, rounding, JSON
// round trip, ranges, byte orders, the exported schema.
#include <gtest/gtest.h>

#include <cmath>

#include "comframe/core/json.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/core/schema_export.hpp"
#include "core/formats_types.hpp"

namespace float16_test {

namespace {

using namespace comframe::core;
using nlohmann::json;

std::uint16_t dynamic_bits(const json& j, json_mode mode = json_mode::strict) {
  const bytes b = encode(schema::parse("\"f2\""), j, endian::big, mode);
  return static_cast<std::uint16_t>(b.at(0) << 8 | b.at(1));
}

std::string encode_error(const schema& s, const json& j, json_mode mode = json_mode::strict) {
  try {
    (void)encode(s, j, endian::little, mode);
  } catch (const codec_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(float16, values_encode_to_their_ieee_binary16_bits_in_both_faces) {
  const std::pair<double, std::uint16_t> cases[] = {
      {1.0, 0x3c00},      {-2.0, 0xc000},     {0.5, 0x3800},       {65504.0, 0x7bff}, {-65504.0, 0xfbff},
      {0.0, 0x0000},      {-0.0, 0x8000},     {0.1, 0x2e66},       {6.103515625e-05, 0x0400},  // smallest normal
      {5.960464477539063e-08, 0x0001},  // smallest subnormal
      {3.0517578125e-05, 0x0200},       // a subnormal
  };
  for (const auto& [value, bits] : cases) {
    SCOPED_TRACE(value);
    EXPECT_EQ(float16(value).bits, bits);
    EXPECT_EQ(dynamic_bits(value), bits);
    EXPECT_EQ(encode(float16(value), endian::big), (bytes{static_cast<std::uint8_t>(bits >> 8),
                                                          static_cast<std::uint8_t>(bits & 0xff)}));
  }
}

TEST(float16, encoding_rounds_to_the_nearest_half_with_ties_to_even) {
  const std::pair<double, std::uint16_t> cases[] = {
      {2049.0, 0x6800},                 // a tie between 2048 and 2050: to the even 2048
      {2051.0, 0x6802},                 // a tie between 2050 and 2052: to the even 2052
      {1.00048828125, 0x3c00},          // 1 + 2^-11, a tie: to 1
      {1.00146484375, 0x3c02},          // 1 + 3 * 2^-11, a tie: to 1 + 2^-9
      {65519.0, 0x7bff},                // below the halfway point to 65536: 65504
      {2.9802322387695312e-08, 0x0000}, // half the smallest subnormal, a tie: to 0
      {4.470348358154297e-08, 0x0001},  // 1.5 times it: up
      {0.333333333333, 0x3555},
  };
  for (const auto& [value, bits] : cases) {
    SCOPED_TRACE(value);
    EXPECT_EQ(float16(value).bits, bits);
    EXPECT_EQ(dynamic_bits(value), bits);
    EXPECT_EQ(from_json<float16>(value).bits, bits);
  }
}

TEST(float16, json_shows_the_fewest_digits_that_read_back_to_the_same_half) {
  EXPECT_EQ(to_json(float16(0.1)).dump(), "0.1");
  EXPECT_EQ(to_json(float16(1.0 / 3)).dump(), "0.3333");
  EXPECT_EQ(to_json(float16(65504.0)).dump(), "65500.0");  // as numpy prints it: 65500 reads back as 65504
  EXPECT_EQ(to_json(float16::from_bits(0x0001)).dump(), "6e-08");
  EXPECT_EQ(to_json(float16(-0.0)).dump(), "-0.0");
  EXPECT_EQ(decode(schema::parse("\"f2\""), bytes{0x66, 0x2e}, endian::little).dump(), "0.1");
}

TEST(float16, every_bit_pattern_but_nan_round_trips_through_json_text_in_both_faces) {
  const schema s = schema::parse("\">f2\"");
  int checked = 0;
  for (std::uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const float16 h = float16::from_bits(static_cast<std::uint16_t>(bits));
    if (std::isnan(static_cast<float>(h))) continue;
    const bytes b{static_cast<std::uint8_t>(bits >> 8), static_cast<std::uint8_t>(bits)};
    const json text = json::parse(decode(s, b).dump());
    ASSERT_EQ(encode(s, text), b) << bits;
    ASSERT_EQ(from_json<float16>(text), h) << bits;
    ASSERT_EQ(to_json(h), text) << bits;
    ++checked;
  }
  EXPECT_EQ(checked, 65536 - 2046);  // 2 × (2^10 − 1) NaN patterns
}

TEST(float16, nan_and_the_infinities_are_strings_as_for_f32) {
  EXPECT_EQ(to_json(float16::from_bits(0x7c00)), "inf");
  EXPECT_EQ(to_json(float16::from_bits(0xfc00)), "-inf");
  EXPECT_EQ(to_json(float16::from_bits(0x7e01)), "nan");
  EXPECT_EQ(dynamic_bits("inf"), 0x7c00);
  EXPECT_EQ(dynamic_bits("-inf"), 0xfc00);
  EXPECT_EQ(dynamic_bits("nan"), 0x7e00);
}

TEST(float16, strict_json_refuses_a_value_beyond_the_largest_half_and_lenient_makes_it_infinite) {
  const schema s = schema::parse(R"({"struct": [{"name": "t", "type": "f2"}]})");
  EXPECT_EQ(encode_error(s, {{"t", 65520}}), "[core.json_range] t: 65520 is out of range for f2 (magnitude up to 65504)");
  EXPECT_EQ(encode_error(s, {{"t", -1e39}}), "[core.json_range] t: -1e+39 is out of range for f2 (magnitude up to 65504)");
  EXPECT_EQ(encode_error(s, {{"t", "1.5"}}),
            "[core.json_type] t: expected a number (or \"nan\", \"inf\", \"-inf\"), got a string \"1.5\"");
  EXPECT_EQ(encode(s, {{"t", 65520}}, endian::big, json_mode::lenient), (bytes{0x7c, 0x00}));
  EXPECT_EQ(encode(s, {{"t", -1e39}}, endian::big, json_mode::lenient), (bytes{0xfc, 0x00}));
  EXPECT_EQ(encode(s, {{"t", 65519.99}}, endian::big), (bytes{0x7b, 0xff}));
  try {
    (void)from_json<cft::Halves>({{"a", 1e6}, {"b", 0}, {"c", {0, 0, 0}}, {"d", 0}});
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.json_range] a: 1000000.0 is out of range for f2 (magnitude up to 65504)");
  }
}

TEST(float16, byte_order_prefixes_fix_the_order_and_the_call_order_applies_otherwise) {
  const schema s = schema::parse(R"({"struct": [{"name": "a", "type": "f2"}, {"name": "b", "type": ">f2"},
                                                {"name": "c", "type": "<f16"}]})");
  const json v = {{"a", 1.0}, {"b", 1.0}, {"c", 1.0}};
  EXPECT_EQ(encode(s, v, endian::little), (bytes{0x00, 0x3c, 0x3c, 0x00, 0x00, 0x3c}));
  EXPECT_EQ(encode(s, v, endian::big), (bytes{0x3c, 0x00, 0x3c, 0x00, 0x00, 0x3c}));
  EXPECT_EQ(s.to_json()["root"]["struct"][2]["type"], "<f2");  // "f16" is an alias; "f2" is canonical
  EXPECT_EQ(s.fixed_size(), 6u);
  EXPECT_EQ(s.root().fields[0].type->kind, type_kind::float16);
}

TEST(float16, the_static_type_exports_the_same_schema_as_the_hand_written_one) {
  const schema hand = schema::parse(R"({"types": {"cft::Halves": {"struct": [
      {"name": "a", "type": "f2"}, {"name": "b", "type": "f2", "endian": "big"},
      {"name": "c", "type": "f2[3]"}, {"name": "d", "type": "f2", "endian": "little"}]}}, "root": "cft::Halves"})");
  EXPECT_EQ(schema::of<cft::Halves>(), hand) << schema::of<cft::Halves>().dump();
  EXPECT_EQ(schema::of<float16>().to_json()["root"], "f2");
  EXPECT_EQ(schema::of<big<float16>>().to_json()["root"], ">f2");
  static_assert(fixed_size<cft::Halves>() == 12);
  static_assert(kind_v<float16> == type_kind::float16);
  const cft::Halves h{float16(1.0), float16(-2.0), {float16(0.5), float16(0.1), float16(65504.0)}, float16(1.0)};
  EXPECT_EQ(encode(h, endian::little),
            (bytes{0x00, 0x3c, 0xc0, 0x00, 0x00, 0x38, 0x66, 0x2e, 0xff, 0x7b, 0x00, 0x3c}));
  EXPECT_EQ(encode(hand, to_json(h), endian::little), encode(h, endian::little));
}

TEST(float16, sizes_and_definition_errors_name_the_field) {
  EXPECT_EQ(schema::parse("\"f2[]\"").element_size(), 2u);
  try {
    (void)schema::parse(R"({"bits": [{"name": "a", "type": "f2"}, {"name": "b", "type": "u8"}]})");
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.definition] root.a: a bit field is bool, an integer or an enum, not \"f2\"");
  }
  try {
    (void)schema::parse(R"({"struct": [{"name": "a", "type": "f3"}]})");
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(),
                 "[core.definition] root.a: \"f3\": floating point is f2 or f16 (2 bytes), f4 or f32 (4 bytes), f8 or "
                 "f64 (8 bytes)");
  }
  try {
    (void)decode(schema::parse(R"({"struct": [{"name": "a", "type": "u8"}, {"name": "t", "type": "f2"}]})"),
                 bytes{1, 2});
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_EQ(e.kind(), errc::size);
  }
}

}  // namespace

}  // namespace float16_test
