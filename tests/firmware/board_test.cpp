// A board written in C with the kit (board.c, compiled with the kit's strict
// C99 flags) talked to as a host would: requests in through its "interrupt",
// replies and events out through its putc, read with the host's decoder.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "board.h"
#include "comframe/core/codec.hpp"
#include "comframe/devices/command.hpp"
#include "comframe/transport/frame.hpp"

namespace {

using namespace comframe;
using bytes = std::vector<std::uint8_t>;
using transport::frame_kind;

struct received {
  transport::frame_header header;
  bytes payload;
};

struct host_side : ::testing::Test {
  board b;
  bytes line;  // what the board sent
  std::string profile = R"({"comframe_profile":1,"device":"cboard"})";

  static void putc(void* user, std::uint8_t byte) { static_cast<host_side*>(user)->line.push_back(byte); }
  void SetUp() override { board_init(&b, profile.data(), static_cast<std::uint32_t>(profile.size()), putc, this); }

  void send(std::uint16_t command, std::uint16_t sequence, const bytes& payload) {
    for (const std::uint8_t byte : transport::encode_frame({1, frame_kind::request, command, sequence}, payload))
      board_uart_rx(&b, byte);
  }
  std::vector<received> frames_sent() {
    transport::frame_decoder d;
    std::vector<received> got;
    d.feed(line, [&](const transport::frame_view& f) { got.push_back({f.header, bytes(f.payload.begin(), f.payload.end())}); });
    EXPECT_EQ(d.stats().errors(), 0u);
    line.clear();
    return got;
  }
};

std::uint16_t error_code_of(const received& r) {
  return core::decode<devices::error_payload>(r.payload, devices::builtin_endian).code;
}

TEST_F(host_side, answers_requests_received_by_its_interrupt_then_sends_an_event) {
  send(BOARD_GET_INFO, 1, {});
  board_main_loop_step(&b);
  const auto got = frames_sent();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].header, (transport::frame_header{1, frame_kind::response, BOARD_GET_INFO, 1}));
  EXPECT_EQ(std::string(got[0].payload.begin(), got[0].payload.end()), "cboard");
  EXPECT_EQ(got[1].header, (transport::frame_header{1, frame_kind::event, BOARD_TICK_EVENT, 0}));
  EXPECT_EQ(got[1].payload, (bytes{1, 0, 0, 0}));
}

TEST_F(host_side, answers_two_pipelined_requests_from_its_two_slots_and_drops_a_third) {
  send(BOARD_SET_LED, 1, {2, 10, 20, 30});
  send(BOARD_SET_LED, 2, {9, 0, 0, 0});
  send(BOARD_GET_INFO, 3, {});  // both slots are full: dropped
  board_main_loop_step(&b);
  const auto got = frames_sent();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].header.kind, frame_kind::response);
  EXPECT_EQ(got[1].header.kind, frame_kind::error);
  EXPECT_EQ(error_code_of(got[1]), devices::error_code::out_of_range);
  EXPECT_EQ(got[2].header.kind, frame_kind::event);
  EXPECT_EQ(b.leds[2][1], 20);
  EXPECT_EQ(b.rx.stats.overrun, 1u);
}

TEST_F(host_side, serves_describe_from_its_profile_text) {
  send(0xFFF0, 5, {0, 0, 0, 0, 0xFF, 0xFF});
  board_main_loop_step(&b);
  const auto got = frames_sent();
  ASSERT_EQ(got.size(), 2u);
  const auto r = core::decode<devices::builtin::describe_response>(got[0].payload, devices::builtin_endian);
  EXPECT_EQ(std::string(r.chunk.begin(), r.chunk.end()), profile);
  EXPECT_EQ(r.total, profile.size());
  EXPECT_EQ(r.hash, cf_fnv1a64(profile.data(), profile.size()));
}

}  // namespace
