// Property: whatever garbage, corruption and chunking surround them, every
// intact frame is delivered exactly once and in order, and no damaged frame is.
//
// The stream (frame_stream_scenario.hpp) is built from random frames (payloads
// of 0..max bytes, some zero-heavy, some all zeros), random garbage between
// them (which may contain 0x00 and may or may not end with one), some frames
// with random bytes corrupted (the delimiter included) and some oversize
// frames. It is fed in random chunks of 1 byte to 64 KiB, and one byte at a time.
//
// The seed is fixed so failures reproduce; set COMFRAME_PROPERTY_SEED to try others.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "comframe/transport/frame.hpp"
#include "transport/frame_stream_scenario.hpp"

namespace frame_property_test {

namespace {

using namespace comframe::transport;
using namespace comframe::test::frame_stream;

// Feeds the stream in chunks whose sizes `next_chunk` picks; returns what was delivered.
template <class NextChunk>
std::vector<sent_frame> run(const scenario& sc, NextChunk next_chunk, decoder_stats& stats) {
  frame_decoder decoder(max_payload_size);
  std::vector<sent_frame> got;
  const std::span<const std::uint8_t> all(sc.stream);
  for (std::size_t at = 0; at < all.size();) {
    const std::size_t n = std::min(next_chunk(), all.size() - at);
    decoder.feed(all.subspan(at, n),
                 [&](const frame_view& f) { got.push_back({f.header, bytes(f.payload.begin(), f.payload.end())}); });
    at += n;
  }
  stats = decoder.stats();
  return got;
}

void expect_exactly_the_intact_frames(const scenario& sc, const std::vector<sent_frame>& got,
                                      const decoder_stats& stats, const std::string& how) {
  SCOPED_TRACE(how);
  ASSERT_EQ(first_difference(sc, got), "") << "the delivered frames are exactly the intact ones";
  EXPECT_EQ(stats.frames, sc.intact.size());
  EXPECT_EQ(stats.bytes, sc.stream.size());
  EXPECT_GE(stats.oversize, sc.oversize) << "each oversize frame is refused as oversize";
  // Damaged frames that run together are refused together, as one error.
  EXPECT_GE(stats.errors(), sc.oversize + 1);
}

TEST(frame_property, every_intact_frame_arrives_once_in_order_whatever_garbage_corruption_and_chunking) {
  for (std::uint64_t round = 0; round < 3; ++round) {
    const std::uint64_t seed = base_seed() + round;
    SCOPED_TRACE(seed_note(seed));
    const scenario sc = make_scenario(seed, 1500);
    ASSERT_GT(sc.intact.size(), sc.frames / 2);
    ASSERT_TRUE(has_every_kind_of_damage(sc));

    std::mt19937_64 rng(seed ^ 0xC4u);
    decoder_stats random_stats, bytewise_stats, whole_stats;
    // Chunk sizes spread over 1 B .. 64 KiB, small ones as likely as large ones.
    auto random_chunk = [&] { return 1 + static_cast<std::size_t>(rng() % (std::size_t{1} << (rng() % 17))); };
    expect_exactly_the_intact_frames(sc, run(sc, random_chunk, random_stats), random_stats, "random chunks");
    expect_exactly_the_intact_frames(sc, run(sc, [] { return std::size_t{1}; }, bytewise_stats), bytewise_stats,
                                     "one byte at a time");
    expect_exactly_the_intact_frames(sc, run(sc, [&] { return sc.stream.size(); }, whole_stats), whole_stats,
                                     "all at once");
    EXPECT_EQ(random_stats, bytewise_stats) << "the counters do not depend on the chunking";
    EXPECT_EQ(whole_stats, bytewise_stats) << "the counters do not depend on the chunking";
  }
}

}  // namespace

}  // namespace frame_property_test
