// Packed arrays in bit records and flag sets: the documented vectors and errors.
#include <gtest/gtest.h>

#include "comframe/core/json.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/core/schema_export.hpp"
#include "core/formats_types.hpp"

namespace packed_bits_test {

namespace {

using namespace comframe::core;
using nlohmann::json;

TEST(packed_bits, eight_4_bit_samples_honour_the_record_bit_order_in_both_faces) {
  const json v = {{"samples", {1, 2, 3, 4, 5, 6, 7, 8}}};
  const schema msb = schema::parse(R"({"bits": [{"name": "samples", "type": "u4", "count": 8}], "order": "msb"})");
  const schema lsb = schema::parse(R"({"bits": [{"name": "samples", "type": "u4", "count": 8}], "order": "lsb"})");
  EXPECT_EQ(encode(msb, v), (bytes{0x12, 0x34, 0x56, 0x78}));
  EXPECT_EQ(encode(lsb, v), (bytes{0x21, 0x43, 0x65, 0x87}));
  EXPECT_EQ(decode(msb, bytes{0x12, 0x34, 0x56, 0x78}), v);
  EXPECT_EQ(encode(from_json<cft::Samples>(v)), (bytes{0x12, 0x34, 0x56, 0x78}));
  EXPECT_EQ(schema::of<cft::Samples>().to_json()["types"]["cft::Samples"]["bits"][0]["count"], 8);
}

TEST(packed_bits, bpack_colours_as_a_packed_array_of_enums_encode_to_ab) {
  const cft::ColourPair c{{cft::colour::black, cft::colour::white}};
  EXPECT_EQ(encode(c), bytes{0xab});
  EXPECT_EQ(to_json(c), (json{{"colours", {"black", "white"}}}));
}

TEST(packed_bits, strict_json_needs_exactly_count_elements) {
  const schema s = schema::parse(R"({"bits": [{"name": "samples", "type": "u4", "count": 2}]})");
  try {
    (void)encode(s, {{"samples", {1}}});
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.json_length] samples: expected 2 elements, got 1");
  }
  EXPECT_EQ(encode(s, {{"samples", {1}}}, endian::native, json_mode::lenient), bytes{0x10});
}

TEST(flags, a_flag_set_is_the_list_of_its_set_bits_and_an_unknown_bit_is_refused_unless_lenient) {
  const schema s = schema::parse(R"({"struct": [{"name": "a", "type": "u16"},
      {"name": "status", "type": {"flags": "u8", "values": {"ready": 0, "error": 3}}}]})");
  EXPECT_EQ(decode(s, bytes{0, 0, 0x09}), (json{{"a", 0}, {"status", {"ready", "error"}}}));
  EXPECT_EQ(encode(s, {{"a", 0}, {"status", {"error", "ready"}}}), (bytes{0, 0, 0x09}));
  try {
    (void)decode(s, bytes{0, 0, 0x41});
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(),
                 "[core.invalid_bytes] status at byte 2: bit 6 is set but is no flag of the flags (ready = 0, error = 3)");
  }
  EXPECT_EQ(decode(s, bytes{0, 0, 0x41}, endian::native, json_mode::lenient)["status"], (json{"ready", 6}));
  EXPECT_EQ(encode(s, {{"a", 0}, {"status", {"ready", 6}}}, endian::native, json_mode::lenient), (bytes{0, 0, 0x41}));
  EXPECT_THROW((void)encode(s, {{"a", 0}, {"status", {"ready", 6}}}), codec_error);
  const cft::FlagRecord r{{cft::status_bit::ready, cft::status_bit::error}, {}, {}, {}};
  EXPECT_EQ(to_json(r)["status"], (json{"ready", "error"}));
}

}  // namespace

}  // namespace packed_bits_test
