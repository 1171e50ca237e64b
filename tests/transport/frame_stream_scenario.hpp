// A byte stream of random frames with garbage, corruption and oversize frames
// between them, and the frames in it that must arrive intact: the scenario of
// the frame-stream property test (frame_property_test.cpp), shared with the
// test of the C firmware kit's decoder (tests/firmware/decoder_property_test.cpp),
// which must deliver the same frames.
//
// A frame is intact when its own bytes are untouched, it is not oversize, and
// the byte before it is 0x00 (or it starts the stream): garbage or a damaged
// delimiter in front of a frame runs into it.
//
// The seed is fixed so failures reproduce; COMFRAME_PROPERTY_SEED tries others.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "comframe/transport/frame.hpp"

namespace comframe::test::frame_stream {

using transport::encode_frame;
using transport::frame_header;
using transport::frame_kind;
using bytes = std::vector<std::uint8_t>;

constexpr std::size_t max_payload_size = 4096;

struct sent_frame {
  frame_header header;
  bytes payload;
};

struct scenario {
  bytes stream;
  std::vector<sent_frame> intact;  // in order
  std::size_t frames = 0, corrupted = 0, oversize = 0, swallowed = 0;
};

inline std::uint64_t base_seed() {
  if (const char* s = std::getenv("COMFRAME_PROPERTY_SEED")) return std::strtoull(s, nullptr, 0);
  return 0x20241122C0FFEEull;
}

inline bytes random_payload(std::mt19937_64& rng, std::size_t size) {
  bytes p(size);
  switch (rng() % 5) {
    case 0: break;  // all zeros
    case 1:         // zero-heavy
      for (auto& b : p) b = (rng() % 2) ? 0 : static_cast<std::uint8_t>(rng());
      break;
    case 2:  // no zeros at all: the longest COBS runs
      for (auto& b : p) b = static_cast<std::uint8_t>(1 + rng() % 255);
      break;
    default:  // random bytes, about one zero in 256
      for (auto& b : p) b = static_cast<std::uint8_t>(rng());
  }
  return p;
}

inline std::size_t random_payload_size(std::mt19937_64& rng) {
  switch (rng() % 10) {
    case 0: return 0;
    case 1: return max_payload_size;
    case 2: return max_payload_size - rng() % 300;
    case 3: return rng() % 16;
    default: return rng() % (max_payload_size + 1);
  }
}

inline scenario make_scenario(std::uint64_t seed, std::size_t frame_count) {
  std::mt19937_64 rng(seed);
  scenario sc;
  for (std::size_t i = 0; i < frame_count; ++i) {
    // Garbage before the frame: random bytes, zeros included, ending in 0x00 or not.
    if (rng() % 4 == 0) {
      const std::size_t n = rng() % 400;
      for (std::size_t k = 0; k < n; ++k) sc.stream.push_back(rng() % 16 == 0 ? 0 : static_cast<std::uint8_t>(rng()));
      if (rng() % 2) sc.stream.push_back(0x00);
    }
    const bool preceded_by_delimiter = sc.stream.empty() || sc.stream.back() == 0x00;

    const bool oversize = rng() % 50 == 0;
    sent_frame f{{1, static_cast<frame_kind>(rng() % 4), static_cast<std::uint16_t>(rng()), static_cast<std::uint16_t>(i)},
                 random_payload(rng, oversize ? max_payload_size + 1 + rng() % 600 : random_payload_size(rng))};
    bytes wire = encode_frame(f.header, f.payload);

    bool corrupted = false;
    if (!oversize && rng() % 5 == 0) {  // (a 0x00 put into an oversize frame could split it into small ones)
      const std::size_t flips = 1 + rng() % 3;
      for (std::size_t k = 0; k < flips; ++k)
        wire[rng() % wire.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);  // never a no-op
      corrupted = true;
    }
    sc.stream.insert(sc.stream.end(), wire.begin(), wire.end());

    ++sc.frames;
    if (oversize) ++sc.oversize;
    else if (corrupted) ++sc.corrupted;
    else if (!preceded_by_delimiter) ++sc.swallowed;
    else sc.intact.push_back(std::move(f));
  }
  return sc;
}

// For SCOPED_TRACE: the seed and how to run with it again.
inline std::string seed_note(std::uint64_t seed) {
  return "seed " + std::to_string(seed) + " (set COMFRAME_PROPERTY_SEED=" + std::to_string(seed) + " to reproduce)";
}

// True when the scenario has every kind of damage (so a test of it tests something).
inline bool has_every_kind_of_damage(const scenario& sc) {
  return sc.corrupted != 0 && sc.oversize != 0 && sc.swallowed != 0;
}

// "" when `got` is exactly the scenario's intact frames in order, else what
// differs first.
inline std::string first_difference(const scenario& sc, const std::vector<sent_frame>& got) {
  if (got.size() != sc.intact.size())
    return std::to_string(got.size()) + " frames delivered, " + std::to_string(sc.intact.size()) + " intact";
  for (std::size_t i = 0; i < got.size(); ++i) {
    const char* what = !(got[i].header == sc.intact[i].header) ? "header" : got[i].payload != sc.intact[i].payload ? "payload" : nullptr;
    if (what != nullptr)
      return std::string("frame ") + std::to_string(i) + " (sequence " + std::to_string(sc.intact[i].header.sequence) +
             "): " + what + " differs";
  }
  return "";
}

}  // namespace comframe::test::frame_stream
