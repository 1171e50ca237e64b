// Descriptors beyond whole C scalars on the dynamic face: odd-width integers,
// bit records, offsets and gaps, enums, text and bytes, per-field byte order,
// bpack type strings — with the worked examples of the bpack user guide as
// test vectors, and every definition error.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema.hpp"

namespace schema_layout_test {

namespace {

using namespace comframe::core;
using nlohmann::json;

bytes hex(std::string_view s) {
  bytes out;
  for (std::size_t i = 0; i + 1 < s.size();) {
    if (s[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(s.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

std::string load_error(std::string_view text) {
  try {
    (void)schema::parse(text);
  } catch (const codec_error& e) {
    return e.what();
  }
  return "no error";
}

std::string decode_error(const schema& s, const bytes& b, endian e = endian::native) {
  try {
    (void)decode(s, b, e);
  } catch (const codec_error& err) {
    return err.what();
  }
  return "no error";
}

std::string encode_error(const schema& s, const json& j, json_mode mode = json_mode::strict) {
  try {
    (void)encode(s, j, endian::native, mode);
  } catch (const codec_error& err) {
    return err.what();
  }
  return "no error";
}

// ---- the bpack user guide's worked examples --------------------------------

TEST(schema_layout, bpack_binary_record_of_a_double_and_a_signed_int_matches_the_guide) {
  // bpack: field_1: float = field(size=8); field_2: int = field(size=4, signed=True), little-endian.
  const auto s = schema::parse(R"({"struct": [{"name": "field_1", "type": "<f8"}, {"name": "field_2", "type": "<i4"}]})");
  const bytes b = hex("18 2d 44 54 fb 21 09 40 15 cd 5b 07");
  EXPECT_EQ(s.fixed_size(), 12u);
  const json v = decode(s, b, endian::big);  // the type strings fix the order, whatever the call says
  EXPECT_EQ(v["field_1"].get<double>(), 3.141592653589793);
  EXPECT_EQ(v["field_2"].get<std::int64_t>(), 123456789);
  EXPECT_EQ(encode(s, v, endian::big), b);
  EXPECT_EQ(encode(s, v, endian::little), b);
}

TEST(schema_layout, bpack_bit_record_of_two_colour_enums_encodes_to_ab) {
  const auto s = schema::parse(R"({
    "types": {
      "EColor": {"enum": "u8", "values": {"RED": 1, "GREEN": 2, "BLUE": 3, "BLACK": 10, "WHITE": 11}},
      "Record": {"bits": [{"name": "foreground", "type": "EColor", "bits": 4},
                          {"name": "background", "type": "EColor", "bits": 4}], "order": "msb"}
    },
    "root": "Record"})");
  const json v = {{"foreground", "BLACK"}, {"background", "WHITE"}};
  EXPECT_EQ(s.fixed_size(), 1u);
  EXPECT_EQ(encode(s, v), hex("ab"));
  EXPECT_EQ(decode(s, hex("ab")), v);
  // The same record written inline, the enum 4 bits wide by its own base type.
  const auto inline_enum = schema::parse(R"({"bits": [
      {"name": "foreground", "type": {"enum": "u4", "values": {"BLACK": 10, "WHITE": 11}}},
      {"name": "background", "type": {"enum": "u4", "values": {"BLACK": 10, "WHITE": 11}}}]})");
  EXPECT_EQ(encode(inline_enum, v), hex("ab"));
}

TEST(schema_layout, bpack_24_bit_unsigned_field_takes_three_bytes_in_either_order) {
  // bpack T["u3"] is three bytes; "u24" says the same in bits.
  for (const char* type : {"u3", "u24"}) {
    const auto s = schema::parse(std::string(R"({"struct": [{"name": "field", "type": ")") + type + "\"}]}");
    EXPECT_EQ(s.fixed_size(), 3u);
    EXPECT_EQ(encode(s, json{{"field", 0x123456}}, endian::big), hex("12 34 56"));
    EXPECT_EQ(encode(s, json{{"field", 0x123456}}, endian::little), hex("56 34 12"));
    EXPECT_EQ(decode(s, hex("ff ff ff"), endian::big)["field"], 16777215);
    EXPECT_EQ(encode_error(s, json{{"field", 16777216}}),
              "[core.json_range] field: 16777216 is out of range for u24 (0 to 16777215)");
  }
}

TEST(schema_layout, bpack_record_with_a_gap_after_its_first_field_skips_the_gap) {
  // field_2 removed from five 4-byte integers: field_3 states offset 8, the rest follow.
  const auto s = schema::parse(R"({"struct": [
      {"name": "field_1", "type": "i4"}, {"name": "field_3", "type": "i4", "offset": 8},
      {"name": "field_4", "type": "i4"}, {"name": "field_5", "type": "i4"}]})");
  EXPECT_EQ(s.fixed_size(), 20u);
  const json v = {{"field_1", 1}, {"field_3", 3}, {"field_4", 4}, {"field_5", 5}};
  const bytes b = encode(s, v, endian::big);
  EXPECT_EQ(b, hex("00000001 00000000 00000003 00000004 00000005"));
  bytes noisy = b;
  noisy[4] = 0xde;  // a gap's bytes are skipped on decode
  noisy[7] = 0xad;
  EXPECT_EQ(decode(s, noisy, endian::big), v);
  EXPECT_EQ(s.root().fields[1].offset, 8u);
}

// ---- odd widths, signs, byte orders ------------------------------------------

TEST(schema_layout, signed_odd_width_integers_sign_extend) {
  const auto s = schema::parse(R"({"struct": [{"name": "a", "type": "i24"}, {"name": "b", "type": ">i40"},
                                               {"name": "c", "type": "<u48"}]})");
  EXPECT_EQ(s.fixed_size(), 3u + 5u + 6u);
  const json v = {{"a", -2}, {"b", -549755813888}, {"c", 281474976710655}};
  const bytes b = encode(s, v, endian::little);
  EXPECT_EQ(b, hex("feffff 8000000000 ffffffffffff"));
  EXPECT_EQ(decode(s, b, endian::little), v);
  EXPECT_EQ(encode_error(s, json{{"a", -8388609}, {"b", 0}, {"c", 0}}),
            "[core.json_range] a: -8388609 is out of range for i24 (-8388608 to 8388607)");
  EXPECT_EQ(encode(s, json{{"a", -8388609}, {"b", 0}, {"c", 0}}, endian::little, json_mode::lenient)[2], 0x7f);
}

TEST(schema_layout, a_field_byte_order_overrides_the_call_for_everything_inside_it) {
  const auto s = schema::parse(R"({"types": {
      "Pair": {"struct": [{"name": "x", "type": "u16"}, {"name": "y", "type": "<u16"}]},
      "Mixed": {"struct": [{"name": "head", "type": "u16"}, {"name": "pair", "type": "Pair", "endian": "big"}]}},
    "root": "Mixed"})");
  const json v = {{"head", 0x0102}, {"pair", {{"x", 0x0304}, {"y", 0x0506}}}};
  const bytes b = encode(s, v, endian::little);
  EXPECT_EQ(b, hex("0201 0304 0605"));  // head by the call, x by the field, y by its own type
  EXPECT_EQ(decode(s, b, endian::little), v);
  EXPECT_EQ(s.root().fields[1].order, endian::big);
}

TEST(schema_layout, a_record_that_states_its_size_ends_in_zero_bytes) {
  const auto s = schema::parse(R"({"struct": [{"name": "id", "type": "u8"}], "size": 4})");
  EXPECT_EQ(s.fixed_size(), 4u);
  EXPECT_EQ(encode(s, json{{"id", 9}}), hex("09000000"));
  EXPECT_EQ(decode(s, hex("09 aa bb cc")), (json{{"id", 9}}));
}

// ---- bit records ---------------------------------------------------------------

TEST(schema_layout, bit_order_msb_and_lsb_place_the_first_field_at_opposite_ends) {
  const std::string fields = R"([{"name": "flag", "type": "bool"}, {"name": "mode", "type": "u3"},
                                 {"name": "level", "type": "i4"}, {"name": "count", "type": "u12"},
                                 {"name": "spare", "type": "u4"}])";
  const auto msb = schema::parse(R"({"bits": )" + fields + R"(, "order": "msb"})");
  const auto lsb = schema::parse(R"({"bits": )" + fields + R"(, "order": "lsb"})");
  EXPECT_EQ(msb.fixed_size(), 3u);
  const json v = {{"flag", true}, {"mode", 5}, {"level", -3}, {"count", 0xabc}, {"spare", 0}};
  // msb: 1 101 1101 | 1010 1011 | 1100 0000
  EXPECT_EQ(encode(msb, v), hex("dd abc0"));
  // lsb: byte 0 = level(1101) mode(101) flag(1) from the top down, then count's low byte, then spare|count's high nibble
  EXPECT_EQ(encode(lsb, v), hex("db bc 0a"));
  EXPECT_EQ(decode(msb, hex("dd abc0")), v);
  EXPECT_EQ(decode(lsb, hex("db bc 0a")), v);
  // The byte order of the call does not apply inside a bit record.
  EXPECT_EQ(encode(msb, v, endian::little), encode(msb, v, endian::big));
}

TEST(schema_layout, a_bit_record_nests_in_a_byte_record_and_in_arrays) {
  const auto s = schema::parse(R"({"types": {
      "Flags": {"bits": [{"name": "a", "type": "bool"}, {"name": "b", "type": "u7"}]},
      "Msg": {"struct": [{"name": "id", "type": "u8"}, {"name": "flags", "type": "Flags[2]"},
                         {"name": "tail", "type": "u8[]"}]}},
    "root": "Msg"})");
  EXPECT_EQ(s.min_size(), 3u);
  const json v = {{"id", 1}, {"flags", {{{"a", true}, {"b", 1}}, {{"a", false}, {"b", 127}}}}, {"tail", {9}}};
  EXPECT_EQ(encode(s, v), hex("01 81 7f 09"));
  EXPECT_EQ(decode(s, hex("01 81 7f 09")), v);
}

TEST(schema_layout, bit_fields_with_offsets_leave_gaps_at_zero_and_a_stated_size_pads) {
  const auto s = schema::parse(R"({"bits": [{"name": "a", "type": "u2"}, {"name": "b", "type": "u2", "offset": 6}],
                                   "size": 16})");
  EXPECT_EQ(s.fixed_size(), 2u);
  EXPECT_EQ(encode(s, json{{"a", 3}, {"b", 3}}), hex("c3 00"));
  EXPECT_EQ(decode(s, hex("ff ff")), (json{{"a", 3}, {"b", 3}}));
  EXPECT_EQ(s.root().fields[1].bit_offset, 6u);
}

TEST(schema_layout, a_wide_bit_field_crosses_bytes_and_reaches_64_bits) {
  const auto s = schema::parse(R"({"bits": [{"name": "pad", "type": "u4"}, {"name": "big", "type": "u64"},
                                            {"name": "neg", "type": "i4"}]})");
  EXPECT_EQ(s.fixed_size(), 9u);
  const json v = {{"pad", 1}, {"big", 18446744073709551615ull}, {"neg", -1}};
  EXPECT_EQ(encode(s, v), hex("1f ff ff ff ff ff ff ff ff"));
  EXPECT_EQ(decode(s, hex("1f ff ff ff ff ff ff ff ff")), v);
}

// ---- enums, text, bytes -----------------------------------------------------

TEST(schema_layout, enums_use_names_in_json_and_refuse_values_without_one) {
  const auto s = schema::parse(R"({"types": {"Mode": {"enum": ">u16", "values": {"idle": 0, "run": 258}},
      "Msg": {"struct": [{"name": "x", "type": "u8"}, {"name": "mode", "type": "Mode"}]}}, "root": "Msg"})");
  EXPECT_EQ(encode(s, json{{"x", 0}, {"mode", "run"}}, endian::little), hex("00 0102"));
  EXPECT_EQ(decode(s, hex("00 0102")), (json{{"x", 0}, {"mode", "run"}}));
  EXPECT_EQ(decode_error(s, hex("00 0007")),
            "[core.invalid_bytes] mode at byte 1: 7 is no value of enum Mode (idle = 0, run = 258)");
  EXPECT_EQ(encode_error(s, json{{"x", 0}, {"mode", "stop"}}),
            "[core.json_range] mode: \"stop\" is not a name of enum Mode (idle = 0, run = 258)");
  EXPECT_EQ(encode_error(s, json{{"x", 0}, {"mode", 258}}),
            "[core.json_type] mode: expected a name of enum Mode, got the number 258");
  EXPECT_EQ(encode(s, json{{"x", 0}, {"mode", 258}}, endian::big, json_mode::lenient), hex("00 0102"));
}

TEST(schema_layout, an_unnamed_value_in_a_bit_field_enum_names_the_field_and_byte) {
  const auto s = schema::parse(R"({"bits": [{"name": "pad", "type": "u8"},
      {"name": "colour", "type": {"enum": "u4", "values": {"red": 1}}}, {"name": "x", "type": "u4"}]})");
  EXPECT_EQ(decode_error(s, hex("00 50")), "[core.invalid_bytes] colour at byte 1: 5 is no value of the enum (red = 1)");
}

TEST(schema_layout, text_is_utf8_padded_with_nuls_and_bytes_are_hex) {
  const auto s = schema::parse(R"({"struct": [{"name": "name", "type": "text[8]"}, {"name": "key", "type": "S4"},
                                              {"name": "id", "type": {"bytes": 2}}]})");
  EXPECT_EQ(s.fixed_size(), 14u);
  const json v = {{"name", "h\u00e9llo"}, {"key", "deadbeef"}, {"id", "00ff"}};
  const bytes b = encode(s, v);
  EXPECT_EQ(b, hex("68 c3 a9 6c 6c 6f 00 00 de ad be ef 00 ff"));
  EXPECT_EQ(decode(s, b), v);
  EXPECT_EQ(encode_error(s, json{{"name", "123456789"}, {"key", "00000000"}, {"id", "0000"}}),
            "[core.json_range] name: a text of 9 bytes does not fit in 8");
  EXPECT_EQ(encode_error(s, json{{"name", ""}, {"key", "0000000g"}, {"id", "0000"}}),
            "[core.json_range] key: bad hex at character 8: \"g\" is not a hex digit");
  EXPECT_EQ(encode_error(s, json{{"name", ""}, {"key", "00"}, {"id", "0000"}}),
            "[core.json_range] key: expected 8 hex digits (4 bytes), got 2 characters");
  bytes bad = b;
  bad[1] = 0xff;
  EXPECT_EQ(decode_error(s, bad), "[core.invalid_bytes] name at byte 1: a text must be UTF-8; byte 1 of it is not");
}

// ---- type strings ------------------------------------------------------------

TEST(schema_layout, bpack_type_strings_count_bytes_below_8_and_bits_from_8) {
  struct expect {
    const char* type;
    std::size_t size;
    const char* canonical;
  };
  for (const auto& e : {expect{"u1", 1, "u8"}, expect{"i2", 2, "i16"}, expect{"u3", 3, "u24"}, expect{">i4", 4, ">i32"},
                        expect{"<u5", 5, "<u40"}, expect{"u8", 1, "u8"}, expect{"u24", 3, "u24"},
                        expect{"i56", 7, "i56"}, expect{"f4", 4, "f32"}, expect{"f8", 8, "f64"},
                        expect{"|f64", 8, "f64"}, expect{"S8", 8, "bytes[8]"}, expect{"=u16", 2, "=u16"}}) {
    const auto s = schema::parse(std::string("\"") + e.type + "\"");
    EXPECT_EQ(s.fixed_size(), e.size) << e.type;
    EXPECT_EQ(s.type_expression(), e.canonical) << e.type;
  }
}

TEST(schema_layout, new_kinds_round_trip_through_the_canonical_document) {
  const auto s = schema::parse(R"({"types": {
      "Colour": {"enum": "u8", "values": {"red": 1, "green": 2}},
      "Flags": {"bits": [{"name": "on", "type": "bool"}, {"name": "c", "type": "Colour", "bits": 3},
                         {"name": "n", "type": "i4", "offset": 8}], "order": "lsb", "size": 16},
      "Rec": {"struct": [{"name": "a", "type": "<u24"}, {"name": "f", "type": "Flags", "offset": 4},
                         {"name": "t", "type": "text[3]", "endian": "big"}, {"name": "r", "type": "S2"}],
              "size": 16}},
    "root": "Rec"})");
  const json canon = s.to_json();
  EXPECT_EQ(schema::from_json(canon), s);
  EXPECT_EQ(canon["types"]["Rec"]["size"], 16);
  EXPECT_EQ(canon["types"]["Rec"]["struct"][1]["offset"], 4);
  EXPECT_FALSE(canon["types"]["Rec"]["struct"][2].contains("offset"));
  EXPECT_EQ(canon["types"]["Flags"]["bits"][1]["bits"], 3);
  EXPECT_EQ(canon["types"]["Flags"]["order"], "lsb");
  const json v = {{"a", 5}, {"f", {{"on", true}, {"c", "green"}, {"n", -1}}}, {"t", "ab"}, {"r", "0102"}};
  EXPECT_EQ(decode(schema::from_json(canon), encode(s, v)), v);
}

// ---- definition errors, each naming the field ------------------------------

TEST(schema_layout, overlapping_fields_are_refused_naming_both) {
  EXPECT_EQ(load_error(R"({"struct": [{"name": "a", "type": "u32"}, {"name": "b", "type": "u8", "offset": 2}]})"),
            "[core.definition] root.b: starts at byte 2, inside field \"a\" (bytes 0 to 3): fields may not overlap, "
            "and are listed in the order of their offsets");
  EXPECT_EQ(load_error(R"({"bits": [{"name": "a", "type": "u4"}, {"name": "b", "type": "u4", "offset": 3},
                                    {"name": "c", "type": "u1"}]})"),
            "[core.definition] root.b: starts at bit 3, inside field \"a\" (bits 0 to 3): fields may not overlap, "
            "and are listed in the order of their offsets");
}

TEST(schema_layout, a_bit_record_that_is_not_whole_bytes_is_refused) {
  EXPECT_EQ(load_error(R"({"struct": [{"name": "x", "type": "u8"},
                                      {"name": "flags", "type": {"bits": [{"name": "a", "type": "u3"}]}}]})"),
            "[core.definition] root.flags: a bit record must be a whole number of bytes, but it is 3 bits; add a "
            "field or state a \"size\" in bits");
}

TEST(schema_layout, bit_widths_of_0_and_65_are_refused_naming_the_field) {
  EXPECT_EQ(load_error(R"({"bits": [{"name": "zero", "type": "u0"}]})"),
            "[core.definition] root.zero: a bit field is 1 to 64 bits wide, got 0 (\"u0\")");
  EXPECT_EQ(load_error(R"({"bits": [{"name": "wide", "type": "u65"}]})"),
            "[core.definition] root.wide: a bit field is 1 to 64 bits wide, got 65 (\"u65\")");
  EXPECT_EQ(load_error(R"({"bits": [{"name": "wide", "type": "u8", "bits": 65}]})"),
            "[core.definition] root.wide: a bit field is 1 to 64 bits wide, got 65");
  EXPECT_EQ(load_error(R"({"bits": [{"name": "none", "type": "bool", "bits": 0}]})"),
            "[core.definition] root.none: a bit field is 1 to 64 bits wide, got 0");
}

TEST(schema_layout, a_bit_field_of_a_sized_integer_type_with_another_width_is_refused_naming_the_field) {
  EXPECT_EQ(load_error(R"({"bits": [{"name": "a", "type": "i8", "bits": 3}], "size": 8})"),
            "[core.definition] root.a: \"i8\" is 8 bits wide, but \"bits\" says 3; give the width once, in the type "
            "(\"i3\")");
  EXPECT_EQ(load_error(R"({"bits": [{"name": "b", "type": "u4", "bits": 12}], "size": 16})"),
            "[core.definition] root.b: \"u4\" is 4 bits wide, but \"bits\" says 12; give the width once, in the type "
            "(\"u12\")");
  // The same width said twice, and bool or an enum narrowed, are fine.
  EXPECT_EQ(schema::parse(R"({"bits": [{"name": "a", "type": "u4", "bits": 4}, {"name": "f", "type": "bool", "bits": 2},
                                       {"name": "e", "type": {"enum": "u8", "values": {"x": 1}}, "bits": 2}]})")
                .fixed_size(),
            1u);
}

TEST(schema_layout, a_dynamic_array_that_is_not_last_is_refused_naming_it) {
  EXPECT_EQ(load_error(R"({"struct": [{"name": "samples", "type": "i16[]"}, {"name": "crc", "type": "u24"}]})"),
            "[core.definition] root.samples: a dynamic array, or a struct that contains one, may only be the last "
            "field of a struct");
}

TEST(schema_layout, other_bad_definitions_are_refused_with_the_path) {
  EXPECT_EQ(load_error(R"({"struct": [{"name": "n", "type": "u12"}]})"),
            "[core.definition] root.n: \"u12\" is not a whole number of bytes; an integer of 12 bits belongs in a "
            "bit record ({\"bits\": […]})");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "n", "type": "u72"}]})"),
            "[core.definition] root.n: \"u72\": an integer is 1 to 8 bytes wide (u1 to u7 count bytes, u8 to u64 "
            "count bits)");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "a", "type": "u8"}], "size": 0})"),
            "[core.definition] root: states a size of 0 bytes, but its fields end at byte 1");
  EXPECT_EQ(load_error(R"({"bits": [{"name": "f", "type": "f32"}]})"),
            "[core.definition] root.f: a bit field is bool, an integer or an enum, not \"f32\"");
  EXPECT_EQ(load_error(R"({"bits": [{"name": "f", "type": ">u8"}]})"),
            "[core.definition] root.f: \">u8\": a bit field has no byte order of its own; the record's bit order "
            "applies");
  EXPECT_EQ(load_error(R"({"enum": "u8", "values": {"a": 1, "b": 1}})"),
            "[core.definition] root.b: \"a\" and \"b\" have the same value 1");
  EXPECT_EQ(load_error(R"({"enum": "u8", "values": {"a": 256}})"),
            "[core.definition] root.a: 256 does not fit the enum's base u8");
  EXPECT_EQ(load_error(R"({"bits": [{"name": "c", "type": {"enum": "u8", "values": {"a": 200}}, "bits": 4},
                                    {"name": "d", "type": "u4"}]})"),
            "[core.definition] root.c: the enum value a = 200 does not fit in 4 bits");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "t", "type": "text[]"}, {"name": "x", "type": "u8"}]})"),
            "[core.definition] root.t: a dynamic array, or a struct that contains one, may only be the last field of a "
            "struct");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "x", "type": "u8", "endian": "middle"}]})"),
            "[core.schema_syntax] root.x: \"endian\" must be \"little\", \"big\" or \"native\", got a string "
            "\"middle\"");
  EXPECT_EQ(load_error(R"({"types": {"u24": "u8"}})"),
            "[core.schema_syntax] types: \"u24\" is not a valid type name (a letter or _, then letters, digits, _ : . "
            "< > , or space; not a scalar name)");
}

// ---- untrusted bytes ---------------------------------------------------------

TEST(schema_layout, random_bytes_decode_to_a_value_or_a_codec_error_and_the_value_encodes_back) {
  std::ifstream in(std::string(COMFRAME_SOURCE_DIR) + "/examples/instrument_header/header.schema.json");
  std::stringstream text;
  text << in.rdbuf();
  const auto s = schema::parse(text.str());
  std::mt19937_64 rng(7);
  int decoded = 0, refused = 0;
  for (int round = 0; round < 2000; ++round) {
    bytes b(s.fixed_size().value());
    for (auto& x : b) x = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() : rng() % 0x80);
    json v;
    try {
      v = decode(s, b, endian::little);
    } catch (const codec_error& e) {
      ++refused;
      EXPECT_EQ(e.kind(), errc::invalid_bytes) << e.what();
      continue;
    }
    ++decoded;
    bytes back = encode(s, v, endian::little);
    for (std::size_t gap : {9u, 10u, 11u, 15u}) b[gap] = 0;  // the reserved bytes come back as zeros
    const std::size_t text_end = v["magic"].get<std::string>().size();
    for (std::size_t i = text_end; i < 4; ++i) b[i] = 0;  // and so does whatever followed the text's NUL
    EXPECT_EQ(back, b) << v.dump();
  }
  EXPECT_GT(decoded, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace

}  // namespace schema_layout_test
