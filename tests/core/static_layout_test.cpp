// Device-format kinds on the static face (comframe/core/layout.hpp): the bpack
// user guide's examples as C++ types, their exported schemas, and their errors.
#include <gtest/gtest.h>

#include "comframe/core/json.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema_export.hpp"
#include "core/test_types.hpp"

// The types at file scope, so that they export under their own names.
namespace {

struct BinaryRecord {  // bpack's first example: field(size=8) float, field(size=4, signed=True)
  comframe::core::little<double> field_1;
  comframe::core::little<std::int32_t> field_2;
  bool operator==(const BinaryRecord&) const = default;
};
BOOST_DESCRIBE_STRUCT(BinaryRecord, (), (field_1, field_2))

struct Gapped {  // bpack's five integers with field_2 left out
  std::int32_t field_1;
  comframe::core::reserved<4> field_2;
  std::int32_t field_3, field_4, field_5;
  bool operator==(const Gapped&) const = default;
};
BOOST_DESCRIBE_STRUCT(Gapped, (), (field_1, field_2, field_3, field_4, field_5))

struct Counter { comframe::core::u24 value; bool operator==(const Counter&) const = default; };
BOOST_DESCRIBE_STRUCT(Counter, (), (value))

}  // namespace

namespace static_layout_test {

namespace {

using namespace comframe::core;
using nlohmann::json;
using namespace cft;

template <class T>
std::string decode_error(const bytes& b, endian e = endian::native) {
  try {
    (void)decode<T>(b, e);
  } catch (const codec_error& err) {
    return err.what();
  }
  return "no error";
}

TEST(static_layout, bpack_binary_record_gives_the_guide_bytes_in_any_call_order) {
  const bytes guide = {0x18, 0x2d, 0x44, 0x54, 0xfb, 0x21, 0x09, 0x40, 0x15, 0xcd, 0x5b, 0x07};
  static_assert(fixed_size<BinaryRecord>() == 12);
  const BinaryRecord r = decode<BinaryRecord>(guide, endian::big);
  EXPECT_EQ(static_cast<double>(r.field_1), 3.141592653589793);
  EXPECT_EQ(static_cast<std::int32_t>(r.field_2), 123456789);
  EXPECT_EQ(encode(r, endian::big), guide);
  EXPECT_EQ(encode(r, endian::little), guide);
}

TEST(static_layout, bpack_colour_bit_record_encodes_to_ab) {
  const Colours c{colour::black, colour::white};
  static_assert(fixed_size<Colours>() == 1 && kind_v<Colours> == type_kind::bit_record);
  EXPECT_EQ(encode(c), bytes{0xab});
  EXPECT_EQ(decode<Colours>(bytes{0xab}), c);
  EXPECT_EQ(to_json(c), (json{{"foreground", "black"}, {"background", "white"}}));
}

TEST(static_layout, a_24_bit_counter_takes_three_bytes) {
  static_assert(fixed_size<Counter>() == 3);
  EXPECT_EQ(encode(Counter{0x123456}, endian::big), (bytes{0x12, 0x34, 0x56}));
  EXPECT_EQ(encode(Counter{0x123456}, endian::little), (bytes{0x56, 0x34, 0x12}));
  EXPECT_EQ(decode<Counter>(bytes{0xff, 0xff, 0xff}).value, 16777215u);
  EXPECT_EQ(decode<i24>(bytes{0xfe, 0xff, 0xff}, endian::little), -2);
}

TEST(static_layout, reserved_bytes_are_zero_on_encode_skipped_on_decode_and_absent_from_json) {
  static_assert(fixed_size<Gapped>() == 20);
  const Gapped g{1, {}, 3, 4, 5};
  bytes b = encode(g, endian::big);
  EXPECT_EQ(b, (bytes{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5}));
  b[5] = 0xee;
  EXPECT_EQ(decode<Gapped>(b, endian::big), g);
  EXPECT_EQ(to_json(g), (json{{"field_1", 1}, {"field_3", 3}, {"field_4", 4}, {"field_5", 5}}));
  EXPECT_EQ(from_json<Gapped>(to_json(g)), g);
}

TEST(static_layout, the_exported_schema_states_offsets_sizes_and_byte_orders) {
  const json types = schema::of<Instrument>().to_json()["types"];
  const json& fields = types.at("cft::Instrument").at("struct");
  EXPECT_EQ(types.at("cft::Instrument").at("size"), fixed_size<Instrument>().value());
  EXPECT_EQ(fields[3], (json{{"name", "counter"}, {"type", "u24"}, {"endian", "big"}}));
  EXPECT_EQ(fields[4]["name"], "temp_cdeg");
  EXPECT_EQ(fields[4]["offset"], 4 + 1 + 3 + 3 + 3);
  EXPECT_EQ(types.at("cft::colour"), json::parse(R"({"enum": "u8", "values": {"red": 1, "green": 2, "blue": 3,
                                                    "black": 10, "white": 11}})"));
  EXPECT_EQ(types.at("cft::StatusBits").at("order"), "msb");
  const json lsb = schema::of<LsbBits>().to_json()["types"];
  EXPECT_EQ(lsb.at("cft::LsbBits").at("order"), "lsb");
  EXPECT_EQ(lsb.at("cft::LsbBits").at("bits")[1], (json{{"name", "lvl"}, {"type", "cft::level"}, {"bits", 10}}));
  EXPECT_EQ(schema::of<Gapped>().to_json()["types"]["Gapped"]["struct"][1]["offset"], 8);
}

TEST(static_layout, an_enum_value_without_a_name_is_an_error_with_path_and_offset) {
  Instrument v{};
  v.range = colour::red;
  v.lvl = level::mid;
  bytes b = encode(v, endian::little);
  b[16] = 7;  // range: after magic 4, version 1, status 3, counter 3, spare 3, temp_cdeg 2
  EXPECT_EQ(decode_error<Instrument>(b, endian::little),
            "[core.invalid_bytes] range at byte 16: 7 is no value of enum cft::colour (red = 1, green = 2, blue = 3, "
            "black = 10, white = 11)");
  EXPECT_EQ(decode_error<Colours>(bytes{0xa5}),
            "[core.invalid_bytes] background at byte 0: 5 is no value of enum cft::colour (red = 1, green = 2, "
            "blue = 3, black = 10, white = 11)");
  // The dynamic face says the same, word for word but for the enum's name.
  try {
    (void)decode(schema::of<Colours>(), bytes{0xa5});
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(),
                 "[core.invalid_bytes] background at byte 0: 5 is no value of enum cft::colour (red = 1, green = 2, "
                 "blue = 3, black = 10, white = 11)");
  }
}

TEST(static_layout, text_that_is_not_utf8_is_refused_naming_the_byte) {
  Names n{};
  n.names[1] = fixed_string<6>("ok");
  bytes b = encode(n);
  b[7] = 0xff;
  EXPECT_EQ(decode_error<Names>(b), "[core.invalid_bytes] names[1] at byte 7: a text must be UTF-8; byte 1 of it is not");
}

TEST(static_layout, a_fixed_text_is_the_text_before_its_first_nul_in_both_faces) {
  // "ok", a NUL, then bytes that are no part of the value (found by fuzz/static_decode_fuzz.cpp).
  const bytes b{'o', 'k', 0, 'x', 'y', 0, 'h', 'i', 0, 0, 0, 0};
  const Names n = decode<Names>(b);
  EXPECT_EQ(n.names[0].data, (std::array<char, 6>{'o', 'k', 0, 0, 0, 0}));
  EXPECT_EQ(n.names[0], fixed_string<6>("ok"));
  EXPECT_EQ(to_json(n), decode(schema::of<Names>(), b));
  const bytes clean{'o', 'k', 0, 0, 0, 0, 'h', 'i', 0, 0, 0, 0};
  EXPECT_EQ(encode(n), clean);
  EXPECT_EQ(encode(schema::of<Names>(), to_json(n)), clean);
  // A value a caller filled by hand encodes the same way, and equals the clean one.
  Names by_hand{};
  by_hand.names[0].data = {'o', 'k', 0, 'x', 'y', 'z'};
  by_hand.names[1] = fixed_string<6>("hi");
  EXPECT_EQ(by_hand, n);
  EXPECT_EQ(encode(by_hand), clean);
}

TEST(static_layout, json_input_is_checked_against_widths_and_names) {
  auto error = [](const json& j) {
    try {
      (void)from_json<StatusBits>(j);
    } catch (const codec_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const json good = {{"ready", true}, {"mode", 7}, {"trim", -8}, {"count", 4095}, {"blink", 15}};
  EXPECT_EQ(to_json(from_json<StatusBits>(good)), good);
  json bad = good;
  bad["mode"] = 8;
  EXPECT_EQ(error(bad), "[core.json_range] mode: 8 is out of range for u3 (0 to 7)");
  bad = good;
  bad["trim"] = -9;
  EXPECT_EQ(error(bad), "[core.json_range] trim: -9 is out of range for i4 (-8 to 7)");
  EXPECT_EQ(from_json<Colours>(json{{"foreground", "red"}, {"background", "blue"}}), (Colours{colour::red, colour::blue}));
  EXPECT_THROW((void)from_json<Colours>(json{{"foreground", "pink"}, {"background", "blue"}}), codec_error);
}

TEST(static_layout, reserved_bits_are_zero_skipped_and_exported_as_offsets) {
  const WideBits w{0xf, 0xfffffffffffffffull, {}, -1, {}};
  static_assert(fixed_size<WideBits>() == 9);
  const bytes b = encode(w);
  EXPECT_EQ(b, (bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0e}));  // 4+60 ones, 4 zero, 3 ones, 1 zero
  EXPECT_EQ(decode<WideBits>(bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), w);
  EXPECT_EQ(to_json(w), (json{{"pad", 15}, {"big", 0xfffffffffffffffull}, {"neg", -1}}));
  const json def = schema::of<WideBits>().to_json()["types"]["cft::WideBits"];
  EXPECT_EQ(def["bits"][2], (json{{"name", "neg"}, {"type", "i3"}, {"offset", 68}}));
  EXPECT_EQ(def["size"], 72);
}

TEST(static_layout, lsb_bit_records_match_g_plus_plus_bit_fields) {
  // The layout g++ gives `struct { bool on : 1; int lvl : 10; int delta : 5; }` on a little-endian host.
  const LsbBits v{true, level::low, -3};
  const std::uint16_t expect = static_cast<std::uint16_t>(1u | ((static_cast<unsigned>(-300) & 0x3ff) << 1) |
                                                          ((static_cast<unsigned>(-3) & 0x1f) << 11));
  EXPECT_EQ(encode(v), (bytes{static_cast<std::uint8_t>(expect), static_cast<std::uint8_t>(expect >> 8)}));
  EXPECT_EQ(decode<LsbBits>(encode(v)), v);
}

}  // namespace

}  // namespace static_layout_test
