// Counted fields in the dynamic face: an array, text[] or bytes[] whose
// length an earlier field holds, in elements or in bytes.
#include <gtest/gtest.h>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/measure.hpp"
#include "comframe/core/schema.hpp"

#include "support/measured_print.hpp"

namespace counted_fields_test {

namespace {

using namespace comframe::core;
using nlohmann::json;

// Modbus's read-holding-registers response: a byte count, then big-endian registers.
const schema modbus = schema::parse(R"({"struct": [{"name": "byte_count", "type": "u8"},
    {"name": "values", "type": ">u16[]", "count": "byte_count", "count_unit": "bytes"}]})");

// Counted fields followed by other fields.
const schema record = schema::parse(R"({"struct": [{"name": "n", "type": "u16"}, {"name": "m", "type": "u8"},
    {"name": "name", "type": "text[]", "count": "n"}, {"name": "data", "type": "bytes[]", "count": "m"},
    {"name": "k", "type": "u8"}, {"name": "temps", "type": "i16[]", "count": "k"}, {"name": "crc", "type": "u16"}]})");

std::string load_error(const char* text) {
  try {
    (void)schema::parse(text);
  } catch (const codec_error& e) {
    return e.what();
  }
  return "no error";
}

std::string encode_error(const schema& s, const json& j, json_mode mode = json_mode::strict) {
  try {
    (void)encode(s, j, endian::little, mode);
  } catch (const codec_error& e) {
    return e.what();
  }
  return "no error";
}

std::string decode_error(const schema& s, const bytes& b) {
  try {
    (void)decode(s, b, endian::little);
  } catch (const codec_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(counted_fields, encode_writes_the_count_from_the_length_in_bytes) {
  EXPECT_EQ(encode(modbus, json::parse(R"({"values": [1, 2]})"), endian::little), (bytes{4, 0, 1, 0, 2}));
  EXPECT_EQ(encode(modbus, json::parse(R"({"byte_count": 4, "values": [1, 2]})"), endian::little),
            (bytes{4, 0, 1, 0, 2}));
  EXPECT_EQ(encode(modbus, json::parse(R"({"values": []})"), endian::little), (bytes{0}));
}

TEST(counted_fields, decode_reads_the_count_and_takes_that_many_bytes) {
  EXPECT_EQ(decode(modbus, bytes{4, 0, 1, 0x12, 0x34}, endian::little),
            json::parse(R"({"byte_count": 4, "values": [1, 4660]})"));
  EXPECT_EQ(decode(modbus, bytes{0}, endian::little), json::parse(R"({"byte_count": 0, "values": []})"));
}

TEST(counted_fields, fields_after_counted_fields_round_trip) {
  const json v = json::parse(R"({"name": "hi", "data": "a0b1c2", "temps": [-1, 300], "crc": 4660})");
  const bytes b = encode(record, v, endian::big);
  EXPECT_EQ(b, (bytes{0, 2, 3, 'h', 'i', 0xa0, 0xb1, 0xc2, 2, 0xff, 0xff, 0x01, 0x2c, 0x12, 0x34}));
  json full = v;
  full["n"] = 2, full["m"] = 3, full["k"] = 2;
  EXPECT_EQ(decode(record, b, endian::big), full);
  EXPECT_EQ(encode(record, full, endian::big), b);
  EXPECT_EQ(measure(record, b, endian::big), (measured{measured::state::complete, b.size()}));
}

TEST(counted_fields, the_docs_example_gives_the_bytes_the_docs_show) {
  const auto s = schema::parse(R"({"struct": [
    {"name": "name_length", "type": "u8"},
    {"name": "sample_count", "type": "<u16"},
    {"name": "name", "type": "text[]", "count": "name_length"},
    {"name": "samples", "type": "i16[]", "count": "sample_count"},
    {"name": "crc", "type": ">u16"}]})");
  const bytes b = encode(s, json::parse(R"({"name": "ab", "samples": [-1], "crc": 4660})"), endian::little);
  EXPECT_EQ(b, (bytes{0x02, 0x01, 0x00, 0x61, 0x62, 0xff, 0xff, 0x12, 0x34}));
  EXPECT_EQ(measure(modbus, bytes{4, 0, 1}, endian::little), (measured{measured::state::need_more, 5}));
  EXPECT_EQ(measure(modbus, bytes{4, 0, 1, 0x12, 0x34, 0xc4, 0x0b}, endian::little),
            (measured{measured::state::complete, 5}));
}

TEST(counted_fields, sizes_count_what_the_value_holds) {
  EXPECT_EQ(modbus.fixed_size(), std::nullopt);
  EXPECT_EQ(modbus.min_size(), 1u);
  EXPECT_EQ(modbus.element_size(), std::nullopt);
  EXPECT_FALSE(modbus.root().dynamic);
  EXPECT_TRUE(modbus.root().counted);
  EXPECT_EQ(modbus.current_size(json::parse(R"({"values": [1, 2, 3]})")), 7u);
  EXPECT_EQ(record.min_size(), 6u);
  EXPECT_EQ(record.current_size(json::parse(R"({"name": "abc", "data": "00", "temps": [1], "crc": 0})")), 12u);
}

TEST(counted_fields, a_given_count_must_equal_the_length) {
  EXPECT_EQ(encode_error(modbus, json::parse(R"({"byte_count": 2, "values": [1, 2]})")),
            "[core.json_range] byte_count: is 2, but \"values\" has 4 bytes (leave the count out to have it written)");
  EXPECT_EQ(encode_error(record, json::parse(R"({"n": 1, "name": "ab", "data": "", "temps": [], "crc": 0})")),
            "[core.json_range] n: is 1, but \"name\" has 2 bytes (leave the count out to have it written)");
  EXPECT_EQ(encode_error(record, json::parse(R"({"m": 1, "name": "", "data": "", "temps": [], "crc": 0})")),
            "[core.json_range] m: is 1, but \"data\" has 0 bytes (leave the count out to have it written)");
}

TEST(counted_fields, a_counted_text_given_a_count_above_its_length_is_followed_by_nuls) {
  // A device that counts a terminating NUL: the count says 6, the text is 5 bytes.
  const bytes hello{6, 0, 0, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0};
  const json v = decode(record, hello, endian::little);
  EXPECT_EQ(v, json::parse(R"({"n": 6, "m": 0, "name": "hello", "data": "", "k": 0, "temps": [], "crc": 0})"));
  EXPECT_EQ(encode(record, v, endian::little), hello);
  EXPECT_EQ(record.current_size(v), hello.size());
  // As for text[N], bytes after the first NUL are no part of the value: decoding
  // stops there, and encoding what it gave writes NULs in their place.
  const bytes tail{3, 0, 0, 'm', 0, 0x0e, 0, 0, 0};
  const json m = decode(record, tail, endian::little);
  EXPECT_EQ(m["n"], 3);
  EXPECT_EQ(m["name"], "m");
  EXPECT_EQ(encode(record, m, endian::little), (bytes{3, 0, 0, 'm', 0, 0, 0, 0, 0}));
  EXPECT_EQ(decode(record, encode(record, m, endian::little), endian::little), m);
  // Lenient mode pads the same way. A count outside the count field's range is
  // no count to pad to: strict mode names the range, lenient mode the wrapped
  // count (70000 & 0xffff) that disagrees with the text.
  EXPECT_EQ(encode(record, v, endian::little, json_mode::lenient), hello);
  json too_big = v;
  too_big["n"] = 70000;
  EXPECT_EQ(encode_error(record, too_big), "[core.json_range] n: 70000 is out of range for u16 (0 to 65535)");
  EXPECT_EQ(encode_error(record, too_big, json_mode::lenient),
            "[core.json_range] n: is 4464, but \"name\" has 5 bytes (leave the count out to have it written)");
}

TEST(counted_fields, nuls_after_a_counted_text_count_against_the_element_limit) {
  const auto s = schema::parse(R"({"struct": [{"name": "n", "type": "u32"}, {"name": "m", "type": "u32"},
      {"name": "t", "type": "text[]", "count": "n"}, {"name": "u", "type": "text[]", "count": "m"}]})");
  EXPECT_EQ(encode(s, json::parse(R"({"n": 4, "m": 1, "t": "ab", "u": ""})"), endian::big),
            (bytes{0, 0, 0, 4, 0, 0, 0, 1, 'a', 'b', 0, 0, 0}));
  // One count far past the limit, and two that pass it only together: refused
  // before anything is allocated, the size still told.
  const json huge = json::parse(R"({"n": 4000000000, "m": 0, "t": "ab", "u": ""})");
  EXPECT_EQ(encode_error(s, huge),
            "[core.limit] the value has 4000000002 elements; a value may have at most 16777216 (array elements and "
            "fields, at every depth)");
  EXPECT_EQ(s.current_size(huge), 8u + 4000000000u);
  const json two = json::parse(R"({"n": 9000000, "m": 9000000, "t": "", "u": ""})");
  EXPECT_EQ(encode_error(s, two),
            "[core.limit] the value has 18000004 elements; a value may have at most 16777216 (array elements and "
            "fields, at every depth)");
  EXPECT_EQ(encode(s, json::parse(R"({"n": 8000000, "m": 8000000, "t": "", "u": ""})"), endian::big).size(),
            8u + 16000000u);
}

TEST(counted_fields, a_length_the_count_field_cannot_hold_is_refused) {
  json v = {{"values", json::array()}};
  for (int i = 0; i < 128; ++i) v["values"].push_back(i);
  EXPECT_EQ(encode_error(modbus, v), "[core.json_range] byte_count: \"values\" has 256 bytes, more than u8 can count (255)");
}

TEST(counted_fields, decode_refuses_a_count_the_bytes_do_not_hold_naming_path_and_offset) {
  EXPECT_EQ(decode_error(modbus, bytes{4, 0, 1}),
            "[core.size] values at byte 1: its count says 2 elements (4 bytes), but the input has 2 bytes left from byte 1");
  EXPECT_EQ(decode_error(modbus, bytes{3, 0, 1, 0}),
            "[core.size] values at byte 1: its count is 3 bytes, which is no whole number of >u16 (2 bytes each)");
  EXPECT_EQ(decode_error(modbus, bytes{2, 0, 1, 9}),
            "[core.size] at byte 3: the value ends, but 4 bytes were given (its counts make it 3 bytes)");
  EXPECT_EQ(decode_error(record, bytes{5, 0, 0, 'a', 'b', 'c', 'd', 'e', 0, 0}),
            "[core.size] crc at byte 10: the input ends, but the value needs 2 bytes from byte 9 (1 left)");
  EXPECT_EQ(decode_error(modbus, bytes{}),
            "[core.size] at byte 0: the input ends, but the value needs 1 byte from byte 0 (0 left)");
}

TEST(counted_fields, a_huge_count_is_refused_before_anything_is_allocated) {
  const auto s = schema::parse(R"({"struct": [{"name": "n", "type": "u32"}, {"name": "v", "type": "u64[]", "count": "n"}]})");
  EXPECT_EQ(decode_error(s, bytes{0xff, 0xff, 0xff, 0xff, 1, 2}),
            "[core.size] v at byte 4: its count says 4294967295 elements (34359738360 bytes), but the input has 2 bytes "
            "left from byte 4");
}

TEST(counted_fields, lenient_mode_takes_a_missing_counted_field_as_empty) {
  EXPECT_EQ(encode(modbus, json::object(), endian::little, json_mode::lenient), (bytes{0}));
  EXPECT_EQ(encode_error(modbus, json::object()), "[core.json_key] values: missing (strict mode needs every field)");
}

TEST(counted_fields, arrays_of_counted_records_round_trip) {
  const auto s = schema::parse(R"({"types": {"Rec": {"struct": [{"name": "n", "type": "u8"},
      {"name": "v", "type": "u8[]", "count": "n"}]}},
      "root": {"struct": [{"name": "two", "type": "Rec[2]"}, {"name": "k", "type": "u8"},
                          {"name": "more", "type": "Rec[]", "count": "k"}, {"name": "tail", "type": "Rec[]"}]}})");
  const json v = json::parse(R"({"two": [{"v": [7]}, {"v": []}], "more": [{"v": [5, 5]}], "tail": [{"v": [1]}, {"v": []}]})");
  const bytes b = encode(s, v, endian::little);
  EXPECT_EQ(b, (bytes{1, 7, 0, 1, 2, 5, 5, 1, 1, 0}));
  EXPECT_EQ(s.current_size(v), b.size());
  const json back = decode(s, b, endian::little);
  EXPECT_EQ(back["more"], json::parse(R"([{"n": 2, "v": [5, 5]}])"));
  EXPECT_EQ(back["tail"], json::parse(R"([{"n": 1, "v": [1]}, {"n": 0, "v": []}])"));
  EXPECT_EQ(encode(s, back, endian::little), b);
}

TEST(counted_fields, text_and_bytes_without_a_count_take_the_rest) {
  const auto t = schema::parse(R"("text[]")");
  EXPECT_EQ(encode(t, "hello"), (bytes{'h', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(decode(t, bytes{'o', 'k'}), "ok");
  EXPECT_EQ(t.dump(), "{\"root\": \"text[]\", \"types\": {}}");
  const auto b = schema::parse(R"({"struct": [{"name": "id", "type": "u8"}, {"name": "rest", "type": "bytes[]"}]})");
  EXPECT_EQ(encode(b, json::parse(R"({"id": 1, "rest": "0203"})")), (bytes{1, 2, 3}));
  EXPECT_EQ(decode(b, bytes{1}), json::parse(R"({"id": 1, "rest": ""})"));
  EXPECT_EQ(b.current_size(json::parse(R"({"id": 1, "rest": "0203"})")), 3u);
  EXPECT_EQ(encode_error(b, json::parse(R"({"id": 1, "rest": "020"})")),
            "[core.json_range] rest: expected hex digits, two per byte, got 3 characters");
}

TEST(counted_fields, the_canonical_document_keeps_count_and_unit) {
  EXPECT_EQ(modbus.to_json()["root"]["struct"][1],
            json::parse(R"({"name": "values", "type": ">u16[]", "count": "byte_count", "count_unit": "bytes"})"));
  EXPECT_EQ(record.to_json()["root"]["struct"][2], json::parse(R"({"name": "name", "type": "text[]", "count": "n"})"));
  EXPECT_EQ(schema::parse(modbus.dump()), modbus);
  EXPECT_EQ(schema::parse(record.dump()), record);
}

TEST(counted_fields, load_refuses_counts_that_cannot_work_naming_the_path) {
  EXPECT_EQ(load_error(R"({"struct": [{"name": "v", "type": "u8[]", "count": "n"}, {"name": "n", "type": "u8"}]})"),
            "[core.definition] root.v: \"count\": \"n\" names no earlier field of this struct (there is none)");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "a", "type": "u8"}, {"name": "v", "type": "u8[]", "count": "n"}]})"),
            "[core.definition] root.v: \"count\": \"n\" names no earlier field of this struct (the earlier fields: a)");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "n", "type": "i8"}, {"name": "v", "type": "u8[]", "count": "n"}]})"),
            "[core.definition] root.v: the count field \"n\" must be an unsigned integer (u8, >u16, u24, …), not i8");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "n", "type": "f32"}, {"name": "v", "type": "u8[]", "count": "n"}]})"),
            "[core.definition] root.v: the count field \"n\" must be an unsigned integer (u8, >u16, u24, …), not f32");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "n", "type": "u8"}, {"name": "v", "type": "u8[4]", "count": "n"}]})"),
            "[core.definition] root.v: a counted field is a dynamic array (\"u8[]\", {\"dynamic_array\": …}), "
            "\"text[]\" or \"bytes[]\", not u8[4]");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "n", "type": "u8"}, {"name": "v", "type": "u8[]", "count": "n"},
                                      {"name": "w", "type": "u8[]", "count": "n"}]})"),
            "[core.definition] root.w: the count field \"n\" already counts \"v\"; each counted field needs a count of its own");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "n", "type": "u8"}, {"name": "v", "type": "u8[]", "count_unit": "bytes"}]})"),
            "[core.definition] root.v: \"count_unit\" belongs to a counted field; this one has no \"count\"");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "n", "type": "u8"}, {"name": "v", "type": "u8[]", "count": "n", "count_unit": "words"}]})"),
            "[core.schema_syntax] root.v: \"count_unit\" must be \"elements\" or \"bytes\", got a string \"words\"");
  EXPECT_EQ(load_error(R"({"types": {"R": {"struct": [{"name": "n", "type": "u8"}, {"name": "v", "type": "u8[]", "count": "n"}]},
                                     "T": {"struct": [{"name": "n", "type": "u8"}, {"name": "v", "type": "R[]", "count": "n", "count_unit": "bytes"}]}}})"),
            "[core.definition] T.v: a count in bytes needs elements of one size, but the size of R varies with its own "
            "counts; count elements instead");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "n", "type": "u8"}, {"name": "v", "type": "u8[]", "count": "n"},
                                      {"name": "x", "type": "u8", "offset": 4}]})"),
            "[core.definition] root.x: a field after a counted field cannot state an \"offset\": where it starts depends on the counts");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "n", "type": "u8"}, {"name": "v", "type": "u8[]", "count": "n"}], "size": 8})"),
            "[core.definition] root: a struct that holds a counted field cannot state a \"size\"");
}

}  // namespace

}  // namespace counted_fields_test
