// COBS encode/decode: the examples of the paper and Wikipedia, edge runs, round trips.
#include "comframe/transport/cobs.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace cobs_test {

namespace {

using comframe::transport::cobs_decode;
using comframe::transport::cobs_encode;
using comframe::transport::cobs_encoder;
using comframe::transport::cobs_max_encoded_size;
using bytes = std::vector<std::uint8_t>;

bytes iota_bytes(unsigned first, unsigned last) {  // first..last inclusive
  bytes b;
  for (unsigned v = first; v <= last; ++v) b.push_back(static_cast<std::uint8_t>(v));
  return b;
}

bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

bytes encode(const bytes& data) {
  bytes out(cobs_max_encoded_size(data.size()));
  out.resize(cobs_encode(data, out));
  return out;
}

std::optional<bytes> decode(const bytes& encoded) {
  bytes out(encoded.size());
  auto n = cobs_decode(encoded, out);
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

struct example {
  std::string name;
  bytes data;
  bytes encoded;  // without the 0x00 delimiter
};

// Wikipedia "Consistent Overhead Byte Stuffing", examples 1-11, plus the empty string.
std::vector<example> wikipedia_examples() {
  return {
      {"empty", {}, {0x01}},
      {"1: one zero", {0x00}, {0x01, 0x01}},
      {"2: two zeros", {0x00, 0x00}, {0x01, 0x01, 0x01}},
      {"3", {0x00, 0x11, 0x00}, {0x01, 0x02, 0x11, 0x01}},
      {"4", {0x11, 0x22, 0x00, 0x33}, {0x03, 0x11, 0x22, 0x02, 0x33}},
      {"5", {0x11, 0x22, 0x33, 0x44}, {0x05, 0x11, 0x22, 0x33, 0x44}},
      {"6", {0x11, 0x00, 0x00, 0x00}, {0x02, 0x11, 0x01, 0x01, 0x01}},
      {"7: 254 non-zero bytes", iota_bytes(0x01, 0xFE), cat({{0xFF}, iota_bytes(0x01, 0xFE)})},
      {"8: zero then 254 non-zero", iota_bytes(0x00, 0xFE), cat({{0x01, 0xFF}, iota_bytes(0x01, 0xFE)})},
      {"9: 255 non-zero bytes", iota_bytes(0x01, 0xFF), cat({{0xFF}, iota_bytes(0x01, 0xFE), {0x02, 0xFF}})},
      {"10: 254 non-zero then zero", cat({iota_bytes(0x02, 0xFF), {0x00}}),
       cat({{0xFF}, iota_bytes(0x02, 0xFF), {0x01, 0x01}})},
      {"11: 253 non-zero, zero, one more", cat({iota_bytes(0x03, 0xFF), {0x00, 0x01}}),
       cat({{0xFE}, iota_bytes(0x03, 0xFF), {0x02, 0x01}})},
  };
}

TEST(cobs, encodes_the_wikipedia_examples_exactly) {
  for (const auto& e : wikipedia_examples()) EXPECT_EQ(encode(e.data), e.encoded) << "example " << e.name;
}

TEST(cobs, decodes_the_wikipedia_examples_exactly) {
  for (const auto& e : wikipedia_examples()) {
    auto back = decode(e.encoded);
    ASSERT_TRUE(back.has_value()) << "example " << e.name;
    EXPECT_EQ(*back, e.data) << "example " << e.name;
  }
}

TEST(cobs, encodes_all_zero_input_as_one_code_byte_per_zero_plus_one) {
  for (std::size_t n : {1u, 2u, 253u, 254u, 255u, 1000u}) {
    EXPECT_EQ(encode(bytes(n, 0x00)), bytes(n + 1, 0x01)) << n << " zeros";
    EXPECT_EQ(decode(bytes(n + 1, 0x01)), bytes(n, 0x00)) << n << " zeros";
  }
}

TEST(cobs, splits_long_zero_free_runs_every_254_bytes) {
  const bytes data(254 * 3 + 5, 0xAB);
  const bytes encoded = encode(data);
  ASSERT_EQ(encoded.size(), data.size() + 4);
  EXPECT_EQ(encoded[0], 0xFF);
  EXPECT_EQ(encoded[255], 0xFF);
  EXPECT_EQ(encoded[510], 0xFF);
  EXPECT_EQ(encoded[765], 6);
  EXPECT_EQ(decode(encoded), data);
}

TEST(cobs, max_encoded_size_is_reached_by_zero_free_input_and_never_exceeded) {
  for (std::size_t n = 0; n <= 1100; ++n) {
    EXPECT_EQ(encode(bytes(n, 0x5A)).size(), cobs_max_encoded_size(n)) << n << " bytes";
    EXPECT_LE(encode(bytes(n, 0x00)).size(), cobs_max_encoded_size(n)) << n << " bytes";
  }
}

TEST(cobs, round_trips_random_data_of_every_size_and_zero_density) {
  std::mt19937_64 rng(20240611);
  for (std::size_t n = 0; n <= 1100; ++n) {
    for (unsigned zero_per_mille : {0u, 4u, 100u, 500u, 1000u}) {
      bytes data(n);
      for (auto& b : data)
        b = (rng() % 1000 < zero_per_mille) ? 0 : static_cast<std::uint8_t>(1 + rng() % 255);
      const bytes encoded = encode(data);
      ASSERT_LE(encoded.size(), cobs_max_encoded_size(n));
      for (auto b : encoded) ASSERT_NE(b, 0) << n << " bytes, " << zero_per_mille << "/1000 zeros";
      auto back = decode(encoded);
      ASSERT_TRUE(back.has_value()) << n << " bytes, " << zero_per_mille << "/1000 zeros";
      ASSERT_EQ(*back, data) << n << " bytes, " << zero_per_mille << "/1000 zeros";
      ASSERT_LT(back->size(), encoded.size());
    }
  }
}

TEST(cobs, encode_and_decode_stay_inside_exactly_sized_buffers) {
  std::mt19937_64 rng(31);
  for (int round = 0; round < 3000; ++round) {
    bytes data(rng() % 600);
    const unsigned zero_one_in = 1 + static_cast<unsigned>(rng() % 20);
    for (auto& b : data) b = (rng() % zero_one_in == 0) ? 0 : static_cast<std::uint8_t>(1 + rng() % 255);
    const bytes encoded = encode(data);
    // Guard bytes around an output of exactly the needed size.
    bytes enc_area(encoded.size() + 64, 0xEE);
    const std::span<std::uint8_t> enc_out(enc_area.data() + 32, cobs_max_encoded_size(data.size()));
    ASSERT_EQ(cobs_encode(data, enc_out), encoded.size());
    bytes dec_area(data.size() + 64 + 2, 0xEE);
    const std::span<std::uint8_t> dec_out(dec_area.data() + 32, data.size());
    ASSERT_EQ(cobs_decode(encoded, dec_out), std::optional<std::size_t>(data.size())) << "round " << round;
    ASSERT_EQ(bytes(dec_out.begin(), dec_out.end()), data) << "round " << round;
    for (std::size_t g = 0; g < 32; ++g) {
      ASSERT_EQ(enc_area[g], 0xEE);
      ASSERT_EQ(dec_area[g], 0xEE);
      ASSERT_EQ(dec_area[dec_area.size() - 1 - g], 0xEE) << "round " << round;
    }
    for (std::size_t g = 32 + enc_out.size(); g < enc_area.size(); ++g) ASSERT_EQ(enc_area[g], 0xEE);
  }
}

TEST(cobs, encoder_fed_in_pieces_writes_the_same_bytes_as_in_one_go) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 2000; ++round) {
    bytes data(rng() % 800);
    for (auto& b : data) b = (rng() % 8 == 0) ? 0 : static_cast<std::uint8_t>(rng());
    bytes out(cobs_max_encoded_size(data.size()));
    cobs_encoder enc(out);
    std::size_t at = 0;
    while (at < data.size()) {
      const std::size_t piece = std::min<std::size_t>(data.size() - at, rng() % 300);
      enc.append(std::span<const std::uint8_t>(data).subspan(at, piece));
      at += piece;
    }
    out.resize(enc.finish());
    ASSERT_EQ(out, encode(data)) << "round " << round;
  }
}

TEST(cobs, encode_refuses_an_output_buffer_below_the_maximum_and_writes_nothing) {
  const bytes data(10, 0x00);  // encodes to 11 bytes, the maximum
  bytes out(10, 0xEE);
  try {
    cobs_encode(data, out);
    FAIL() << "no exception";
  } catch (const comframe::usage_error& e) {
    EXPECT_EQ(e.id(), "transport.usage");
    EXPECT_NE(std::string(e.what()).find("10 bytes"), std::string::npos) << e.what();
  }
  EXPECT_EQ(out, bytes(10, 0xEE));
}

TEST(cobs, decode_rejects_empty_input) { EXPECT_FALSE(decode({}).has_value()); }

TEST(cobs, decode_rejects_a_zero_byte_inside_the_encoding) {
  EXPECT_FALSE(decode({0x03, 0x11, 0x00}).has_value());
  EXPECT_FALSE(decode({0x00, 0x01}).has_value());
}

TEST(cobs, decode_rejects_a_block_that_runs_past_the_end) {
  EXPECT_FALSE(decode({0x05, 0x11, 0x22}).has_value());
  EXPECT_FALSE(decode({0x02, 0x11, 0xFF}).has_value());
  EXPECT_FALSE(decode(bytes{0xFF}).has_value());
}

TEST(cobs, decode_rejects_an_output_buffer_too_small) {
  const bytes encoded = {0x03, 0x11, 0x22, 0x02, 0x33};  // decodes to 4 bytes
  bytes out(3);
  EXPECT_FALSE(cobs_decode(encoded, out).has_value());
  out.resize(4);
  EXPECT_EQ(cobs_decode(encoded, out), std::optional<std::size_t>(4));
}

}  // namespace

// Some encoders end a frame whose last block is a full 254-byte block with an
// extra empty block (`01`); it stands for nothing, and the decoder takes both forms.
TEST(cobs, decode_accepts_the_trailing_01_form_after_a_full_block) {
  const bytes data = iota_bytes(0x01, 0xFE);  // 254 non-zero bytes
  EXPECT_EQ(decode(cat({{0xFF}, data})), data);
  EXPECT_EQ(decode(cat({{0xFF}, data, {0x01}})), data);
}

}  // namespace cobs_test
