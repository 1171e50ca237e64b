// The kit's COBS: the examples of docs/protocol.md, and byte-identical results
// with the host's transport/cobs.hpp both ways for random data — into a buffer,
// piece by piece, and through a putc callback with the 254-byte lookahead.
#include <gtest/gtest.h>

#include <random>

#include "comframe/firmware/cobs.h"
#include "comframe/transport/cobs.hpp"
#include "firmware/kit_support.hpp"

namespace cobs_test {

namespace {

using namespace comframe::test::kit;
namespace transport = comframe::transport;

bytes kit_encode(const bytes& data) {
  bytes out(COMFRAME_COBS_MAX_ENCODED_SIZE(data.size()));
  const std::size_t n = cf_cobs_encode(data.data(), data.size(), out.data(), out.size());
  out.resize(n);
  return out;
}

// Piece by piece through a putc callback: pieces cut at random.
bytes kit_encode_putc(const bytes& data, std::mt19937_64& rng) {
  sink s;
  std::uint8_t lookahead[COMFRAME_COBS_MAX_BLOCK_DATA];
  cf_cobs_encoder e;
  cf_cobs_encoder_init_putc(&e, lookahead, sink::putc, &s);
  for (std::size_t at = 0; at < data.size();) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 300, data.size() - at);
    cf_cobs_encoder_write(&e, data.data() + at, n);
    at += n;
  }
  EXPECT_EQ(cf_cobs_encoder_finish(&e), 0u);
  return s.out;
}

bytes host_encode(const bytes& data) {
  bytes out(transport::cobs_max_encoded_size(data.size()));
  out.resize(transport::cobs_encode(data, out));
  return out;
}

TEST(firmware_cobs, encodes_the_examples_of_the_protocol_doc) {
  EXPECT_EQ(kit_encode({}), (bytes{0x01}));
  EXPECT_EQ(kit_encode({0x00}), (bytes{0x01, 0x01}));
  EXPECT_EQ(kit_encode({0x11, 0x22, 0x00, 0x33}), (bytes{0x03, 0x11, 0x22, 0x02, 0x33}));
  bytes run254(254), run255(255);
  for (std::size_t i = 0; i < 255; ++i) {
    if (i < 254) run254[i] = static_cast<std::uint8_t>(i + 1);
    run255[i] = static_cast<std::uint8_t>(i + 1);
  }
  bytes want254{0xFF};
  want254.insert(want254.end(), run254.begin(), run254.end());
  EXPECT_EQ(kit_encode(run254), want254);
  bytes want255 = want254;
  want255.insert(want255.end(), {0x02, 0xFF});
  EXPECT_EQ(kit_encode(run255), want255);
}

TEST(firmware_cobs, encodes_and_decodes_as_the_host_does_for_random_data) {
  std::mt19937_64 rng(0xC0B5u);
  for (int round = 0; round < 3000; ++round) {
    const bytes data = random_bytes(rng, random_size(rng, 1200));
    const bytes host = host_encode(data);
    ASSERT_EQ(kit_encode(data), host) << "size " << data.size();
    ASSERT_EQ(kit_encode_putc(data, rng), host) << "size " << data.size();

    bytes back(host.size());
    std::size_t n = 0;
    ASSERT_TRUE(cf_cobs_decode(host.data(), host.size(), back.data(), back.size(), &n));
    back.resize(n);
    ASSERT_EQ(back, data);
  }
}

TEST(firmware_cobs, refuses_what_the_host_refuses_and_accepts_what_it_accepts) {
  std::mt19937_64 rng(0xBADC0B5u);
  for (int round = 0; round < 20000; ++round) {
    bytes encoded(1 + rng() % 40);
    for (auto& b : encoded) b = static_cast<std::uint8_t>(rng() % 8 == 0 ? rng() % 4 : rng());
    bytes host_out(encoded.size()), kit_out(encoded.size());
    const auto host = transport::cobs_decode(encoded, host_out);
    std::size_t n = 0;
    const bool kit = cf_cobs_decode(encoded.data(), encoded.size(), kit_out.data(), kit_out.size(), &n);
    ASSERT_EQ(kit, host.has_value());
    if (kit) {
      ASSERT_EQ(n, *host);
      ASSERT_TRUE(std::equal(kit_out.begin(), kit_out.begin() + static_cast<std::ptrdiff_t>(n), host_out.begin()));
    }
  }
}

TEST(firmware_cobs, accepts_the_optional_empty_block_after_a_full_one) {
  bytes encoded{0xFF};
  for (int i = 1; i <= 254; ++i) encoded.push_back(static_cast<std::uint8_t>(i));
  encoded.push_back(0x01);
  bytes out(encoded.size());
  std::size_t n = 0;
  ASSERT_TRUE(cf_cobs_decode(encoded.data(), encoded.size(), out.data(), out.size(), &n));
  EXPECT_EQ(n, 254u);
}

TEST(firmware_cobs, encode_writes_nothing_into_a_buffer_too_small) {
  const bytes data(300, 0x55);
  bytes out(COMFRAME_COBS_MAX_ENCODED_SIZE(data.size()) - 1, 0xEE);
  EXPECT_EQ(cf_cobs_encode(data.data(), data.size(), out.data(), out.size()), 0u);
  EXPECT_EQ(out, bytes(out.size(), 0xEE));
}

TEST(firmware_cobs, decode_refuses_an_output_buffer_too_small) {
  const bytes encoded = host_encode(bytes(10, 0x42));
  bytes out(9);
  std::size_t n = 0;
  EXPECT_FALSE(cf_cobs_decode(encoded.data(), encoded.size(), out.data(), out.size(), &n));
}

}  // namespace

}  // namespace cobs_test
