// The kit's decoder: frame slots between a producer (an interrupt) and a
// consumer (the main loop), overrun when every slot is full, reset, and the
// buffer sizes init accepts.
#include <gtest/gtest.h>

#include "comframe/firmware/decoder.h"
#include "comframe/transport/frame.hpp"

namespace decoder_test {

namespace {

namespace transport = comframe::transport;
using bytes = std::vector<std::uint8_t>;

constexpr std::size_t max_payload = 32;

bytes frame_with_sequence(std::uint16_t sequence, std::size_t payload_size = 3) {
  return transport::encode_frame({1, transport::frame_kind::request, 9, sequence}, bytes(payload_size, 0x5A));
}

void push_all(cf_decoder& d, const bytes& b) {
  for (const std::uint8_t x : b) cf_decoder_push(&d, x);
}

std::uint16_t take_sequence(cf_decoder& d) {
  cf_frame f;
  if (!cf_decoder_next_frame(&d, &f)) return 0;
  const std::uint16_t s = f.header.sequence;
  cf_decoder_release_frame(&d);
  return s;
}

TEST(firmware_decoder, queues_frames_in_its_slots_until_the_consumer_releases_them) {
  bytes buffer(3 * COMFRAME_DECODER_SLOT_SIZE(max_payload));
  cf_decoder d;
  ASSERT_TRUE(cf_decoder_init(&d, buffer.data(), buffer.size(), max_payload));
  push_all(d, frame_with_sequence(1));
  push_all(d, frame_with_sequence(2));
  EXPECT_EQ(cf_decoder_queued(&d), 2u);
  cf_frame f, again;
  ASSERT_TRUE(cf_decoder_next_frame(&d, &f));
  ASSERT_TRUE(cf_decoder_next_frame(&d, &again));
  EXPECT_EQ(f.bytes, again.bytes) << "the same frame until it is released";
  EXPECT_EQ(take_sequence(d), 1);
  push_all(d, frame_with_sequence(3));
  push_all(d, frame_with_sequence(4));
  EXPECT_EQ(take_sequence(d), 2);
  EXPECT_EQ(take_sequence(d), 3);
  EXPECT_EQ(take_sequence(d), 4);
  EXPECT_EQ(take_sequence(d), 0) << "none left";
  EXPECT_EQ(d.stats.overrun, 0u);
}

TEST(firmware_decoder, drops_a_frame_that_starts_while_every_slot_is_full_and_counts_it) {
  bytes buffer(COMFRAME_DECODER_SLOT_SIZE(max_payload));
  cf_decoder d;
  ASSERT_TRUE(cf_decoder_init(&d, buffer.data(), buffer.size(), max_payload));
  push_all(d, frame_with_sequence(1));
  push_all(d, frame_with_sequence(2));  // no slot: dropped
  EXPECT_EQ(d.stats.overrun, 1u);
  EXPECT_EQ(take_sequence(d), 1) << "the queued frame is untouched";
  push_all(d, frame_with_sequence(3));
  EXPECT_EQ(take_sequence(d), 3);
  EXPECT_EQ(d.stats.frames, 2u);
}

TEST(firmware_decoder, feed_stops_after_each_good_frame) {
  bytes buffer(COMFRAME_DECODER_SLOT_SIZE(max_payload));
  cf_decoder d;
  ASSERT_TRUE(cf_decoder_init(&d, buffer.data(), buffer.size(), max_payload));
  const bytes one = frame_with_sequence(1), two = frame_with_sequence(2);
  bytes both = one;
  both.insert(both.end(), two.begin(), two.end());
  EXPECT_EQ(cf_decoder_feed(&d, both.data(), both.size()), one.size());
  EXPECT_EQ(take_sequence(d), 1);
  EXPECT_EQ(cf_decoder_feed(&d, both.data() + one.size(), two.size()), two.size());
  EXPECT_EQ(take_sequence(d), 2);
}

TEST(firmware_decoder, reset_drops_a_partial_frame_and_counts_it_as_truncated) {
  bytes buffer(COMFRAME_DECODER_SLOT_SIZE(max_payload));
  cf_decoder d;
  ASSERT_TRUE(cf_decoder_init(&d, buffer.data(), buffer.size(), max_payload));
  const bytes f = frame_with_sequence(7);
  for (std::size_t i = 0; i < 5; ++i) cf_decoder_push(&d, f[i]);
  cf_decoder_reset(&d);
  cf_decoder_reset(&d);  // nothing partial now: not counted again
  EXPECT_EQ(d.stats.truncated, 1u);
  push_all(d, f);
  EXPECT_EQ(take_sequence(d), 7);
}

TEST(firmware_decoder, refuses_payloads_over_its_maximum_as_oversize) {
  bytes buffer(COMFRAME_DECODER_SLOT_SIZE(max_payload));
  cf_decoder d;
  ASSERT_TRUE(cf_decoder_init(&d, buffer.data(), buffer.size(), max_payload));
  push_all(d, frame_with_sequence(1, max_payload + 1));
  push_all(d, frame_with_sequence(2, 4 * max_payload));
  push_all(d, frame_with_sequence(3, max_payload));
  EXPECT_EQ(d.stats.oversize, 2u);
  EXPECT_EQ(take_sequence(d), 3);
}

// Zeros cost no COBS overhead beyond their code bytes, so a frame one byte over
// the limit can pass the check of its COBS size and must be caught by its
// decoded size (where the host's decoder catches it too).
TEST(firmware_decoder, refuses_a_zero_filled_payload_one_byte_over_its_maximum_as_oversize) {
  constexpr std::size_t large = 4096;
  bytes buffer(COMFRAME_DECODER_SLOT_SIZE(large));
  cf_decoder d;
  ASSERT_TRUE(cf_decoder_init(&d, buffer.data(), buffer.size(), large));
  const bytes over = transport::encode_frame({1, transport::frame_kind::request, 1, 1}, bytes(large + 1, 0));
  ASSERT_LE(over.size() - 1, COMFRAME_COBS_MAX_ENCODED_SIZE(COMFRAME_FRAME_SIZE(large))) << "within the COBS size limit";
  push_all(d, over);
  EXPECT_EQ(d.stats.oversize, 1u);
  push_all(d, transport::encode_frame({1, transport::frame_kind::request, 1, 2}, bytes(large, 0)));
  EXPECT_EQ(take_sequence(d), 2);
}

TEST(firmware_decoder, init_refuses_a_buffer_without_room_for_one_frame) {
  bytes buffer(COMFRAME_DECODER_SLOT_SIZE(max_payload) - 1);
  cf_decoder d;
  EXPECT_FALSE(cf_decoder_init(&d, buffer.data(), buffer.size(), max_payload));
  push_all(d, frame_with_sequence(1));
  EXPECT_EQ(d.stats.overrun, 1u);
  EXPECT_EQ(cf_decoder_queued(&d), 0u);
}

}  // namespace

}  // namespace decoder_test
