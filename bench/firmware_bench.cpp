// bench-links: comframe::transport comframe::firmware
// The C firmware kit's frame decoding on the host, against the C++ decoder on
// the same bytes (docs/performance.md, "The C firmware kit").
//
// Payloads as in frame_bench.cpp: random bytes, about one in eight 0x00.
// Every variant decodes one frame's wire bytes (COBS, CRC-32C, header checks)
// per iteration and reports payload bytes per second:
//   fw_decode/baseline/N   transport::frame_decoder::feed() (C++; its CRC-32C
//                          takes SSE4.2 where the CPU has it, as here)
//   fw_decode/kit/N        cf_decoder_feed() + cf_decoder_next_frame() +
//                          cf_decoder_release_frame() (C99, portable, the kit
//                          as a firmware project compiles it)
// The kit is compiled with the build's C flags (-O3 in a Release build) and
// its default CRC-32C (see the CRC variants in crc32c.h). Parts, no baseline:
//   fw_parts/crc32c_kit, fw_parts/crc32c_cpp, fw_parts/crc32c_cpp_portable.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "comframe/firmware/crc32c.h"
#include "comframe/firmware/decoder.h"
#include "comframe/transport/crc32c.hpp"
#include "comframe/transport/frame.hpp"
#include "frame_payloads.hpp"

namespace {

using namespace comframe::transport;

using comframe::bench::header;
using comframe::bench::payload_of;

void decode_cpp(benchmark::State& state) {
  const auto payload = payload_of(static_cast<std::size_t>(state.range(0)));
  const auto wire = encode_frame(header, payload);
  frame_decoder decoder(payload.size());
  std::size_t payload_bytes = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(wire.data());
    decoder.feed(wire, [&](const frame_view& f) { payload_bytes += f.payload.size(); });
    benchmark::ClobberMemory();
  }
  if (decoder.stats().frames != static_cast<std::uint64_t>(state.iterations()) || decoder.stats().errors() != 0 ||
      payload_bytes != state.iterations() * payload.size())
    state.SkipWithError("the C++ decoder refused a frame");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}

void decode_kit(benchmark::State& state) {
  const auto payload = payload_of(static_cast<std::size_t>(state.range(0)));
  const auto wire = encode_frame(header, payload);
  std::vector<std::uint8_t> slot(COMFRAME_DECODER_SLOT_SIZE(payload.size()));
  cf_decoder decoder;
  cf_decoder_init(&decoder, slot.data(), slot.size(), payload.size());
  std::size_t payload_bytes = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(wire.data());
    const std::uint8_t* p = wire.data();
    std::size_t n = wire.size();
    while (n != 0) {
      const std::size_t used = cf_decoder_feed(&decoder, p, n);
      p += used;
      n -= used;
      cf_frame f;
      while (cf_decoder_next_frame(&decoder, &f)) {
        payload_bytes += f.payload_size;
        cf_decoder_release_frame(&decoder);
      }
    }
    benchmark::ClobberMemory();
  }
  const auto& s = decoder.stats;
  if (s.frames != static_cast<std::uint32_t>(state.iterations()) ||
      s.cobs_errors + s.too_short + s.oversize + s.crc_errors + s.bad_version + s.bad_kind + s.overrun != 0 ||
      payload_bytes != state.iterations() * payload.size())
    state.SkipWithError("the kit's decoder refused a frame");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}

void crc_kit(benchmark::State& state) {
  comframe::bench::over_payload(state, [](const std::vector<std::uint8_t>& payload) { return cf_crc32c(payload.data(), payload.size(), 0); });
}

void crc_cpp(benchmark::State& state) {
  comframe::bench::over_payload(state, [](const std::vector<std::uint8_t>& payload) { return crc32c(payload); });
}

void crc_cpp_portable(benchmark::State& state) {
  comframe::bench::over_payload(state, [](const std::vector<std::uint8_t>& payload) { return crc32c_portable(payload); });
}

}  // namespace

BENCHMARK(decode_cpp)->Name("fw_decode/baseline")->Arg(1024);
BENCHMARK(decode_kit)->Name("fw_decode/kit")->Arg(1024);
BENCHMARK(crc_kit)->Name("fw_parts/crc32c_kit")->Arg(1024);
BENCHMARK(crc_cpp)->Name("fw_parts/crc32c_cpp")->Arg(1024);
BENCHMARK(crc_cpp_portable)->Name("fw_parts/crc32c_cpp_portable")->Arg(1024);
