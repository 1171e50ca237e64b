// The dynamic face's codec: JSON values through a run-time schema, strict and
// lenient, with the same errors as the static face.
#include <gtest/gtest.h>

#include "comframe/core/json.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/core/schema_export.hpp"
#include "core/test_types.hpp"

namespace schema_codec_test {

namespace {

using namespace comframe::core;
using nlohmann::json;

const schema readings = schema::parse(R"({
  "types": {"Readings": {"struct": [{"name": "count", "type": "u16"}, {"name": "temps", "type": "i32[]"}]}}})");
const schema shape = schema::of<cft::Shape>();

std::string encode_error(const schema& s, const json& j, json_mode mode = json_mode::strict) {
  try {
    (void)encode(s, j, endian::native, mode);
  } catch (const codec_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(schema_codec, encodes_and_decodes_in_each_byte_order) {
  const json v = json::parse(R"({"count": 2, "temps": [1, -1]})");
  EXPECT_EQ(encode(readings, v, endian::big), (bytes{0, 2, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(encode(readings, v, endian::little), (bytes{2, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(decode(readings, encode(readings, v, endian::big), endian::big), v);
}

TEST(schema_codec, decode_names_the_dynamic_tail_when_the_byte_count_is_off) {
  try {
    (void)decode(readings, bytes(16));
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(),
                 "[core.size] temps at byte 2: 14 bytes left, but a dynamic tail of i32 needs a multiple of 4");
  }
  try {
    (void)decode(shape, bytes(27));
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.size] at byte 27: the input ends, but the value takes exactly 28 bytes (27 given)");
  }
  try {
    (void)decode(shape, bytes(29));
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.size] at byte 28: the value ends, but 29 bytes were given (it takes exactly 28 bytes)");
  }
  try {
    (void)decode(readings, bytes(3));
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.size] temps at byte 2: 1 byte left, but a dynamic tail of i32 needs a multiple of 4");
  }
}

TEST(schema_codec, decode_reports_an_invalid_bool_with_path_and_offset) {
  const auto s = schema::parse(R"({"struct": [{"name": "a", "type": "u8"}, {"name": "flags", "type": "bool[2]"}]})");
  try {
    (void)decode(s, bytes{0, 1, 7});
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.invalid_bytes] flags[1] at byte 2: a bool must be 0 or 1, found 7");
  }
}

TEST(schema_codec, strict_errors_match_the_static_face_word_for_word) {
  const json inputs[] = {
      json::parse(R"({"id": 1, "vrx": [{"x": 1, "y": 2}, {"x": 1, "y": "2"}, {"x": 1, "y": 2}]})"),
      json::parse(R"({"id": -1, "vrx": []})"),
      json::parse(R"({"id": 1, "vrx": [{"x": 1, "y": 2}]})"),
      json::parse(R"({"id": 1, "vrx": [{"x": 1, "y": 2}, {"x": 1, "y": 2}, {"x": 1, "yy": 2}]})"),
      json::parse(R"({"vrx": []})"),
      json::parse(R"([1, 2])"),
  };
  for (const auto& in : inputs) {
    std::string static_error = "no error";
    try {
      (void)from_json<cft::Shape>(in);
    } catch (const codec_error& e) {
      static_error = e.what();
    }
    EXPECT_NE(static_error, "no error") << in.dump();
    EXPECT_EQ(encode_error(shape, in), static_error) << in.dump();
  }
}

TEST(schema_codec, strict_refuses_unknown_and_missing_keys_and_wrong_lengths) {
  EXPECT_EQ(encode_error(readings, json::parse(R"({"count": 1, "tmeps": []})")),
            "[core.json_key] unknown key \"tmeps\" (the fields are: count, temps)");
  EXPECT_EQ(encode_error(readings, json::parse(R"({"count": 1})")),
            "[core.json_key] temps: missing (strict mode needs every field)");
  EXPECT_EQ(encode_error(schema::parse(R"("u8[2]")"), json::parse("[1, 2, 3]")),
            "[core.json_length] expected 2 elements, got 3");
  EXPECT_EQ(encode_error(readings, json::parse(R"({"count": 70000, "temps": []})")),
            "[core.json_range] count: 70000 is out of range for u16 (0 to 65535)");
}

TEST(schema_codec, lenient_defaults_missing_fields_to_zero) {
  EXPECT_EQ(encode(readings, json::parse(R"({"temps": [5]})"), endian::little, json_mode::lenient),
            (bytes{0, 0, 5, 0, 0, 0}));
  EXPECT_EQ(encode(readings, json::object(), endian::little, json_mode::lenient), (bytes{0, 0}));
}

// Found by fuzz/dynamic_encode_fuzz.cpp: zero bytes for an enum without a value 0
// encoded a value that does not decode. Lenient mode refuses to default it.
TEST(schema_codec, lenient_refuses_to_default_an_enum_that_has_no_value_zero) {
  const schema s = schema::parse(R"({"types": {
    "Mode": {"enum": "u8", "values": {"run": 1, "stop": 2}},
    "Zero": {"enum": "u8", "values": {"off": 0, "on": 1}},
    "Inner": {"struct": [{"name": "mode", "type": "Mode"}]},
    "T": {"struct": [{"name": "z", "type": "Zero"}, {"name": "inner", "type": "Inner"},
                     {"name": "modes", "type": "Mode[2]"},
                     {"name": "bits", "type": {"bits": [{"name": "m", "type": "Mode", "bits": 8}]}},
                     {"name": "packed", "type": {"bits": [{"name": "p", "type": "Mode", "bits": 4, "count": 2}]}}]}},
    "root": "T"})");
  const json full = json::parse(
      R"({"z": "on", "inner": {"mode": "run"}, "modes": ["run", "stop"], "bits": {"m": "stop"}, "packed": {"p": ["run", "stop"]}})");
  EXPECT_EQ(encode(s, full, endian::little, json_mode::lenient), (bytes{1, 1, 1, 2, 2, 0x12}));
  json no_z = full;
  no_z.erase("z");  // the enum with a value 0 defaults as before
  EXPECT_EQ(encode(s, no_z, endian::little, json_mode::lenient), (bytes{0, 1, 1, 2, 2, 0x12}));
  json no_inner = full;
  no_inner.erase("inner");
  EXPECT_EQ(encode_error(s, no_inner, json_mode::lenient),
            "[core.json_key] inner: missing (lenient mode writes it as zero bytes, but 0 is no value of enum Mode)");
  json short_array = full;
  short_array["modes"] = json::array({"run"});
  EXPECT_EQ(encode_error(s, short_array, json_mode::lenient),
            "[core.json_key] modes[1]: missing (lenient mode writes it as zero bytes, but 0 is no value of enum Mode)");
  json no_bit = full;
  no_bit["bits"] = json::object();
  EXPECT_EQ(encode_error(s, no_bit, json_mode::lenient),
            "[core.json_key] bits.m: missing (lenient mode writes it as zero bytes, but 0 is no value of enum Mode)");
  json short_packed = full;
  short_packed["packed"]["p"] = json::array({"run"});
  EXPECT_EQ(encode_error(s, short_packed, json_mode::lenient),
            "[core.json_key] packed.p[1]: missing (lenient mode writes it as zero bytes, but 0 is no value of enum Mode)");
}

TEST(schema_codec, lenient_ignores_unknown_keys) {
  EXPECT_EQ(encode(readings, json::parse(R"({"count": 1, "temps": [], "extra": true})"), endian::little,
                   json_mode::lenient),
            (bytes{1, 0}));
}

TEST(schema_codec, lenient_pads_a_short_fixed_array) {
  EXPECT_EQ(encode(schema::parse(R"("u16[3]")"), json::parse("[7]"), endian::big, json_mode::lenient),
            (bytes{0, 7, 0, 0, 0, 0}));
}

TEST(schema_codec, lenient_cuts_a_long_fixed_array) {
  EXPECT_EQ(encode(schema::parse(R"("u8[2]")"), json::parse("[1, 2, 3, 4]"), endian::big, json_mode::lenient),
            (bytes{1, 2}));
}

TEST(schema_codec, lenient_c_casts_integers) {
  EXPECT_EQ(encode(schema::parse(R"("u16")"), json(-3456), endian::big, json_mode::lenient), (bytes{0xf2, 0x80}));
  EXPECT_EQ(decode(schema::parse(R"("u16")"), bytes{0xf2, 0x80}, endian::big), json(62080));
}

TEST(schema_codec, encode_append_keeps_what_was_there_and_leaves_it_untouched_on_error) {
  bytes out{0xaa};
  encode_append(readings, json::parse(R"({"count": 1, "temps": []})"), out, endian::big);
  EXPECT_EQ(out, (bytes{0xaa, 0, 1}));
  EXPECT_THROW(encode_append(readings, json::parse(R"({"count": "x", "temps": []})"), out), codec_error);
  EXPECT_EQ(out, (bytes{0xaa, 0, 1}));
}

TEST(schema_codec, format_json_writes_keys_in_field_order) {
  const json v = json::parse(R"({"id": 1, "vrx": [{"x": 1, "y": 2}, {"x": 3, "y": 4}, {"x": 5, "y": 6}]})");
  const auto s = schema::parse(
      R"({"struct": [{"name": "zeta", "type": "u8"}, {"name": "alpha", "type": "u8[2]"}, {"name": "mid", "type": "bool"}]})");
  const comframe::core::json_format pretty{.indent = 2, .scalar_arrays_on_one_line = true, .type = &s.root()};
  EXPECT_EQ(format_json(json::parse(R"({"alpha": [1, 2], "mid": true, "zeta": 3})"), {.type = &s.root()}),
            R"({"zeta":3,"alpha":[1,2],"mid":true})");
  EXPECT_EQ(format_json(json::parse(R"({"alpha": [1, 2], "mid": true, "zeta": 3})"), pretty),
            "{\n  \"zeta\": 3,\n  \"alpha\": [1, 2],\n  \"mid\": true\n}");
  EXPECT_EQ(json::parse(format_json(v, {.indent = 2, .scalar_arrays_on_one_line = true, .type = &shape.root()})), v);
}

TEST(schema_codec, decoding_a_huge_tail_claim_allocates_only_what_the_bytes_hold) {
  // A dynamic array's length comes only from the byte count, so a 10-byte input
  // can never describe more than 10 bytes' worth of elements.
  const json v = decode(schema::parse(R"("u8[]")"), bytes(10));
  EXPECT_EQ(v.size(), 10u);
}

TEST(schema_codec, the_largest_f32_decodes_to_a_number_that_encodes_back_to_its_bytes) {
  const schema f32 = schema::parse(R"("f32")");
  for (const bytes& b : {bytes{0xff, 0xff, 0x7f, 0x7f}, bytes{0xff, 0xff, 0x7f, 0xff}, bytes{0x01, 0, 0, 0}}) {
    const json v = decode(f32, b, endian::little);
    EXPECT_EQ(encode(f32, json::parse(v.dump()), endian::little), b) << v.dump();
  }
  EXPECT_EQ(encode(f32, json(1e39), endian::little, json_mode::lenient), (bytes{0, 0, 0x80, 0x7f}));
  EXPECT_EQ(encode(f32, json(-1e39), endian::little, json_mode::lenient), (bytes{0, 0, 0x80, 0xff}));
}

TEST(schema_codec, an_integer_too_large_for_64_bits_is_out_of_range_not_of_the_wrong_type) {
  const json two_to_64 = json::parse("18446744073709551616");
  EXPECT_EQ(encode_error(schema::parse(R"("u64")"), two_to_64),
            "[core.json_range] 1.8446744073709552e+19 is out of range for u64 (0 to 18446744073709551615)");
  EXPECT_EQ(encode_error(schema::parse(R"("i64")"), json::parse("-1e19")),
            "[core.json_range] -1e+19 is out of range for i64 (-9223372036854775808 to 9223372036854775807)");
  EXPECT_EQ(encode_error(schema::parse(R"("u24")"), two_to_64),
            "[core.json_range] 1.8446744073709552e+19 is out of range for u24 (0 to 16777215)");
  EXPECT_EQ(encode_error(schema::parse(R"("u8")"), json(1.0)), "[core.json_type] expected an integer, got the number 1.0");
  EXPECT_EQ(encode_error(schema::parse(R"("u8")"), json(1.0), json_mode::lenient),
            "[core.json_type] expected an integer, got the number 1.0");
}

TEST(schema_codec, an_unknown_key_in_a_struct_without_fields_says_it_has_none) {
  EXPECT_EQ(encode_error(schema::parse(R"({"struct": []})"), json{{"x", 1}}),
            "[core.json_key] unknown key \"x\" (the value has no fields)");
}

TEST(schema_codec, a_dynamic_array_past_the_element_limit_is_refused_before_allocating) {
  // Each element is a u8[4096], 4097 elements of the value; the field counts one: 4095 fit.
  const schema s = schema::parse(R"({"struct": [{"name": "blocks", "type": {"dynamic_array": "u8[4096]"}}]})");
  const std::string expected =
      "[core.limit] blocks: the dynamic array has 4096 elements; a value may have at most 16777216 elements (array "
      "elements and fields, at every depth), which leaves room for 4095 here";
  try {
    (void)decode(s, bytes(4096 * 4096));
    FAIL() << "no error";
  } catch (const codec_error& e) {
    EXPECT_EQ(e.what(), expected);
  }
  // The encoder counts before it looks at an element or allocates its bytes.
  EXPECT_EQ(encode_error(s, {{"blocks", json(std::vector<json>(4096, nullptr))}}), expected);
  EXPECT_EQ(decode(s, bytes(4096 * 2))["blocks"].size(), 2u);
}

}  // namespace

}  // namespace schema_codec_test
