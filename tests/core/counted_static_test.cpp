// Counted fields in the static face (core::counted): the schema it exports is
// the JSON form, and both faces give the same bytes, values and errors.
#include <gtest/gtest.h>

#include <boost/describe.hpp>
#include <cstdint>
#include <vector>

#include "comframe/core/codec.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/json.hpp"
#include "comframe/core/measure.hpp"
#include "comframe/core/schema_export.hpp"

namespace cnt {

namespace core = comframe::core;

// Modbus's read-holding-registers response.
struct Registers {
  std::uint8_t byte_count;
  core::counted<std::vector<core::big<std::uint16_t>>, "byte_count", core::count_unit::bytes> values;
};
BOOST_DESCRIBE_STRUCT(Registers, (), (byte_count, values))

// Two counts first, their fields, then a field after them.
struct Frame {
  core::u24 n;
  core::big<std::uint16_t> m;
  core::counted<std::vector<std::int16_t>, "n"> temps;
  core::counted<std::vector<std::uint8_t>, "m", core::count_unit::bytes> data;
  core::big<std::uint16_t> crc;
};
BOOST_DESCRIBE_STRUCT(Frame, (), (n, m, temps, data, crc))

struct Outer {
  std::uint8_t id;
  Frame frame;
  std::uint8_t last;
};
BOOST_DESCRIBE_STRUCT(Outer, (), (id, frame, last))

}  // namespace cnt

namespace counted_static_test {

namespace {

using namespace comframe::core;
using nlohmann::json;
using cnt::Frame;
using cnt::Outer;
using cnt::Registers;

template <class T>
std::string static_decode_error(const bytes& b) {
  try {
    (void)decode<T>(b, endian::little);
  } catch (const codec_error& e) {
    return e.what();
  }
  return "no error";
}

std::string dynamic_decode_error(const schema& s, const bytes& b) {
  try {
    (void)comframe::core::decode(s, b, endian::little);
  } catch (const codec_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(counted_static, the_exported_schema_is_the_json_form) {
  const auto s = schema::of<Registers>();
  const auto want = schema::parse(R"({"types": {"cnt::Registers": {"struct": [{"name": "byte_count", "type": "u8"},
      {"name": "values", "type": ">u16[]", "count": "byte_count", "count_unit": "bytes"}]}}, "root": "cnt::Registers"})");
  EXPECT_EQ(s, want) << s.dump();
  EXPECT_EQ(schema::of<Frame>().to_json()["types"]["cnt::Frame"],
            json::parse(R"({"struct": [{"name": "n", "type": "u24"}, {"name": "m", "type": "u16", "endian": "big"},
                {"name": "temps", "type": "i16[]", "count": "n"},
                {"name": "data", "type": "u8[]", "count": "m", "count_unit": "bytes"},
                {"name": "crc", "type": "u16", "endian": "big"}]})"));
}

TEST(counted_static, sizes_follow_the_value) {
  static_assert(!is_fixed_size_v<Registers>);
  static_assert(fixed_size<Registers>() == std::nullopt);
  static_assert(min_size<Registers>() == 1);
  static_assert(min_size<Frame>() == 7);
  Registers r{};
  r.values = {1, 2, 3};
  EXPECT_EQ(current_size(r), 7u);
  EXPECT_EQ(schema::of<Registers>().current_size(to_json(r)), 7u);
}

TEST(counted_static, both_faces_give_the_same_bytes_and_values) {
  Registers r{};
  r.byte_count = 99;  // ignored: written from the length
  r.values = {1, 4660};
  const bytes b = encode(r, endian::little);
  EXPECT_EQ(b, (bytes{4, 0, 1, 0x12, 0x34}));
  EXPECT_EQ(comframe::core::encode(schema::of<Registers>(), json::parse(R"({"values": [1, 4660]})"), endian::little), b);
  const auto back = decode<Registers>(b, endian::little);
  EXPECT_EQ(back.byte_count, 4);
  ASSERT_EQ(back.values.size(), 2u);
  EXPECT_EQ(std::uint16_t(back.values[1]), 4660);
  EXPECT_EQ(to_json(back), comframe::core::decode(schema::of<Registers>(), b, endian::little));

  Outer o{};
  o.id = 7;
  o.frame.temps = {-1, 2};
  o.frame.data = {0xaa, 0xbb, 0xcc};
  o.frame.crc = 0x1234;
  o.last = 9;
  for (endian e : {endian::little, endian::big}) {
    const bytes ob = encode(o, e);
    const auto s = schema::of<Outer>();
    EXPECT_EQ(ob.size(), current_size(o));
    EXPECT_EQ(comframe::core::encode(s, to_json(o), e), ob);
    const auto od = decode<Outer>(ob, e);
    EXPECT_EQ(to_json(od), comframe::core::decode(s, ob, e));
    EXPECT_EQ(od.frame.n, 2u);
    EXPECT_EQ(std::uint16_t(od.frame.m), 3u);
    EXPECT_EQ(od.last, 9);
    EXPECT_EQ(measure(s, ob, e), (measured{measured::state::complete, ob.size()}));
  }
  EXPECT_EQ(encode(o, endian::big),
            (bytes{7, 0, 0, 2, 0, 3, 0xff, 0xff, 0, 2, 0xaa, 0xbb, 0xcc, 0x12, 0x34, 9}));
}

TEST(counted_static, both_faces_refuse_bad_bytes_with_the_same_error) {
  const auto s = schema::of<Registers>();
  for (const bytes& b : {bytes{4, 0, 1}, bytes{3, 0, 1, 0}, bytes{2, 0, 1, 9}, bytes{}}) {
    EXPECT_NE(static_decode_error<Registers>(b), "no error");
    EXPECT_EQ(static_decode_error<Registers>(b), dynamic_decode_error(s, b));
  }
  EXPECT_EQ(static_decode_error<Registers>(bytes{4, 0, 1}),
            "[core.size] values at byte 1: its count says 2 elements (4 bytes), but the input has 2 bytes left from byte 1");
  const auto so = schema::of<Outer>();
  const bytes short_outer{7, 1, 0, 0, 0, 0, 0xff, 0xff, 0x12};
  EXPECT_EQ(static_decode_error<Outer>(short_outer), dynamic_decode_error(so, short_outer));
  EXPECT_EQ(static_decode_error<Outer>(short_outer),
            "[core.size] frame.crc at byte 9: the input ends, but the value needs 2 bytes from byte 8 (1 left)");
}

TEST(counted_static, json_may_leave_the_count_out_and_a_given_count_must_match) {
  const auto r = from_json<Registers>(json::parse(R"({"values": [5, 6]})"));
  EXPECT_EQ(r.byte_count, 4);
  std::string err;
  try {
    (void)from_json<Registers>(json::parse(R"({"byte_count": 2, "values": [5, 6]})"));
  } catch (const codec_error& e) {
    err = e.what();
  }
  EXPECT_EQ(err, "[core.json_range] byte_count: is 2, but \"values\" has 4 bytes (leave the count out to have it written)");
}

TEST(counted_static, a_length_the_count_cannot_hold_is_refused_on_encode) {
  Registers r{};
  r.values.resize(128);
  std::string err;
  try {
    (void)encode(r);
  } catch (const codec_error& e) {
    err = e.what();
  }
  EXPECT_EQ(err, "[core.json_range] byte_count: \"values\" has 256 bytes, more than u8 can count (255)");
  // in a nested record, named by its path
  Outer o{};
  o.frame.data.resize(65536);
  err.clear();
  try {
    (void)encode(o);
  } catch (const codec_error& e) {
    err = e.what();
  }
  EXPECT_NE(err.find("[core.json_range] frame.m: \"data\" has 65536 bytes, more than "), std::string::npos) << err;
  // and from JSON, which writes the count
  json j = {{"values", json::array()}};
  for (int i = 0; i < 128; ++i) j["values"].push_back(i);
  err.clear();
  try {
    (void)from_json<Registers>(j);
  } catch (const codec_error& e) {
    err = e.what();
  }
  EXPECT_EQ(err, "[core.json_range] byte_count: \"values\" has 256 bytes, more than u8 can count (255)");
}

}  // namespace

}  // namespace counted_static_test
