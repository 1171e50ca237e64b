// What the frame benchmarks (frame_bench, firmware_bench) decode and encode:
// payloads of a given size whose bytes are one in eight zero (so COBS has
// blocks of every length), and one header, the same in every run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "comframe/transport/frame.hpp"

namespace comframe::bench {

inline std::vector<std::uint8_t> payload_of(std::size_t size) {
  std::mt19937_64 rng(size);
  std::vector<std::uint8_t> p(size);
  for (auto& b : p) b = rng() % 8 == 0 ? 0 : static_cast<std::uint8_t>(rng());
  return p;
}

inline const transport::frame_header header{1, transport::frame_kind::response, 0x0102, 0x0304};

/// Runs `f(payload)` over a payload of state.range(0) bytes, counting its bytes.
template <class F>
void over_payload(benchmark::State& state, F f) {
  const auto payload = payload_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f(payload));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}

}  // namespace comframe::bench
