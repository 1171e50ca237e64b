// CRC-32C: check value, known vectors, incremental use, portable and SSE4.2 paths agree.
#include "comframe/transport/crc32c.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace crc32c_test {

namespace {

using comframe::transport::crc32c;
using comframe::transport::crc32c_portable;
using comframe::transport::crc32c_sse42;
using comframe::transport::crc32c_sse42_available;

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The bitwise definition, one bit at a time: the reference for the fast paths.
std::uint32_t crc32c_bitwise(std::span<const std::uint8_t> data) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (auto b : data) {
    c ^= b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1u) ? 0x82F63B78u : 0u);
  }
  return ~c;
}

TEST(crc32c, gives_the_check_value_for_123456789) {
  EXPECT_EQ(crc32c(as_bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c_portable(as_bytes("123456789")), 0xE3069283u);
  if (crc32c_sse42_available()) {
    EXPECT_EQ(crc32c_sse42(as_bytes("123456789")), 0xE3069283u);
  }
}

TEST(crc32c, gives_zero_for_empty_input) {
  EXPECT_EQ(crc32c({}), 0u);
  EXPECT_EQ(crc32c_portable({}), 0u);
}

TEST(crc32c, matches_the_rfc_3720_test_vectors) {
  // RFC 3720 (iSCSI) appendix B.4: 32 bytes of zeros, of 0xFF, ascending, descending.
  std::vector<std::uint8_t> zeros(32, 0x00), ones(32, 0xFF), up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<std::uint8_t>(i);
    down[i] = static_cast<std::uint8_t>(31 - i);
  }
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones), 0x62A8AB43u);
  EXPECT_EQ(crc32c(up), 0x46DD794Eu);
  EXPECT_EQ(crc32c(down), 0x113FDB5Cu);
}

TEST(crc32c, continues_over_pieces_as_over_the_whole) {
  const auto whole = as_bytes("The quick brown fox jumps over the lazy dog");
  for (std::size_t cut = 0; cut <= whole.size(); ++cut)
    EXPECT_EQ(crc32c(whole.subspan(cut), crc32c(whole.first(cut))), crc32c(whole)) << "cut at " << cut;
}

TEST(crc32c, portable_path_matches_the_bitwise_definition_on_random_data) {
  std::mt19937_64 rng(0xC5C32);
  std::vector<std::uint8_t> buffer(4096 + 16);
  for (auto& b : buffer) b = static_cast<std::uint8_t>(rng());
  for (int round = 0; round < 2000; ++round) {
    const std::size_t offset = rng() % 16, size = rng() % 4096;
    const std::span<const std::uint8_t> data(buffer.data() + offset, size);
    ASSERT_EQ(crc32c_portable(data), crc32c_bitwise(data)) << "offset " << offset << ", size " << size;
  }
}

TEST(crc32c, sse42_and_portable_paths_agree_on_random_lengths_and_alignments) {
  if (!crc32c_sse42_available()) GTEST_SKIP() << "this CPU has no SSE4.2";
  const std::uint64_t seed = 0x5EED42;
  std::mt19937_64 rng(seed);
  std::vector<std::uint8_t> buffer(70000);
  for (auto& b : buffer) b = static_cast<std::uint8_t>(rng());
  for (int round = 0; round < 20000; ++round) {
    const std::size_t offset = rng() % 64;
    const std::size_t size = round % 4 == 0 ? rng() % 65536 : rng() % 300;
    const auto start = static_cast<std::uint32_t>(rng());
    const std::span<const std::uint8_t> data(buffer.data() + offset, size);
    ASSERT_EQ(crc32c_sse42(data, start), crc32c_portable(data, start))
        << "seed " << seed << ", round " << round << ", offset " << offset << ", size " << size;
  }
}

TEST(crc32c, sse42_and_portable_paths_agree_on_every_length_up_to_2_kib) {
  if (!crc32c_sse42_available()) GTEST_SKIP() << "this CPU has no SSE4.2";
  std::mt19937_64 rng(2048);
  std::vector<std::uint8_t> buffer(2048 + 8);
  for (auto& b : buffer) b = static_cast<std::uint8_t>(rng());
  for (std::size_t size = 0; size <= 2048; ++size)
    for (std::size_t offset : {0u, 3u}) {
      const std::span<const std::uint8_t> data(buffer.data() + offset, size);
      ASSERT_EQ(crc32c_sse42(data), crc32c_portable(data)) << "offset " << offset << ", size " << size;
    }
}

TEST(crc32c, dispatching_entry_point_agrees_with_the_portable_path) {
  std::mt19937_64 rng(99);
  std::vector<std::uint8_t> data(1500);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  for (std::size_t n = 0; n <= data.size(); n += 7)
    ASSERT_EQ(crc32c({data.data(), n}), crc32c_portable({data.data(), n})) << n << " bytes";
}

}  // namespace

}  // namespace crc32c_test
