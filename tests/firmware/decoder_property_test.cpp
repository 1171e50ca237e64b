// The kit's decoder fed the frame-stream property test's streams (random
// frames, garbage, corruption, oversize frames; transport/frame_stream_scenario.hpp):
// it delivers exactly the intact frames, in order, and counts every refused
// frame as the host's transport::frame_decoder does — fed one byte at a time,
// in random blocks, or all at once. Then random garbage into decoders with
// small limits and buffers of exactly their size, for the sanitizer build.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>

#include "comframe/firmware/decoder.h"
#include "comframe/transport/frame.hpp"
#include "transport/frame_stream_scenario.hpp"

namespace decoder_property_test {

namespace {

using namespace comframe::test::frame_stream;
namespace transport = comframe::transport;

// The kit's counters under the host's names, to compare with decoder_stats.
transport::decoder_stats as_host_stats(const cf_decoder_stats& s) {
  transport::decoder_stats h;
  h.frames = s.frames;
  h.bytes = s.bytes;
  h.empty_frames = s.empty_frames;
  h.cobs_errors = s.cobs_errors;
  h.too_short = s.too_short;
  h.oversize = s.oversize;
  h.crc_errors = s.crc_errors;
  h.bad_version = s.bad_version;
  h.bad_kind = s.bad_kind;
  h.truncated = s.truncated;
  return h;
}

transport::decoder_stats host_stats_of(const bytes& stream, std::size_t max_payload) {
  transport::frame_decoder host(max_payload);
  host.feed(stream, [](const transport::frame_view&) {});
  return host.stats();
}

struct kit_decoder {
  bytes buffer;
  cf_decoder d;
  explicit kit_decoder(std::size_t max_payload, std::size_t slots = 1)
      : buffer(slots * COMFRAME_DECODER_SLOT_SIZE(max_payload)) {
    EXPECT_TRUE(cf_decoder_init(&d, buffer.data(), buffer.size(), max_payload));
  }
  void take_all(std::vector<sent_frame>& got) {
    cf_frame f;
    while (cf_decoder_next_frame(&d, &f)) {
      got.push_back({{f.header.version, static_cast<transport::frame_kind>(f.header.kind), f.header.command,
                      f.header.sequence},
                     bytes(f.payload, f.payload + f.payload_size)});
      cf_decoder_release_frame(&d);
    }
  }
};

// Feeds the stream in blocks whose sizes `next_chunk` picks, handing each
// frame on as soon as feed stops after it.
template <class NextChunk>
std::vector<sent_frame> run(const scenario& sc, NextChunk next_chunk, cf_decoder_stats& stats) {
  kit_decoder k(max_payload_size);
  std::vector<sent_frame> got;
  for (std::size_t at = 0; at < sc.stream.size();) {
    const std::size_t n = std::min(next_chunk(), sc.stream.size() - at);
    for (std::size_t done = 0; done < n;) {
      done += cf_decoder_feed(&k.d, sc.stream.data() + at + done, n - done);
      k.take_all(got);
    }
    at += n;
  }
  stats = k.d.stats;
  return got;
}

std::vector<sent_frame> run_bytewise(const scenario& sc, cf_decoder_stats& stats) {
  kit_decoder k(max_payload_size);
  std::vector<sent_frame> got;
  for (const std::uint8_t b : sc.stream)
    if (cf_decoder_push(&k.d, b)) k.take_all(got);
  stats = k.d.stats;
  return got;
}

void expect_exactly_the_intact_frames(const scenario& sc, const std::vector<sent_frame>& got,
                                      const cf_decoder_stats& stats, const std::string& how) {
  SCOPED_TRACE(how);
  ASSERT_EQ(first_difference(sc, got), "") << "the delivered frames are exactly the intact ones";
  EXPECT_EQ(stats.overrun, 0u) << "frames were taken as they came";
  EXPECT_EQ(as_host_stats(stats), host_stats_of(sc.stream, max_payload_size)) << "the host's decoder counts the same";
}

TEST(firmware_decoder_property, delivers_exactly_the_intact_frames_and_counts_as_the_host_whatever_the_blocks) {
  for (std::uint64_t round = 0; round < 2; ++round) {
    const std::uint64_t seed = base_seed() + round;
    SCOPED_TRACE(seed_note(seed));
    const scenario sc = make_scenario(seed, 1500);
    ASSERT_TRUE(has_every_kind_of_damage(sc));

    std::mt19937_64 rng(seed ^ 0xC4u);
    cf_decoder_stats random_stats{}, bytewise_stats{}, whole_stats{};
    auto random_chunk = [&] { return 1 + static_cast<std::size_t>(rng() % (std::size_t{1} << (rng() % 17))); };
    expect_exactly_the_intact_frames(sc, run(sc, random_chunk, random_stats), random_stats, "random blocks");
    expect_exactly_the_intact_frames(sc, run_bytewise(sc, bytewise_stats), bytewise_stats, "one byte at a time");
    expect_exactly_the_intact_frames(sc, run(sc, [&] { return sc.stream.size(); }, whole_stats), whole_stats,
                                     "all at once");
  }
}

// Garbage of every density of zeros into decoders with tiny limits, each in a
// buffer of exactly its size: under ASan a byte written or read past it fails
// the test. The counters still match the host's.
TEST(firmware_decoder_property, garbage_stays_inside_the_buffers_and_is_counted_as_the_host_counts_it) {
  std::mt19937_64 rng(base_seed() ^ 0x6A7B);
  for (int round = 0; round < 300; ++round) {
    const std::size_t max_payload = rng() % 40;
    bytes stream(rng() % 3000);
    const unsigned zero_one_in = 1 + static_cast<unsigned>(rng() % 300);
    for (auto& b : stream) b = rng() % zero_one_in == 0 ? 0 : static_cast<std::uint8_t>(rng());
    // Some good frames among the garbage, so the CRC and header checks run too.
    for (int k = 0; k < 5; ++k) {
      const bytes payload(rng() % (max_payload + 3), static_cast<std::uint8_t>(rng()));
      const bytes wire = transport::encode_frame({static_cast<std::uint8_t>(rng() % 3), static_cast<transport::frame_kind>(rng() % 6), 1, 2}, payload);
      stream.insert(stream.begin() + static_cast<std::ptrdiff_t>(rng() % (stream.size() + 1)), wire.begin(), wire.end());
    }
    auto buffer = std::make_unique<std::uint8_t[]>(COMFRAME_DECODER_SLOT_SIZE(max_payload));
    cf_decoder d;
    ASSERT_TRUE(cf_decoder_init(&d, buffer.get(), COMFRAME_DECODER_SLOT_SIZE(max_payload), max_payload));
    for (const std::uint8_t b : stream) {
      if (cf_decoder_push(&d, b)) {
        cf_frame f;
        ASSERT_TRUE(cf_decoder_next_frame(&d, &f));
        ASSERT_LE(f.payload_size, max_payload);
        cf_decoder_release_frame(&d);
      }
    }
    ASSERT_EQ(as_host_stats(d.stats), host_stats_of(stream, max_payload)) << "round " << round;

    // The same stream through cf_decoder_feed() in random blocks (its block
    // path), into a buffer of exactly one slot: the same frames and counters.
    auto block_buffer = std::make_unique<std::uint8_t[]>(COMFRAME_DECODER_SLOT_SIZE(max_payload));
    cf_decoder fed;
    ASSERT_TRUE(cf_decoder_init(&fed, block_buffer.get(), COMFRAME_DECODER_SLOT_SIZE(max_payload), max_payload));
    for (std::size_t at = 0; at < stream.size();) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 700, stream.size() - at);
      const std::size_t used = cf_decoder_feed(&fed, stream.data() + at, n);
      ASSERT_GE(used, 1u);
      at += used;
      cf_frame f;
      while (cf_decoder_next_frame(&fed, &f)) {
        ASSERT_LE(f.payload_size, max_payload);
        cf_decoder_release_frame(&fed);
      }
    }
    ASSERT_EQ(std::memcmp(&fed.stats, &d.stats, sizeof d.stats), 0) << "round " << round;
  }
}

// With every slot full, a frame that begins is dropped and counted as overrun
// whether the bytes come one at a time or in blocks.
TEST(firmware_decoder_property, feeding_blocks_into_full_slots_counts_as_pushing_bytes) {
  std::mt19937_64 rng(base_seed() ^ 0x5107);
  for (int round = 0; round < 200; ++round) {
    const std::size_t max_payload = rng() % 64;
    const std::size_t slots = 1 + rng() % 3;
    bytes stream;
    for (int k = 0; k < 12; ++k) {
      // Eight frames that fit (more than the slots), then some that may be oversize.
      const bytes payload(rng() % (max_payload + (k < 8 ? 1 : 8)), static_cast<std::uint8_t>(rng() % 3));
      const bytes wire = transport::encode_frame({1, transport::frame_kind::event, 1, 0}, payload);
      stream.insert(stream.end(), wire.begin(), wire.end());
    }
    const std::size_t buffer_size = slots * COMFRAME_DECODER_SLOT_SIZE(max_payload);
    auto one_buffer = std::make_unique<std::uint8_t[]>(buffer_size);
    auto block_buffer = std::make_unique<std::uint8_t[]>(buffer_size);
    cf_decoder one, blocks;
    ASSERT_TRUE(cf_decoder_init(&one, one_buffer.get(), buffer_size, max_payload));
    ASSERT_TRUE(cf_decoder_init(&blocks, block_buffer.get(), buffer_size, max_payload));
    // Nothing is released until the end: later frames find every slot full.
    for (const std::uint8_t b : stream) cf_decoder_push(&one, b);
    for (std::size_t at = 0; at < stream.size();) at += cf_decoder_feed(&blocks, stream.data() + at, stream.size() - at);
    ASSERT_EQ(std::memcmp(&one.stats, &blocks.stats, sizeof one.stats), 0) << "round " << round;
    ASSERT_EQ(cf_decoder_queued(&one), cf_decoder_queued(&blocks));
    cf_frame a, b;
    while (cf_decoder_next_frame(&one, &a)) {
      ASSERT_TRUE(cf_decoder_next_frame(&blocks, &b));
      ASSERT_EQ(a.size, b.size);
      ASSERT_EQ(std::memcmp(a.bytes, b.bytes, a.size), 0);
      cf_decoder_release_frame(&one);
      cf_decoder_release_frame(&blocks);
    }
    EXPECT_GT(one.stats.overrun, 0u) << "round " << round;
  }
}

}  // namespace

}  // namespace decoder_property_test
