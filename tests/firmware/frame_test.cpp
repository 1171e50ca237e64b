// Whole frames: what the kit encodes — into a buffer or through a putc
// callback, the payload in random pieces — is byte for byte what the host's
// transport::encode_frame makes, and each side's decoder takes the other's
// frames, for random headers and payloads (seeded).
#include <gtest/gtest.h>

#include <random>

#include "comframe/firmware/decoder.h"
#include "comframe/firmware/frame.h"
#include "comframe/transport/frame.hpp"
#include "firmware/kit_support.hpp"

namespace frame_test {

namespace {

using namespace comframe::test::kit;
namespace transport = comframe::transport;

constexpr std::size_t max_payload = 4096;

cf_header kit_header(const transport::frame_header& h) {
  return {h.version, static_cast<std::uint8_t>(h.kind), h.command, h.sequence};
}

bytes kit_encode(const transport::frame_header& h, const bytes& payload) {
  const cf_header k = kit_header(h);
  bytes out(COMFRAME_MAX_ENCODED_FRAME_SIZE(payload.size()));
  out.resize(cf_frame_encode(&k, payload.data(), payload.size(), out.data(), out.size()));
  return out;
}

bytes kit_write(const transport::frame_header& h, const bytes& payload, std::mt19937_64& rng) {
  const cf_header k = kit_header(h);
  sink s;
  cf_frame_writer w;
  cf_frame_writer_begin(&w, &k, sink::putc, &s);
  for (std::size_t at = 0; at < payload.size();) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 64, payload.size() - at);
    cf_frame_writer_write(&w, payload.data() + at, n);
    at += n;
  }
  cf_frame_writer_end(&w);
  return s.out;
}

transport::frame_header random_header(std::mt19937_64& rng) {
  return {1, static_cast<transport::frame_kind>(rng() % 4), static_cast<std::uint16_t>(rng()),
          static_cast<std::uint16_t>(rng())};
}

TEST(firmware_frame, writes_the_header_little_endian_as_the_protocol_doc_says) {
  const cf_header h{1, CF_KIND_RESPONSE, 0x1234, 0xABCD};
  std::uint8_t out[COMFRAME_HEADER_SIZE];
  cf_header_write(&h, out);
  EXPECT_EQ(bytes(out, out + 6), (bytes{0x01, 0x01, 0x34, 0x12, 0xCD, 0xAB}));
  cf_header back{};
  cf_header_read(out, &back);
  EXPECT_EQ(back.command, 0x1234);
  EXPECT_EQ(back.sequence, 0xABCD);
  EXPECT_EQ(back.kind, CF_KIND_RESPONSE);
}

TEST(firmware_frame, encodes_the_worked_example_of_the_protocol_doc) {
  // docs/protocol.md: the response to read_sensors, on the wire.
  const bytes payload{0xe8, 0x03, 0xf6, 0xff};
  EXPECT_EQ(kit_encode({1, transport::frame_kind::response, 2, 1}, payload),
            (bytes{0x04, 0x01, 0x01, 0x02, 0x02, 0x01, 0x09, 0xe8, 0x03, 0xf6, 0xff, 0x0a, 0xc1, 0x9c, 0x13, 0x00}));
  EXPECT_EQ(kit_encode({1, transport::frame_kind::request, 2, 1}, {}),
            (bytes{0x02, 0x01, 0x02, 0x02, 0x02, 0x01, 0x05, 0x65, 0xac, 0xdf, 0x14, 0x00}));
}

TEST(firmware_frame, encodes_random_frames_byte_for_byte_as_the_host_does) {
  std::mt19937_64 rng(0xF4A3Eu);
  for (int round = 0; round < 1500; ++round) {
    const auto h = random_header(rng);
    const bytes payload = random_bytes(rng, random_size(rng, max_payload));
    const bytes host = transport::encode_frame(h, payload);
    ASSERT_EQ(kit_encode(h, payload), host) << "payload of " << payload.size() << " bytes";
    ASSERT_EQ(kit_write(h, payload, rng), host) << "payload of " << payload.size() << " bytes";
  }
}

TEST(firmware_frame, each_sides_decoder_takes_the_other_sides_frames) {
  std::mt19937_64 rng(0xDEC0DEu);
  std::vector<std::uint8_t> slot(COMFRAME_DECODER_SLOT_SIZE(max_payload));
  cf_decoder kit;
  ASSERT_TRUE(cf_decoder_init(&kit, slot.data(), slot.size(), max_payload));
  transport::frame_decoder host(max_payload);
  for (int round = 0; round < 1000; ++round) {
    const auto h = random_header(rng);
    const bytes payload = random_bytes(rng, random_size(rng, max_payload));

    // The host's frame into the kit's decoder, one byte at a time.
    const bytes host_wire = transport::encode_frame(h, payload);
    for (std::size_t i = 0; i < host_wire.size(); ++i)
      ASSERT_EQ(cf_decoder_push(&kit, host_wire[i]), i + 1 == host_wire.size());
    cf_frame f;
    ASSERT_TRUE(cf_decoder_next_frame(&kit, &f));
    EXPECT_EQ(f.header.command, h.command);
    EXPECT_EQ(f.header.sequence, h.sequence);
    EXPECT_EQ(f.header.kind, static_cast<std::uint8_t>(h.kind));
    ASSERT_EQ(bytes(f.payload, f.payload + f.payload_size), payload);
    EXPECT_EQ(bytes(f.bytes, f.bytes + f.size), transport::frame_bytes(h, payload));
    cf_decoder_release_frame(&kit);

    // The kit's frame into the host's decoder.
    int frames = 0;
    host.feed(kit_encode(h, payload), [&](const transport::frame_view& v) {
      ++frames;
      EXPECT_EQ(v.header, h);
      EXPECT_TRUE(std::equal(v.payload.begin(), v.payload.end(), payload.begin(), payload.end()));
    });
    ASSERT_EQ(frames, 1);
  }
  EXPECT_EQ(host.stats().errors(), 0u);
  EXPECT_EQ(kit.stats.frames, 1000u);
}

TEST(firmware_frame, encode_refuses_a_buffer_too_small_and_writes_nothing) {
  const cf_header h{1, CF_KIND_EVENT, 7, 0};
  const bytes payload(100, 0x11);
  bytes out(COMFRAME_MAX_ENCODED_FRAME_SIZE(payload.size()) - 1, 0xEE);
  EXPECT_EQ(cf_frame_encode(&h, payload.data(), payload.size(), out.data(), out.size()), 0u);
  EXPECT_EQ(out, bytes(out.size(), 0xEE));
}

TEST(firmware_frame, the_size_macros_agree_with_the_host) {
  static_assert(COMFRAME_MAX_ENCODED_FRAME_SIZE(4096) == transport::max_encoded_frame_size(4096));
  static_assert(COMFRAME_MAX_ENCODED_FRAME_SIZE(0) == transport::max_encoded_frame_size(0));
  static_assert(COMFRAME_MAX_ENCODED_FRAME_SIZE(244) == transport::max_encoded_frame_size(244));
  static_assert(COMFRAME_MAX_PAYLOAD_SIZE == transport::default_max_payload_size);
  static_assert(COMFRAME_FRAME_SIZE(5) == transport::frame_size(5));
}

}  // namespace

}  // namespace frame_test
