// Helpers for the tests of the C firmware kit: a putc sink that collects what
// the kit writes, and random bytes of the shapes COBS cares about.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "comframe/firmware/cobs.h"

namespace comframe::test::kit {

using bytes = std::vector<std::uint8_t>;

// A cf_putc_fn target: kit.putc(&sink.bytes-owner, byte) appends.
struct sink {
  bytes out;
  static void putc(void* user, std::uint8_t byte) { static_cast<sink*>(user)->out.push_back(byte); }
};

// Random bytes: all zeros, zero-heavy, zero-free (the longest COBS runs) or uniform.
inline bytes random_bytes(std::mt19937_64& rng, std::size_t size) {
  bytes b(size);
  switch (rng() % 4) {
    case 0: break;
    case 1:
      for (auto& x : b) x = (rng() % 2) ? 0 : static_cast<std::uint8_t>(rng());
      break;
    case 2:
      for (auto& x : b) x = static_cast<std::uint8_t>(1 + rng() % 255);
      break;
    default:
      for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  }
  return b;
}

// Sizes around the COBS block boundaries (253, 254, 255, 508, ...) and beyond.
inline std::size_t random_size(std::mt19937_64& rng, std::size_t max) {
  switch (rng() % 4) {
    case 0: return rng() % 16;
    case 1: {
      const std::size_t edge = 254 * (1 + rng() % 4);
      const std::size_t s = edge - 2 + rng() % 5;
      return s <= max ? s : max;
    }
    default: return rng() % (max + 1);
  }
}

}  // namespace comframe::test::kit
