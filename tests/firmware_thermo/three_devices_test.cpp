// One host-side suite, three devices: `comframe sim --device thermo`, the thermo
// board's C firmware built natively (examples/firmware_thermo, on its own pty),
// and the same firmware's Cortex-M3 image in QEMU's lm3s6965evb — and, as a
// fourth, the native firmware on stdin/stdout behind `comframe sim --exec`'s
// pty, where the simulator's baud emulation and faults apply. Each test
// starts its device afresh as a real process on a real pty, talks to it with
// raw frames, and expects the same bytes from all of them. The QEMU instances
// are skipped (exit 77) where QEMU or the cross compiler is missing, and fail
// instead under CI=true.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "comframe/core/codec.hpp"
#include "comframe/devices/builtin/thermo.hpp"
#include "comframe/devices/command.hpp"
#include "comframe/devices/profile.hpp"
#include "firmware_thermo/thermo_devices.hpp"

namespace {

using namespace comframe;
using namespace comframe::test;
using transport::frame_kind;
namespace thermo = devices::builtin::thermo;

constexpr std::uint16_t get_info = 1, read_sensors = 2, set_led = 3, get_config = 4, set_config = 5,
                        start_telemetry = 6, stop_telemetry = 7, telemetry = 0x0100, describe = 0xFFF0;

void put16(bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32(bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v));
  put16(b, static_cast<std::uint16_t>(v >> 16));
}

bytes config_bytes(std::uint8_t channels, std::uint16_t period_ms, std::int16_t alarm_cdeg, std::uint8_t alarm_enabled) {
  bytes b{channels};
  put16(b, period_ms);
  put16(b, static_cast<std::uint16_t>(alarm_cdeg));
  b.push_back(alarm_enabled);
  return b;
}
bytes rate_bytes(std::uint16_t rate_hz) {
  bytes b;
  put16(b, rate_hz);
  return b;
}
bytes describe_bytes(std::uint32_t offset, std::uint16_t max_bytes) {
  bytes b;
  put32(b, offset);
  put16(b, max_bytes);
  return b;
}

std::string text_of(const std::vector<char>& v) { return std::string(v.begin(), v.end()); }

// The canonical profile text of devices/profiles/thermo.json, as describe must serve it.
const devices::profile& thermo_profile() {
  static const devices::profile p = [] {
    std::ifstream in(std::string(COMFRAME_SOURCE_DIR) + "/devices/profiles/thermo.json");
    std::stringstream text;
    text << in.rdbuf();
    return devices::profile::parse(text.str());
  }();
  return p;
}

class three_devices : public ::testing::TestWithParam<thermo_device> {
 protected:
  std::unique_ptr<running_thermo> device;
  std::unique_ptr<raw_host> host;

  void SetUp() override {
    if (auto why = missing_for(GetParam())) COMFRAME_MISSING_TOOL(*why);
    device = std::make_unique<running_thermo>(GetParam());
    host = std::make_unique<raw_host>(device->pty);
    const int attempts = host->wait_until_answering();
    RecordProperty("attempts_to_first_reply", attempts);
  }
  // The host closes the pty, then the device is killed by its pid.
  void TearDown() override {
    host.reset();
    device.reset();
  }

  void expect_response(const received& r, std::uint16_t command, std::uint16_t sequence, const bytes& payload) {
    EXPECT_EQ(r.header, (transport::frame_header{1, frame_kind::response, command, sequence}));
    EXPECT_EQ(r.payload, payload);
  }
  void expect_error(const received& r, std::uint16_t command, std::uint16_t sequence, std::uint16_t code,
                    const std::string& message = "") {
    EXPECT_EQ(r.header, (transport::frame_header{1, frame_kind::error, command, sequence}));
    const auto e = core::decode<devices::error_payload>(r.payload, devices::builtin_endian);
    EXPECT_EQ(e.code, code);
    if (!message.empty()) {
      EXPECT_EQ(text_of(e.message), message);
    }
  }
  thermo::telemetry_sample next_sample() {
    for (;;) {
      auto f = host->next();
      if (!f) throw std::runtime_error("no telemetry event within the watchdog");
      if (f->header.kind != frame_kind::event) {
        host->stray().push_back(*f);
        continue;
      }
      EXPECT_EQ(f->header, (transport::frame_header{1, frame_kind::event, telemetry, 0}));
      return core::decode<thermo::telemetry_sample>(f->payload, core::endian::little);
    }
  }
};

// ---- every command ----

TEST_P(three_devices, get_info_answers_firmware_1_4_2_serial_20240601_named_thermo_byte_for_byte) {
  bytes expected{1, 4, 2, 0};
  put32(expected, 20240601);
  const std::string name = "thermo";
  expected.insert(expected.end(), name.begin(), name.end());
  expected.resize(expected.size() + 16 - name.size(), 0);
  expect_response(host->call(get_info, 1), get_info, 1, expected);
}

TEST_P(three_devices, read_sensors_numbers_its_readings_and_reads_every_active_channel_in_range) {
  for (std::uint32_t k = 0; k < 3; ++k) {
    const auto r = host->call(read_sensors, static_cast<std::uint16_t>(10 + k));
    ASSERT_EQ(r.header.kind, frame_kind::response);
    ASSERT_EQ(r.payload.size(), 6u + 2 * 4);
    const auto s = core::decode<thermo::sensor_readings>(r.payload, core::endian::little);
    EXPECT_EQ(s.sequence, k);
    EXPECT_GE(s.supply_mv, 3297);
    EXPECT_LE(s.supply_mv, 3303);
    for (std::size_t c = 0; c < s.temps_cdeg.size(); ++c) {
      EXPECT_GE(s.temps_cdeg[c], 2150 + 37 * static_cast<int>(c) - 5) << "channel " << c;
      EXPECT_LE(s.temps_cdeg[c], 2150 + 37 * static_cast<int>(c) + 5) << "channel " << c;
    }
  }
}

TEST_P(three_devices, set_led_takes_indexes_0_to_7_with_an_empty_response) {
  expect_response(host->call(set_led, 1, {0, 255, 0, 0}), set_led, 1, {});
  expect_response(host->call(set_led, 2, {7, 1, 2, 3}), set_led, 2, {});
}

TEST_P(three_devices, get_config_starts_at_the_power_up_values_and_set_config_keeps_what_it_answers) {
  expect_response(host->call(get_config, 1), get_config, 1, config_bytes(4, 100, 8000, 0));
  const bytes wanted = config_bytes(2, 250, -1500, 1);
  expect_response(host->call(set_config, 2, wanted), set_config, 2, wanted);
  expect_response(host->call(get_config, 3), get_config, 3, wanted);
  const auto r = host->call(read_sensors, 4);
  EXPECT_EQ(core::decode<thermo::sensor_readings>(r.payload, core::endian::little).temps_cdeg.size(), 2u);
}

TEST_P(three_devices, stop_telemetry_answers_also_when_nothing_streams) {
  expect_response(host->call(stop_telemetry, 1), stop_telemetry, 1, {});
}

// ---- error replies ----

TEST_P(three_devices, a_request_payload_that_does_not_decode_gets_bad_request) {
  expect_error(host->call(set_led, 1, {2, 1, 1}), set_led, 1, devices::error_code::bad_request);        // short
  expect_error(host->call(set_led, 2, {2, 1, 1, 1, 9}), set_led, 2, devices::error_code::bad_request);  // trailing
  expect_error(host->call(get_info, 3, {0}), get_info, 3, devices::error_code::bad_request);            // null takes none
  expect_error(host->call(start_telemetry, 4, {5}), start_telemetry, 4, devices::error_code::bad_request);
  expect_error(host->call(set_config, 5, bytes(5, 1)), set_config, 5, devices::error_code::bad_request);
  expect_error(host->call(stop_telemetry, 6, {1, 2}), stop_telemetry, 6, devices::error_code::bad_request);
  // The device is still there and nothing changed.
  expect_response(host->call(get_config, 7), get_config, 7, config_bytes(4, 100, 8000, 0));
}

TEST_P(three_devices, arguments_out_of_range_get_out_of_range_naming_the_value_and_the_range) {
  expect_error(host->call(set_led, 1, {8, 0, 0, 0}), set_led, 1, devices::error_code::out_of_range,
               "LED index 8 is outside 0..7");
  expect_error(host->call(set_config, 2, config_bytes(9, 100, 0, 0)), set_config, 2, devices::error_code::out_of_range,
               "channels 9 is outside 1..8");
  expect_error(host->call(set_config, 3, config_bytes(0, 100, 0, 0)), set_config, 3, devices::error_code::out_of_range,
               "channels 0 is outside 1..8");
  expect_error(host->call(set_config, 4, config_bytes(3, 9, 0, 0)), set_config, 4, devices::error_code::out_of_range,
               "sample_period_ms 9 is outside 10..60000");
  expect_error(host->call(set_config, 5, config_bytes(3, 60001, 0, 0)), set_config, 5,
               devices::error_code::out_of_range, "sample_period_ms 60001 is outside 10..60000");
  expect_error(host->call(start_telemetry, 6, rate_bytes(0)), start_telemetry, 6, devices::error_code::out_of_range,
               "rate_hz 0 is outside 1..1000");
  expect_error(host->call(start_telemetry, 7, rate_bytes(1001)), start_telemetry, 7,
               devices::error_code::out_of_range, "rate_hz 1001 is outside 1..1000");
  // A refused configuration is not kept.
  expect_response(host->call(get_config, 8), get_config, 8, config_bytes(4, 100, 8000, 0));
}

TEST_P(three_devices, an_unknown_command_id_gets_unknown_command) {
  expect_error(host->call(0x0042, 1), 0x0042, 1, devices::error_code::unknown_command, "no command with id 66");
  expect_error(host->call(0x0100, 2), 0x0100, 2, devices::error_code::unknown_command, "no command with id 256");
}

// ---- describe ----

TEST_P(three_devices, describe_serves_the_profiles_canonical_text_in_chunks_with_its_hash) {
  const std::string canonical = thermo_profile().to_json().dump();
  const auto head = core::decode<devices::builtin::describe_response>(host->call(describe, 1, describe_bytes(0, 0)).payload,
                                                             devices::builtin_endian);
  EXPECT_EQ(head.hash, thermo_profile().hash());
  EXPECT_EQ(head.total, canonical.size());
  EXPECT_TRUE(head.chunk.empty());

  std::string text;
  for (std::uint16_t seq = 2; text.size() < head.total; ++seq) {
    const auto r = host->call(describe, seq, describe_bytes(static_cast<std::uint32_t>(text.size()), 300));
    ASSERT_EQ(r.header.kind, frame_kind::response);
    const auto d = core::decode<devices::builtin::describe_response>(r.payload, devices::builtin_endian);
    ASSERT_EQ(d.hash, head.hash);
    ASSERT_FALSE(d.chunk.empty());
    ASSERT_LE(d.chunk.size(), 300u);
    text += text_of(d.chunk);
  }
  EXPECT_EQ(text, canonical);

  // max_bytes is clamped at the text's end; an offset past it gets no text.
  const auto all = core::decode<devices::builtin::describe_response>(
      host->call(describe, 100, describe_bytes(0, 0xFFFF)).payload, devices::builtin_endian);
  EXPECT_EQ(text_of(all.chunk), canonical);
  const auto past = core::decode<devices::builtin::describe_response>(
      host->call(describe, 101, describe_bytes(head.total + 5, 10)).payload, devices::builtin_endian);
  EXPECT_TRUE(past.chunk.empty());
  EXPECT_EQ(past.total, head.total);
  expect_error(host->call(describe, 102, {0, 0}), describe, 102, devices::error_code::bad_request);
}

// ---- events ----

TEST_P(three_devices, start_telemetry_streams_samples_numbered_from_0_until_stop_telemetry) {
  expect_response(host->call(start_telemetry, 1, rate_bytes(50)), start_telemetry, 1, {});
  std::uint64_t last_uptime_us = 0;
  for (std::uint32_t k = 0; k < 6; ++k) {
    const auto s = next_sample();
    EXPECT_EQ(s.sequence, k);
    EXPECT_GE(s.uptime_us, last_uptime_us);
    last_uptime_us = s.uptime_us;
    ASSERT_EQ(s.temps_cdeg.size(), 4u);
    for (std::size_t c = 0; c < 4; ++c) EXPECT_NEAR(s.temps_cdeg[c], 2150 + 37 * static_cast<int>(c), 5);
  }
  // Replies come between the events, matched by sequence number.
  expect_response(host->call(get_info, 2), get_info, 2, host->call(get_info, 3).payload);
  expect_response(host->call(stop_telemetry, 4), stop_telemetry, 4, {});
  // Events sent before the stop reply may still be on their way; after a
  // round trip begun once it arrived, none comes any more.
  host->call(get_info, 5);
  host->events().clear();
  host->call(get_info, 6);
  host->call(get_config, 7);
  EXPECT_TRUE(host->events().empty()) << host->events().size() << " events after stop_telemetry";
  EXPECT_TRUE(host->stray().empty());
}

TEST_P(three_devices, start_telemetry_again_restarts_the_sample_sequence_at_0_with_the_active_channels) {
  expect_response(host->call(start_telemetry, 1, rate_bytes(100)), start_telemetry, 1, {});
  for (std::uint32_t k = 0; k < 3; ++k) EXPECT_EQ(next_sample().sequence, k);
  expect_response(host->call(set_config, 2, config_bytes(3, 100, 0, 0)), set_config, 2, config_bytes(3, 100, 0, 0));
  expect_response(host->call(start_telemetry, 3, rate_bytes(100)), start_telemetry, 3, {});
  // Samples of the old stream may still be on the line: the restart is where the sequence goes back to 0.
  std::vector<thermo::telemetry_sample> seen;
  for (auto& e : host->events()) seen.push_back(core::decode<thermo::telemetry_sample>(e.payload, core::endian::little));
  host->events().clear();
  while (seen.empty() || seen.back().sequence != 0) seen.push_back(next_sample());
  EXPECT_EQ(seen.back().temps_cdeg.size(), 3u);
  for (std::uint32_t k = 1; k < 4; ++k) {
    const auto s = next_sample();
    EXPECT_EQ(s.sequence, k);
    EXPECT_EQ(s.temps_cdeg.size(), 3u);
  }
  host->call(stop_telemetry, 4);
}

// ---- the line ----

TEST_P(three_devices, a_request_with_sequence_0_runs_but_gets_no_reply_of_any_kind) {
  host->request(set_config, 0, config_bytes(6, 100, 0, 0));  // runs
  host->request(set_led, 0, {9, 0, 0, 0});                   // an error, unsent
  host->request(0x0042, 0);                                  // an unknown command, unsent
  host->request(get_info, 0);
  expect_response(host->call(get_config, 1), get_config, 1, config_bytes(6, 100, 0, 0));
  EXPECT_TRUE(host->stray().empty()) << host->stray().size() << " replies to sequence 0";
  EXPECT_TRUE(host->events().empty());
}

TEST_P(three_devices, eight_pipelined_requests_are_answered_in_order) {
  bytes burst;
  const std::vector<std::pair<std::uint16_t, bytes>> requests{
      {get_info, {}}, {read_sensors, {}}, {set_led, {1, 2, 3, 4}}, {get_config, {}},
      {set_led, {9, 0, 0, 0}}, {set_config, config_bytes(5, 20, 1, 1)}, {read_sensors, {}}, {stop_telemetry, {}}};
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const bytes f = raw_host::request_frame(requests[i].first, static_cast<std::uint16_t>(100 + i), requests[i].second);
    burst.insert(burst.end(), f.begin(), f.end());
  }
  host->write(burst);  // one write: all eight are on the line before the first reply
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto f = host->next();
    ASSERT_TRUE(f) << "reply " << i << " of 8 did not come";
    EXPECT_EQ(f->header.sequence, 100 + i);
    EXPECT_EQ(f->header.command, requests[i].first);
    EXPECT_EQ(f->header.kind, i == 4 ? frame_kind::error : frame_kind::response);
  }
  const auto r = host->call(read_sensors, 200);
  const auto s = core::decode<thermo::sensor_readings>(r.payload, core::endian::little);
  EXPECT_EQ(s.sequence, 2u);
  EXPECT_EQ(s.temps_cdeg.size(), 5u);
}

TEST_P(three_devices, garbage_and_corrupted_frames_are_dropped_and_the_next_good_request_is_answered) {
  bytes line;
  auto add = [&](const bytes& b) { line.insert(line.end(), b.begin(), b.end()); };
  add({0x13, 0x37, 0xFF, 0x42, 0x99, 0x01, 0x00});  // garbage ending in a delimiter
  bytes corrupted = raw_host::request_frame(get_info, 1);
  corrupted[3] ^= 0x40;  // a flipped bit: the CRC does not match
  add(corrupted);
  bytes cut = raw_host::request_frame(set_led, 2, {1, 1, 1, 1});
  cut.resize(cut.size() / 2);  // cut short, then the next frame's bytes run into it
  add(cut);
  add({0x00});
  add(transport::encode_frame({2, frame_kind::request, get_info, 3}, {}));  // protocol version 2
  add(transport::encode_frame({1, static_cast<frame_kind>(7), get_info, 4}, {}));  // no such kind
  add(transport::encode_frame({1, frame_kind::response, get_info, 5}, {}));  // not a request: ignored
  add({0x02, 0x01, 0x00});  // too short
  add(bytes(300, 0x55));    // longer than any request, with no delimiter
  add({0x00});
  add(raw_host::request_frame(get_info, 6));
  host->write(line);
  const auto r = host->reply(6);
  EXPECT_EQ(r.header.kind, frame_kind::response);
  EXPECT_EQ(r.payload.size(), 24u);
  EXPECT_TRUE(host->stray().empty()) << host->stray().size() << " replies to broken or foreign frames";
  expect_response(host->call(get_config, 7), get_config, 7, config_bytes(4, 100, 8000, 0));
}

INSTANTIATE_TEST_SUITE_P(thermo, three_devices,
                         ::testing::Values(thermo_device::simulator, thermo_device::native_firmware,
                                           thermo_device::sim_exec_firmware, thermo_device::qemu_firmware),
                         [](const ::testing::TestParamInfo<thermo_device>& info) { return to_string(info.param); });

}  // namespace
