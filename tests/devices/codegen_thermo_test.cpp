// The C generated from devices/profiles/thermo.json, with the handlers of
// codegen_thermo_board.c, behind the kit's device: every reply and event is
// the frame the C++ side makes of the same values (the payloads encoded by the
// core from the built-in thermo declarations), requests that do not decode get
// error 2, handler errors keep their code and message, and describe serves the
// host's profile text and hash.
#include <gtest/gtest.h>

#include <string>

#include "comframe/core/codec.hpp"
#include "comframe/devices/builtin/thermo.hpp"
#include "comframe/devices/command.hpp"
#include "comframe/transport/frame.hpp"

extern "C" {
#include "comframe/firmware/device.h"
#include "thermo_profile.h"
void* thermo_board(void);
}

namespace {

using namespace comframe;
namespace th = devices::builtin::thermo;
using bytes = std::vector<std::uint8_t>;
using transport::frame_kind;

struct sink {
  bytes out;
  static void putc(void* user, std::uint8_t byte) { static_cast<sink*>(user)->out.push_back(byte); }
};

// The one frame in `wire`: its header and payload.
struct parsed {
  transport::frame_header header;
  bytes payload;
};
parsed parse(const bytes& wire) {
  transport::frame_decoder d;
  parsed out{};
  int frames = 0;
  d.feed(wire, [&](const transport::frame_view& f) {
    out = {f.header, bytes(f.payload.begin(), f.payload.end())};
    ++frames;
  });
  EXPECT_EQ(frames, 1);
  return out;
}

class generated_thermo : public ::testing::Test {
 protected:
  generated_thermo() {
    cf_decoder_init(&decoder_, rx_.data(), rx_.size(), COMFRAME_MAX_PAYLOAD_SIZE);
    cf_device_config config;
    thermo_device_config(&config, thermo_board(), reply_.data(), reply_.size(), sink::putc, &out_);
    cf_device_init(&dev_, &config);
  }

  // What the device writes for one request frame.
  bytes call(std::uint16_t command, const bytes& payload) {
    out_.out.clear();
    for (const std::uint8_t b : transport::encode_frame({1, frame_kind::request, command, ++sequence_}, payload)) {
      if (cf_decoder_push(&decoder_, b)) {
        EXPECT_EQ(cf_device_poll(&dev_, &decoder_), 1u);
      }
    }
    return out_.out;
  }
  bytes response(std::uint16_t command, const bytes& payload) const {
    return transport::encode_frame({1, frame_kind::response, command, sequence_}, payload);
  }
  bytes error(std::uint16_t command, std::uint16_t code, const std::string& message) const {
    const devices::error_payload e{code, std::vector<char>(message.begin(), message.end())};
    return transport::encode_frame({1, frame_kind::error, command, sequence_}, core::encode(e, devices::builtin_endian));
  }
  // The reply to `request` is a response carrying `payload`.
  void expect_response(std::uint16_t command, const bytes& request, const bytes& payload) {
    const bytes reply = call(command, request);  // first: it numbers the request
    EXPECT_EQ(reply, response(command, payload)) << "command " << command;
  }
  template <class T>
  static bytes le(const T& v) {
    return core::encode(v, core::endian::little);
  }

  bytes reply_ = bytes(THERMO_REPLY_CAPACITY);
  bytes rx_ = bytes(COMFRAME_DECODER_SLOT_SIZE(COMFRAME_MAX_PAYLOAD_SIZE));
  cf_decoder decoder_;
  cf_device dev_;
  sink out_;
  std::uint16_t sequence_ = 0;
};

TEST_F(generated_thermo, answers_with_the_bytes_the_core_encodes) {
  expect_response(THERMO_CMD_GET_INFO, {}, le(th::device_info{{1, 4, 2}, 20240601, comframe::core::fixed_string<16>("thermo")}));
  expect_response(THERMO_CMD_GET_CONFIG, {}, le(th::thermo_config{4, 1000, 4500, true}));
  const th::thermo_config two{2, 250, -500, false};
  expect_response(THERMO_CMD_SET_CONFIG, le(two), le(two));
  expect_response(THERMO_CMD_READ_SENSORS, {}, le(th::sensor_readings{7, 3300, {-100, -75}}));
  expect_response(THERMO_CMD_SET_LED, le(th::led_setting{3, {1, 2, 3}}), {});
  expect_response(THERMO_CMD_START_TELEMETRY, le(th::telemetry_rate{50}), {});
  expect_response(THERMO_CMD_STOP_TELEMETRY, {}, {});
}

TEST_F(generated_thermo, refuses_requests_that_do_not_decode_and_keeps_handler_errors) {
  // Not a thermo_config: a byte short, a bool of 2; bytes for a null request.
  bytes config = le(th::thermo_config{2, 250, -500, false});
  const bytes reply_short = call(THERMO_CMD_SET_CONFIG, bytes(config.begin(), config.end() - 1));
  ASSERT_FALSE(reply_short.empty());
  config.back() = 2;
  const bytes reply_bool = call(THERMO_CMD_SET_CONFIG, config);
  const bytes reply_extra = call(THERMO_CMD_STOP_TELEMETRY, {0});
  for (const bytes* r : {&reply_short, &reply_bool, &reply_extra}) {
    // An error frame (kind 3) with code 2, whatever the kit's words for it.
    const parsed f = parse(*r);
    EXPECT_EQ(f.header.kind, frame_kind::error);
    EXPECT_EQ(core::decode<devices::error_payload>(f.payload, devices::builtin_endian).code, devices::error_code::bad_request);
  }
  const bytes refused = call(THERMO_CMD_SET_LED, le(th::led_setting{9, {1, 2, 3}}));
  EXPECT_EQ(refused, error(THERMO_CMD_SET_LED, devices::error_code::out_of_range, "LED index out of range 0..7"));
}

TEST_F(generated_thermo, emits_events_as_the_core_encodes_them) {
  thermo_telemetry_sample s{};
  s.sequence = 9;
  s.uptime_us = 123456789012ull;
  s.temps_cdeg[0] = -1;
  s.temps_cdeg[1] = 2500;
  s.temps_cdeg_count = 2;
  out_.out.clear();
  ASSERT_TRUE(thermo_emit_telemetry(&dev_, &s));
  EXPECT_EQ(out_.out, transport::encode_frame({1, frame_kind::event, THERMO_EVT_TELEMETRY, 0},
                                              le(th::telemetry_sample{9, 123456789012ull, {-1, 2500}})));
  s.temps_cdeg_count = THERMO_TELEMETRY_SAMPLE_TEMPS_CDEG_MAX + 1;
  out_.out.clear();
  EXPECT_FALSE(thermo_emit_telemetry(&dev_, &s)) << "a count over its maximum does not encode";
  EXPECT_TRUE(out_.out.empty());
}

TEST_F(generated_thermo, describes_itself_with_the_hosts_profile_text_and_hash) {
  const devices::profile p = th::profile();
  const std::string text = p.to_json().dump();
  EXPECT_EQ(std::string(thermo_profile_text, THERMO_PROFILE_SIZE), text);
  EXPECT_EQ(thermo_profile_text[THERMO_PROFILE_SIZE], '\0');
  EXPECT_EQ(THERMO_PROFILE_HASH, p.hash());
  EXPECT_EQ(cf_fnv1a64(thermo_profile_text, THERMO_PROFILE_SIZE), p.hash());
  const bytes reply = call(COMFRAME_DESCRIBE_ID, le(devices::builtin::describe_request{0, 0}));
  const parsed f = parse(reply);
  ASSERT_EQ(f.header.kind, frame_kind::response);
  const auto r = core::decode<devices::builtin::describe_response>(f.payload, devices::builtin_endian);
  EXPECT_EQ(r.hash, p.hash());
  EXPECT_EQ(r.total, text.size());
}

TEST_F(generated_thermo, codecs_refuse_short_buffers_and_long_tails) {
  thermo_sensor_readings r{};
  r.temps_cdeg_count = 3;
  std::uint8_t out[THERMO_SENSOR_READINGS_MAX_SIZE];
  EXPECT_EQ(thermo_sensor_readings_size(&r), 12u);
  EXPECT_EQ(thermo_sensor_readings_encode(&r, out, 11), 0u);
  EXPECT_EQ(thermo_sensor_readings_encode(&r, out, sizeof out), 12u);
  thermo_sensor_readings back{};
  EXPECT_TRUE(thermo_sensor_readings_decode(out, 12, &back));
  EXPECT_EQ(back.temps_cdeg_count, 3u);
  EXPECT_FALSE(thermo_sensor_readings_decode(out, 11, &back)) << "half an element";
  EXPECT_FALSE(thermo_sensor_readings_decode(out, 5, &back)) << "shorter than the fixed part";
  r.temps_cdeg_count = THERMO_SENSOR_READINGS_TEMPS_CDEG_MAX + 1;
  EXPECT_EQ(thermo_sensor_readings_size(&r), SIZE_MAX);
  EXPECT_EQ(thermo_sensor_readings_encode(&r, out, sizeof out), 0u);
  std::uint8_t text[24] = {1, 4, 2, 0, 1, 0, 0, 0, 't', 0xff};  // a name that is not UTF-8
  thermo_device_info info{};
  EXPECT_FALSE(thermo_device_info_decode(text, sizeof text, &info));
  text[9] = 'h';
  ASSERT_TRUE(thermo_device_info_decode(text, sizeof text, &info));
  EXPECT_STREQ(info.name, "th");
}

}  // namespace
