// The kit's CRC-32C: the standard check value, the RFC 3720 vectors, and the
// same result as the host's transport::crc32c for random data, continued over
// pieces — for the table-driven cf_crc32c, the bitwise cf_crc32c_bitwise, and
// (in firmware_crc32c_tableless_test and firmware_crc32c_slice16_test) kits built
// with COMFRAME_CRC32C_TABLELESS and COMFRAME_CRC32C_SLICE16.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "comframe/firmware/crc32c.h"
#include "comframe/transport/crc32c.hpp"
#include "firmware/kit_support.hpp"

namespace crc32c_test {

namespace {

using namespace comframe::test::kit;

TEST(firmware_crc32c, gives_the_check_value_for_123456789) {
  EXPECT_EQ(cf_crc32c("123456789", 9, 0), 0xE3069283u);
  EXPECT_EQ(cf_crc32c_bitwise("123456789", 9, 0), 0xE3069283u);
}

TEST(firmware_crc32c, gives_zero_for_empty_input) {
  EXPECT_EQ(cf_crc32c(nullptr, 0, 0), 0u);
  EXPECT_EQ(cf_crc32c_bitwise(nullptr, 0, 0), 0u);
}

TEST(firmware_crc32c, matches_the_rfc_3720_test_vectors) {
  std::uint8_t zeros[32] = {}, ones[32], up[32], down[32];
  std::memset(ones, 0xFF, sizeof ones);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<std::uint8_t>(i);
    down[i] = static_cast<std::uint8_t>(31 - i);
  }
  for (auto crc : {cf_crc32c, cf_crc32c_bitwise}) {
    EXPECT_EQ(crc(zeros, 32, 0), 0x8A9136AAu);
    EXPECT_EQ(crc(ones, 32, 0), 0x62A8AB43u);
    EXPECT_EQ(crc(up, 32, 0), 0x46DD794Eu);
    EXPECT_EQ(crc(down, 32, 0), 0x113FDB5Cu);
  }
}

TEST(firmware_crc32c, equals_the_hosts_crc_for_random_data_in_random_pieces) {
  std::mt19937_64 rng(0xC5C32u);
  for (int round = 0; round < 2000; ++round) {
    const bytes data = random_bytes(rng, random_size(rng, 2000));
    const std::uint32_t host = comframe::transport::crc32c(data);
    EXPECT_EQ(cf_crc32c(data.data(), data.size(), 0), host);
    EXPECT_EQ(cf_crc32c_bitwise(data.data(), data.size(), 0), host);
    const std::size_t cut = data.empty() ? 0 : rng() % data.size();
    EXPECT_EQ(cf_crc32c(data.data() + cut, data.size() - cut, cf_crc32c(data.data(), cut, 0)), host);
  }
}

}  // namespace

}  // namespace crc32c_test
