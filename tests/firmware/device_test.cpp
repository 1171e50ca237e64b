// The kit's device side against the host's simulated device
// (firmware_sim::device) for the same profile text: every reply — responses,
// error replies with their codes, describe's chunks and hash — is the same
// frame byte for byte; sequence 0 gets no reply; frames that are not requests
// are ignored and counted; events are the frames the simulator sends.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "comframe/devices/command.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/firmware/device.h"
#include "comframe/firmware_sim/device.hpp"
#include "comframe/transport/frame.hpp"
#include "firmware/kit_support.hpp"

namespace device_test {

namespace {

using namespace comframe;
using namespace comframe::test::kit;
using transport::frame_header;
using transport::frame_kind;

devices::profile load_profile(const std::string& name) {
  std::ifstream in(std::string(COMFRAME_SOURCE_DIR) + "/devices/profiles/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return devices::profile::parse(text.str());
}

// A profile whose canonical text is longer than one describe reply carries.
devices::profile long_profile() {
  nlohmann::json doc = load_profile("echo.json").to_json();
  for (int i = 0; i < 120; ++i)
    doc["commands"].push_back({{"id", 100 + i},
                               {"name", "a_command_with_a_long_name_to_make_the_profile_text_long_" + std::to_string(i)},
                               {"request", "u8[]"},
                               {"response", "u8[]"}});
  return devices::profile::from_json(doc);
}

// The same three handlers on both sides: 1 reflects its request, 3 refuses
// with out_of_range and a message, 4 answers one byte more than the
// protocol's payload limit. Id 2 has no handler on either side.
constexpr std::uint16_t reflect_id = 1, refuse_id = 3, too_large_id = 4;
constexpr const char* refuse_message = "LED index 9 is outside 0..7";

std::uint16_t reflect(void*, const cf_frame* request, cf_reply* reply) {
  if (request->payload_size > reply->capacity) return CF_ERR_BAD_REQUEST;
  std::copy(request->payload, request->payload + request->payload_size, reply->payload);
  reply->size = request->payload_size;
  return CF_OK;
}
std::uint16_t refuse(void*, const cf_frame*, cf_reply* reply) {
  reply->message = refuse_message;
  return CF_ERR_OUT_OF_RANGE;
}
std::uint16_t too_large(void*, const cf_frame*, cf_reply* reply) {
  reply->size = COMFRAME_MAX_PAYLOAD_SIZE + 1;
  return CF_OK;
}
const cf_command commands[] = {{reflect_id, reflect}, {refuse_id, refuse}, {too_large_id, too_large}};

struct both_sides {
  devices::profile profile;
  std::string text = profile.to_json().dump();
  firmware_sim::device host_device{profile};
  bytes reply_buffer = bytes(COMFRAME_MAX_PAYLOAD_SIZE);
  bytes rx = bytes(COMFRAME_DECODER_SLOT_SIZE(COMFRAME_MAX_PAYLOAD_SIZE));
  cf_decoder decoder;
  cf_device kit;
  sink out;

  explicit both_sides(devices::profile p) : profile(std::move(p)) {
    host_device.on_raw(reflect_id, [](std::span<const std::uint8_t> in) { return bytes(in.begin(), in.end()); });
    host_device.on_raw(refuse_id, [](std::span<const std::uint8_t>) -> bytes {
      throw firmware_sim::device_error(devices::error_code::out_of_range, refuse_message);
    });
    host_device.on_raw(too_large_id, [](std::span<const std::uint8_t>) { return bytes(COMFRAME_MAX_PAYLOAD_SIZE + 1); });
    cf_decoder_init(&decoder, rx.data(), rx.size(), COMFRAME_MAX_PAYLOAD_SIZE);
    const cf_device_config config{commands,
                                  std::size(commands),
                                  text.data(),
                                  static_cast<std::uint32_t>(text.size()),
                                  cf_fnv1a64(text.data(), text.size()),
                                  nullptr,
                                  reply_buffer.data(),
                                  reply_buffer.size(),
                                  sink::putc,
                                  &out};
    cf_device_init(&kit, &config);
  }

  // What the kit writes for this request, fed to it as wire bytes.
  bytes kit_reply(const frame_header& h, const bytes& payload) {
    out.out.clear();
    for (const std::uint8_t b : transport::encode_frame(h, payload)) {
      if (cf_decoder_push(&decoder, b)) {
        EXPECT_EQ(cf_device_poll(&kit, &decoder), 1u);
      }
    }
    return out.out;
  }
  // What the simulated device answers, as a frame on the wire (nothing for no reply).
  bytes host_reply(const frame_header& h, const bytes& payload) {
    if (h.kind != frame_kind::request) return {};
    const auto r = host_device.handle(h, payload);
    if (!r) return {};
    return transport::encode_frame({1, r->kind, h.command, h.sequence}, r->payload);
  }
  void expect_same_reply(const frame_header& h, const bytes& payload) {
    EXPECT_EQ(kit_reply(h, payload), host_reply(h, payload))
        << "command " << h.command << ", sequence " << h.sequence << ", payload of " << payload.size() << " bytes";
  }
};

bytes describe_request(std::uint32_t offset, std::uint16_t max_bytes) {
  return {static_cast<std::uint8_t>(offset), static_cast<std::uint8_t>(offset >> 8),
          static_cast<std::uint8_t>(offset >> 16), static_cast<std::uint8_t>(offset >> 24),
          static_cast<std::uint8_t>(max_bytes), static_cast<std::uint8_t>(max_bytes >> 8)};
}

frame_header request(std::uint16_t command, std::uint16_t sequence) {
  return {1, frame_kind::request, command, sequence};
}

TEST(firmware_device, answers_commands_and_error_replies_as_the_simulated_device_does) {
  both_sides s(load_profile("echo.json"));
  std::mt19937_64 rng(0xD15Bu);
  for (int round = 0; round < 200; ++round)
    s.expect_same_reply(request(reflect_id, static_cast<std::uint16_t>(1 + round)),
                        random_bytes(rng, random_size(rng, 600)));
  s.expect_same_reply(request(refuse_id, 7), {9});
  s.expect_same_reply(request(too_large_id, 8), {});
  for (std::uint16_t unknown : {std::uint16_t{0}, std::uint16_t{9}, std::uint16_t{1234}, std::uint16_t{0xFEFF}})
    s.expect_same_reply(request(unknown, 9), {1, 2, 3});
  EXPECT_EQ(s.kit.stats.requests, 206u);
  EXPECT_EQ(s.kit.stats.replies, 206u);
  EXPECT_EQ(s.kit.stats.error_replies, 6u);
}

TEST(firmware_device, an_unknown_command_gets_code_1_with_the_simulators_message) {
  both_sides s(load_profile("echo.json"));
  const bytes wire = s.kit_reply(request(4660, 3), {});
  EXPECT_EQ(wire, s.host_reply(request(4660, 3), {}));
  transport::frame_decoder host;
  int frames = 0;
  host.feed(wire, [&](const transport::frame_view& f) {
    ++frames;
    const auto e = core::decode<devices::error_payload>(f.payload, devices::builtin_endian);
    EXPECT_EQ(e.code, devices::error_code::unknown_command);
    EXPECT_EQ(std::string(e.message.begin(), e.message.end()), "no command with id 4660");
  });
  EXPECT_EQ(frames, 1);
}

TEST(firmware_device, sequence_0_runs_the_command_and_sends_nothing_back) {
  both_sides s(load_profile("echo.json"));
  for (std::uint16_t command : {reflect_id, refuse_id, too_large_id, std::uint16_t{77}, std::uint16_t{0xFFF0}}) {
    EXPECT_TRUE(s.kit_reply(request(command, 0), {1, 2}).empty()) << "command " << command;
    EXPECT_TRUE(s.host_reply(request(command, 0), {1, 2}).empty()) << "command " << command;
  }
  EXPECT_EQ(s.kit.stats.requests, 5u);
  EXPECT_EQ(s.kit.stats.replies, 0u);
}

TEST(firmware_device, ignores_frames_that_are_not_requests_and_counts_them) {
  both_sides s(load_profile("echo.json"));
  for (frame_kind kind : {frame_kind::response, frame_kind::event, frame_kind::error})
    EXPECT_TRUE(s.kit_reply({1, kind, reflect_id, 5}, {1}).empty());
  EXPECT_EQ(s.kit.stats.wrong_kind, 3u);
  EXPECT_EQ(s.kit.stats.requests, 0u);
}

TEST(firmware_device, serves_describe_chunks_and_hash_as_the_simulated_device_does) {
  for (const auto& profile : {load_profile("echo.json"), load_profile("thermo.json"), long_profile()}) {
    both_sides s(profile);
    const auto total = static_cast<std::uint32_t>(s.text.size());
    SCOPED_TRACE(profile.device() + " profile, " + std::to_string(total) + " bytes");
    std::uint16_t sequence = 1;
    for (std::uint32_t offset : {0u, 1u, total / 2, total - 1, total, total + 1, 0xFFFFFFFFu})
      for (std::uint16_t max_bytes : {0, 1, 16, 256, 4083, 4084, 4085, 8000, 65535})
        s.expect_same_reply(request(0xFFF0, sequence++), describe_request(offset, max_bytes));
  }
}

TEST(firmware_device, describe_clamps_max_bytes_to_4084_and_the_text_reassembles_to_its_hash) {
  both_sides s(long_profile());
  ASSERT_GT(s.text.size(), 2u * COMFRAME_DESCRIBE_MAX_CHUNK) << "the test needs a text over two replies long";
  std::string fetched;
  std::uint16_t sequence = 1;
  while (fetched.size() < s.text.size()) {
    const bytes wire = s.kit_reply(request(0xFFF0, sequence++), describe_request(static_cast<std::uint32_t>(fetched.size()), 65535));
    transport::frame_decoder host;
    host.feed(wire, [&](const transport::frame_view& f) {
      ASSERT_EQ(f.header.kind, frame_kind::response);
      const auto r = core::decode<devices::builtin::describe_response>(f.payload, devices::builtin_endian);
      EXPECT_EQ(r.hash, s.profile.hash());
      EXPECT_EQ(r.total, s.text.size());
      EXPECT_LE(r.chunk.size(), 4084u);
      EXPECT_FALSE(r.chunk.empty());
      fetched.append(r.chunk.begin(), r.chunk.end());
    });
    ASSERT_LT(sequence, 100) << "no progress";
  }
  EXPECT_EQ(fetched, s.text);
  EXPECT_EQ(cf_fnv1a64(fetched.data(), fetched.size()), s.profile.hash());
}

TEST(firmware_device, describe_refuses_a_request_of_the_wrong_size_with_bad_request) {
  both_sides s(load_profile("echo.json"));
  for (const bytes& payload : {bytes{}, bytes(5), bytes(7)}) {
    for (const bytes& wire : {s.kit_reply(request(0xFFF0, 4), payload), s.host_reply(request(0xFFF0, 4), payload)}) {
      transport::frame_decoder host;
      int frames = 0;
      host.feed(wire, [&](const transport::frame_view& f) {
        ++frames;
        EXPECT_EQ(f.header.kind, frame_kind::error);
        EXPECT_EQ(core::decode<devices::error_payload>(f.payload, devices::builtin_endian).code,
                  devices::error_code::bad_request);
      });
      EXPECT_EQ(frames, 1) << payload.size() << "-byte describe request";
    }
  }
}

TEST(firmware_device, emits_events_as_the_simulator_sends_them) {
  both_sides s(load_profile("thermo.json"));
  std::mt19937_64 rng(0xE7E7u);
  for (int round = 0; round < 50; ++round) {
    const bytes payload = random_bytes(rng, random_size(rng, 300));
    s.out.out.clear();
    cf_device_emit(&s.kit, 0x0100, payload.data(), payload.size());
    EXPECT_EQ(s.out.out, transport::encode_frame({1, frame_kind::event, 0x0100, 0}, payload));
  }
  EXPECT_EQ(s.kit.stats.events, 50u);
}

TEST(firmware_device, profile_hash_is_the_hosts) {
  for (const auto& profile : {load_profile("echo.json"), load_profile("thermo.json")}) {
    const std::string text = profile.to_json().dump();
    EXPECT_EQ(cf_fnv1a64(text.data(), text.size()), profile.hash());
  }
  EXPECT_EQ(cf_fnv1a64("", 0), 0xcbf29ce484222325ull);
  EXPECT_EQ(cf_fnv1a64("a", 1), 0xaf63dc4c8601ec8cull);
}

}  // namespace

}  // namespace device_test
