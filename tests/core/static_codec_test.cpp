#include <gtest/gtest.h>

#include "comframe/core/codec.hpp"
#include "core/test_types.hpp"

namespace static_codec_test {

namespace {

using namespace comframe::core;
using namespace cft;

TEST(static_codec, reports_fixed_min_and_element_sizes_at_compile_time) {
  static_assert(fixed_size<Point>() == 8);
  static_assert(fixed_size<Shape>() == 28);
  static_assert(fixed_size<AllScalars>() == 1 + 2 + 4 + 8 + 1 + 2 + 4 + 8 + 4 + 8 + 1 + 1);
  static_assert(fixed_size<Telemetry>() == 64);
  static_assert(fixed_size<null>() == 0 && fixed_size<Empty>() == 0 && fixed_size<WithNull>() == 2);
  static_assert(!fixed_size<Readings>() && min_size<Readings>() == 2 && element_size<Readings>() == 4);
  static_assert(!fixed_size<Deep>() && min_size<Deep>() == 4 + 8 + 1 && element_size<Deep>() == 8);
  static_assert(element_size<LedStrip>() == 4);
  static_assert(kind_v<Shape> == type_kind::structure && kind_v<std::array<int, 2>> == type_kind::array &&
                kind_v<std::vector<int>> == type_kind::dynamic_array && kind_v<mode> == type_kind::number &&
                kind_v<null> == type_kind::null);
  EXPECT_EQ(current_size(Readings{2, {1, 2, 3}}), 2u + 12u);
  EXPECT_EQ(current_size(Deep{{}, {0, {0, {{1, 2}, {3, 4}}}}}), 13u + 16u);
}

TEST(static_codec, packs_leaves_depth_first_without_padding_as_ud003_flattens_shape) {
  const Shape s{0x01020304, {{{1.0f, 2.0f}, {3.0f, 4.0f}, {5.0f, 6.0f}}}};
  const bytes b = encode(s, endian::big);
  ASSERT_EQ(b.size(), 28u);
  EXPECT_EQ((bytes{b.begin(), b.begin() + 4}), (bytes{1, 2, 3, 4}));
  // vrx[0].x = 1.0f, vrx[0].y = 2.0f, …, each big-endian IEEE 754
  EXPECT_EQ((bytes{b.begin() + 4, b.begin() + 12}), (bytes{0x3f, 0x80, 0, 0, 0x40, 0x00, 0, 0}));
  EXPECT_EQ((bytes{b.end() - 4, b.end()}), (bytes{0x40, 0xc0, 0, 0}));  // vrx[2].y = 6.0f
}

TEST(static_codec, forces_little_and_big_endian_whatever_the_host) {
  EXPECT_EQ(encode(std::uint32_t{0x11223344}, endian::little), (bytes{0x44, 0x33, 0x22, 0x11}));
  EXPECT_EQ(encode(std::uint32_t{0x11223344}, endian::big), (bytes{0x11, 0x22, 0x33, 0x44}));
  EXPECT_EQ(encode(std::int16_t{1}, endian::little), (bytes{1, 0}));
  EXPECT_EQ(encode(std::int32_t{1}, endian::big), (bytes{0, 0, 0, 1}));  // UD003's Scalar2BytesBE example
  EXPECT_EQ(encode(1.0, endian::big), (bytes{0x3f, 0xf0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(decode<std::uint16_t>(bytes{0x12, 0x34}, endian::big), 0x1234);
  EXPECT_EQ(decode<std::uint16_t>(bytes{0x12, 0x34}, endian::little), 0x3412);
  const std::vector<std::int16_t> tail{1, -2};
  EXPECT_EQ(encode(tail, endian::big), (bytes{0, 1, 0xff, 0xfe}));
}

TEST(static_codec, encodes_bool_as_one_byte_and_char_as_its_byte) {
  EXPECT_EQ(encode(true), (bytes{1}));
  EXPECT_EQ(encode(false), (bytes{0}));
  EXPECT_EQ(encode('A'), (bytes{0x41}));
  EXPECT_EQ(encode(mode::blink), (bytes{2}));
}

TEST(static_codec, decodes_a_dynamic_tail_at_depth_three) {
  const Deep d{{'c', 'f', 'r', 'm'}, {-7, {9, {{1.5f, -2.5f}, {3.0f, 4.0f}, {0.0f, 1e-3f}}}}};
  const bytes b = encode(d, endian::little);
  EXPECT_EQ(b.size(), 13u + 3 * 8);
  EXPECT_EQ(decode<Deep>(b, endian::little), d);
  const bytes empty_tail = encode(Deep{}, endian::big);
  EXPECT_EQ(empty_tail.size(), 13u);
  EXPECT_TRUE(decode<Deep>(empty_tail, endian::big).middle.inner.points.empty());
}

TEST(static_codec, decode_rejects_a_wrong_size_for_a_fixed_type) {
  try {
    (void)decode<Point>(bytes(7));
    FAIL() << "no error";
  } catch (const codec_error& e) {
    EXPECT_EQ(e.kind(), errc::size);
    EXPECT_EQ(e.id(), "core.size");
    EXPECT_STREQ(e.what(), "[core.size] at byte 7: the input ends, but the value takes exactly 8 bytes (7 given)");
  }
  EXPECT_THROW((void)decode<Point>(bytes(9)), codec_error);
}

TEST(static_codec, decode_rejects_a_dynamic_tail_that_is_not_a_whole_number_of_elements) {
  try {
    (void)decode<Readings>(bytes(16));
    FAIL() << "no error";
  } catch (const codec_error& e) {
    EXPECT_EQ(e.kind(), errc::size);
    EXPECT_EQ(e.path(), "temps");
    EXPECT_EQ(e.offset(), 2u);
    EXPECT_STREQ(e.what(),
                 "[core.size] temps at byte 2: 14 bytes left, but a dynamic tail of i32 needs a multiple of 4");
  }
  try {
    (void)decode<Deep>(bytes(13 + 12));
    FAIL() << "no error";
  } catch (const codec_error& e) {
    EXPECT_EQ(e.path(), "middle.inner.points");
    EXPECT_EQ(e.detail(), "12 bytes left, but a dynamic tail of cft::Point needs a multiple of 8");
  }
}

TEST(static_codec, decode_rejects_input_shorter_than_the_fixed_part) {
  try {
    (void)decode<Readings>(bytes(1));
    FAIL() << "no error";
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.size] at byte 1: the input ends, but the value takes at least 2 bytes (1 given)");
  }
}

TEST(static_codec, decode_rejects_a_bool_byte_other_than_zero_or_one_naming_its_path) {
  bytes b = encode(WithEnum{});
  bytes flags = encode(std::array<bool, 3>{true, false, true});
  flags[1] = 2;
  try {
    (void)decode<std::array<bool, 3>>(flags);
    FAIL() << "no error";
  } catch (const codec_error& e) {
    EXPECT_EQ(e.kind(), errc::invalid_bytes);
    EXPECT_STREQ(e.what(), "[core.invalid_bytes] [1] at byte 1: a bool must be 0 or 1, found 2");
  }
  AllScalars a{};
  bytes ab = encode(a);
  ab[min_size<AllScalars>() - 2] = 0xff;  // the `flag` field
  try {
    (void)decode<AllScalars>(ab);
    FAIL() << "no error";
  } catch (const codec_error& e) {
    EXPECT_EQ(e.path(), "flag");
    EXPECT_EQ(e.offset(), 42u);
  }
}

TEST(static_codec, encode_into_a_caller_buffer_refuses_one_too_small_and_writes_nothing) {
  std::array<std::uint8_t, 7> small{};
  small.fill(0xaa);
  try {
    (void)encode(Point{1, 2}, std::span<std::uint8_t>(small));
    FAIL() << "no error";
  } catch (const comframe::usage_error& e) {
    EXPECT_EQ(e.id(), "core.usage");
    EXPECT_STREQ(e.what(), "[core.usage] the output buffer holds 7 bytes, but the value needs 8 (size it with current_size())");
  }
  EXPECT_EQ(small[0], 0xaa);
  std::array<std::uint8_t, 16> big{};
  EXPECT_EQ(encode(Point{1, 2}, std::span<std::uint8_t>(big), endian::big), 8u);
  EXPECT_EQ(big[0], 0x3f);
}

TEST(static_codec, decode_into_reuses_the_callers_storage) {
  Readings r;
  r.temps.reserve(64);
  const auto* storage = r.temps.data();
  decode_into(encode(Readings{3, {1, 2, 3}}), r);
  EXPECT_EQ(r, (Readings{3, {1, 2, 3}}));
  EXPECT_EQ(r.temps.data(), storage);
}

}  // namespace

}  // namespace static_codec_test
