// core::measure(): how many bytes a value takes, read from the bytes.
#include "comframe/core/measure.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "support/measured_print.hpp"

namespace measure_test {

namespace {

using namespace comframe::core;
using state = measured::state;
using bytes_t = std::vector<std::uint8_t>;

measured m(const char* schema_text, const bytes_t& b, endian e = endian::little) {
  return measure(schema::parse(schema_text), b, e);
}

TEST(measure, a_fixed_type_is_complete_once_its_bytes_are_there) {
  EXPECT_EQ(m(R"("u32")", {1, 2, 3, 4, 5}), (measured{state::complete, 4}));
  EXPECT_EQ(m(R"("u32")", {1, 2}), (measured{state::need_more, 4}));
  EXPECT_EQ(m(R"("u32")", {}), (measured{state::need_more, 4}));
  EXPECT_EQ(m(R"("null")", {}), (measured{state::complete, 0}));
}

TEST(measure, structs_count_their_offsets_and_stated_size) {
  const char* s = R"({"struct": [{"name": "a", "type": "u8"}, {"name": "b", "type": ">u24", "offset": 4}], "size": 10})";
  EXPECT_EQ(m(s, bytes_t(9)), (measured{state::need_more, 10}));
  EXPECT_EQ(m(s, bytes_t(12)), (measured{state::complete, 10}));
}

TEST(measure, arrays_bit_records_text_and_bytes_have_their_fixed_sizes) {
  EXPECT_EQ(m(R"("i16[3]")", bytes_t(6)), (measured{state::complete, 6}));
  EXPECT_EQ(m(R"({"bits": [{"name": "a", "type": "u3"}, {"name": "b", "type": "u5"}, {"name": "c", "type": "u8"}]})",
              bytes_t(1)),
            (measured{state::need_more, 2}));
  EXPECT_EQ(m(R"("text[5]")", bytes_t(5)), (measured{state::complete, 5}));
  EXPECT_EQ(m(R"("bytes[3]")", bytes_t(7)), (measured{state::complete, 3}));
}

TEST(measure, a_dynamic_tail_that_is_not_counted_is_unbounded) {
  EXPECT_EQ(m(R"("u8[]")", {}), (measured{state::unbounded, 0}));
  EXPECT_EQ(m(R"({"struct": [{"name": "id", "type": "u16"}, {"name": "t", "type": "i32[]"}]})", bytes_t(100)),
            (measured{state::unbounded, 2}));
}

const char* modbus_response = R"({"struct": [{"name": "byte_count", "type": "u8"},
    {"name": "values", "type": ">u16[]", "count": "byte_count", "count_unit": "bytes"}]})";

TEST(measure, a_counted_field_takes_what_its_count_says) {
  EXPECT_EQ(m(modbus_response, {4, 0, 1, 0, 2}), (measured{state::complete, 5}));
  EXPECT_EQ(m(modbus_response, {4, 0, 1, 0, 2, 0xc4, 0x0b}), (measured{state::complete, 5}));  // a CRC after it
  EXPECT_EQ(m(modbus_response, {0}), (measured{state::complete, 1}));
}

TEST(measure, a_counted_field_needs_its_count_and_then_its_bytes) {
  EXPECT_EQ(m(modbus_response, {}), (measured{state::need_more, 1}));
  EXPECT_EQ(m(modbus_response, {4, 0, 1}), (measured{state::need_more, 5}));
}

TEST(measure, a_count_in_bytes_that_splits_an_element_is_invalid) {
  EXPECT_EQ(m(modbus_response, {3, 0, 1, 0}), (measured{state::invalid, 1}));
}

TEST(measure, a_count_beyond_the_element_limit_is_invalid) {
  const char* s = R"({"struct": [{"name": "n", "type": "u32"}, {"name": "v", "type": "u8[]", "count": "n"}]})";
  EXPECT_EQ(m(s, {0xff, 0xff, 0xff, 0xff}), (measured{state::invalid, 4}));
  EXPECT_EQ(m(s, {0x00, 0x00, 0xff, 0x00}), (measured{state::need_more, 4 + 0xff0000}));
}

TEST(measure, fields_after_a_counted_field_follow_it) {
  const char* s = R"({"struct": [{"name": "n", "type": "u16", "endian": "big"}, {"name": "m", "type": "u8"},
      {"name": "name", "type": "text[]", "count": "n"}, {"name": "data", "type": "bytes[]", "count": "m"},
      {"name": "crc", "type": "u16"}]})";
  EXPECT_EQ(m(s, {0, 2, 1, 'h', 'i', 0xaa, 0, 0}), (measured{state::complete, 8}));
  EXPECT_EQ(m(s, {0, 2, 1, 'h', 'i', 0xaa, 0}), (measured{state::need_more, 8}));
  EXPECT_EQ(m(s, {2, 0, 1, 'h', 'i'}), (measured{state::need_more, 3 + 512 + 1 + 2}));  // n is big-endian
}

TEST(measure, the_call_order_applies_where_the_schema_sets_none) {
  const char* s = R"({"struct": [{"name": "n", "type": "u16"}, {"name": "v", "type": "u8[]", "count": "n"}]})";
  EXPECT_EQ(m(s, {1, 0, 9}, endian::little), (measured{state::complete, 3}));
  EXPECT_EQ(m(s, {0, 1, 9}, endian::big), (measured{state::complete, 3}));
}

TEST(measure, arrays_of_counted_records_measure_each_record) {
  const char* s = R"({"types": {"Rec": {"struct": [{"name": "n", "type": "u8"}, {"name": "v", "type": "u8[]", "count": "n"}]}},
      "root": {"struct": [{"name": "two", "type": "Rec[2]"}, {"name": "k", "type": "u8"},
                          {"name": "more", "type": "Rec[]", "count": "k"}]}})";
  EXPECT_EQ(m(s, {1, 7, 0, 2, 2, 5, 5, 0}), (measured{state::complete, 8}));
  EXPECT_EQ(m(s, {1, 7, 0, 2, 2, 5}), (measured{state::need_more, 8}));  // more[1]'s count is at 7
  EXPECT_EQ(m(s, {1, 7, 0, 1, 3, 5}), (measured{state::need_more, 8}));
}

TEST(measure, a_dynamic_tail_after_counted_fields_is_unbounded) {
  const char* s = R"({"struct": [{"name": "n", "type": "u8"}, {"name": "v", "type": "u8[]", "count": "n"},
      {"name": "rest", "type": "text[]"}]})";
  EXPECT_EQ(m(s, {2, 1, 1, 'x'}), (measured{state::unbounded, 3}));
}

TEST(measure, a_schema_without_a_root_is_invalid) {
  const auto s = schema::parse(R"({"types": {"A": "u8", "B": "u16"}})");
  EXPECT_EQ(measure(s, bytes_t(4), endian::little), (measured{state::invalid, 0}));
}

}  // namespace

}  // namespace measure_test
