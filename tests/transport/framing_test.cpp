// The framing interface's comframe framing: what it tells of a refused frame.
#include "comframe/transport/framing.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace framing_test {

namespace {

using namespace comframe::transport;

// Feeds `wire` and returns the header damaged_header() reads from each refused frame.
std::vector<std::optional<frame_header>> refused_headers(framing& f, const std::vector<std::uint8_t>& wire) {
  std::vector<std::optional<frame_header>> out;
  f.feed(
      wire, [](const frame_view&) {},
      [&](frame_error, std::span<const std::uint8_t> raw) { out.push_back(f.damaged_header(raw)); });
  return out;
}

TEST(comframe_framing, a_frame_that_failed_its_crc_still_says_what_it_was_and_which_request_it_answers) {
  auto f = make_comframe_framing({direction::from_device, nullptr, default_max_payload_size});
  const frame_header sent{1, frame_kind::response, 0x0102, 0x0304};
  const std::vector<std::uint8_t> payload{9, 8, 7};
  std::vector<std::uint8_t> wire;
  f->encode(sent, payload, wire);
  wire[wire.size() - 2] ^= 0x40;  // a bit of the CRC (the last byte is the 0x00 delimiter)
  const auto got = refused_headers(*f, wire);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].has_value());
  EXPECT_EQ(*got[0], sent);
  EXPECT_EQ(f->stats().crc_errors, 1u);
}

TEST(comframe_framing, a_refused_frame_too_short_for_a_header_has_none) {
  auto f = make_comframe_framing({direction::from_device, nullptr, default_max_payload_size});
  const auto got = refused_headers(*f, {0x04, 1, 1, 1, 0x00});  // three bytes after COBS
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].has_value());
}

}  // namespace

}  // namespace framing_test
