// The C generated from tests/devices/data/codegen_kinds.json — a profile with
// what hand-written profiles have and C++ exports never produce: inline structs
// and enums, a flag set and an enum in a bit record with a gap and a packed
// array, an alias, a "=" (native) field, enum values at the ends of their
// range, a field "endian" over an inline struct, arrays of text and of arrays —
// against the core's dynamic codec, for a value filled by hand.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/devices/profile.hpp"

extern "C" {
#include "kinds_profile.h"

// The handlers the generated command table needs; the test calls the codecs.
uint16_t kinds_on_put(void*, const kinds_Record* request, kinds_put_response* response, const char**) {
  response->value = request->temp;
  return CF_OK;
}
uint16_t kinds_on_get_status(void*, kinds_Status*, const char**) { return CF_OK; }
}

namespace {

using namespace comframe;

devices::profile kinds() {
  std::ifstream in(COMFRAME_SOURCE_DIR "/tests/devices/data/codegen_kinds.json", std::ios::binary);
  return devices::profile::parse(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
}

const nlohmann::json record_json = nlohmann::json::parse(R"({
  "temp": -5, "native": 1193046, "mode": "low", "huge": "top",
  "status": {"ready": true, "state": "run", "alarms": ["hot", "cold"], "gain": -3, "nibbles": [1, 2, 15]},
  "inner": {"a": 7, "b": 258}, "colour": "blue", "names": ["ab", "\u00e9"], "grid": [[1, -1], [-128, 127]],
  "points": [{"x": -2, "y": 1.5}, {"x": 3, "y": -0.25}]
})");

kinds_Record record_c() {
  kinds_Record r;
  std::memset(&r, 0, sizeof r);
  r.temp = -5;
  r.native = 1193046;
  r.mode = KINDS_MODE_LOW;
  r.huge = static_cast<std::uint64_t>(KINDS_HUGE_TOP);
  r.status.ready = true;
  r.status.state = KINDS_STATUS_STATE_RUN;
  r.status.alarms = static_cast<std::uint8_t>(KINDS_STATUS_ALARMS_HOT | KINDS_STATUS_ALARMS_COLD);
  r.status.gain = -3;
  r.status.nibbles[0] = 1;
  r.status.nibbles[1] = 2;
  r.status.nibbles[2] = 15;
  r.inner.a = 7;
  r.inner.b = 258;
  r.colour = KINDS_RECORD_COLOUR_BLUE;
  std::strcpy(r.names[0], "ab");
  std::strcpy(r.names[1], "\xc3\xa9");
  r.grid[0][0] = 1;
  r.grid[0][1] = -1;
  r.grid[1][0] = -128;
  r.grid[1][1] = 127;
  // Member by member: assigning a whole struct may copy the temporary's padding
  // into r, which the memcmp below compares (it did under ASan).
  r.points[0].x = -2;
  r.points[0].y = 0x3e00;  // binary16 1.5
  r.points[1].x = 3;
  r.points[1].y = 0xb400;  // binary16 -0.25
  r.points_count = 2;
  return r;
}

TEST(generated_c_kinds, encode_gives_the_cores_bytes_and_decode_reads_them_back) {
  const auto p = kinds();
  const auto* put = p.find_command("put");
  ASSERT_NE(put, nullptr);
  const core::bytes want = core::encode(put->request, record_json, p.payload_endian());
  const kinds_Record r = record_c();
  std::vector<std::uint8_t> out(KINDS_RECORD_MAX_SIZE);
  ASSERT_EQ(kinds_Record_encode(&r, out.data(), out.size()), want.size());
  out.resize(want.size());
  EXPECT_EQ(out, want);
  kinds_Record back;
  std::memset(&back, 0xa5, sizeof back);
  ASSERT_TRUE(kinds_Record_decode(want.data(), want.size(), &back));
  EXPECT_EQ(std::memcmp(&back, &r, sizeof r), 0);
}

TEST(generated_c_kinds, decode_refuses_an_unnamed_enum_value_or_flag_bit_in_a_bit_record) {
  const auto p = kinds();
  const core::bytes good = core::encode(p.find_command("get_status")->response, record_json["status"], p.payload_endian());
  kinds_Status s;
  ASSERT_TRUE(kinds_Status_decode(good.data(), good.size(), &s));
  core::bytes bad_state = good;  // lsb order: state is bits 1..3 of byte 0
  bad_state[0] = static_cast<std::uint8_t>((bad_state[0] & ~0x0e) | (1 << 1));
  EXPECT_THROW(core::decode(p.find_command("get_status")->response, bad_state, p.payload_endian()), core::codec_error);
  EXPECT_FALSE(kinds_Status_decode(bad_state.data(), bad_state.size(), &s));
  core::bytes bad_flag = good;  // alarms: bits 4..7 of byte 0; bit 1 of it has no name
  bad_flag[0] = static_cast<std::uint8_t>(bad_flag[0] | (1 << 5));
  EXPECT_THROW(core::decode(p.find_command("get_status")->response, bad_flag, p.payload_endian()), core::codec_error);
  EXPECT_FALSE(kinds_Status_decode(bad_flag.data(), bad_flag.size(), &s));
}

TEST(generated_c_kinds, a_payload_that_is_no_struct_is_wrapped_in_value) {
  kinds_put_response r{-300};
  std::uint8_t out[2];
  ASSERT_EQ(kinds_put_response_encode(&r, out, sizeof out), 2u);
  EXPECT_EQ(out[0], 0xfe);  // big-endian: the profile's order
  EXPECT_EQ(out[1], 0xd4);
}

}  // namespace
