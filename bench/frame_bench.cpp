// bench-links: comframe::transport
// Frame encode and decode throughput against memcpy of the same bytes.
//
// Payloads are random bytes of which about one in eight is 0x00 (sensor data
// with small integers has many zero bytes; each costs COBS a block). Every
// variant reports payload bytes per second, so GB/s compare directly:
//   frame_encode/baseline/N   memcpy of the N payload bytes
//   frame_encode/comframe/N   encode_frame() into a caller buffer
//   frame_decode/baseline/N   memcpy of the frame's wire bytes
//   frame_decode/comframe/N   frame_decoder::feed() of one frame's wire bytes
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "comframe/transport/cobs.hpp"
#include "comframe/transport/crc32c.hpp"
#include "comframe/transport/frame.hpp"
#include "frame_payloads.hpp"

namespace {

using namespace comframe::transport;

using comframe::bench::header;
using comframe::bench::payload_of;

void frame_encode_baseline(benchmark::State& state) {
  const auto payload = payload_of(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint8_t> out(payload.size());
  for (auto _ : state) {
    benchmark::DoNotOptimize(payload.data());
    std::memcpy(out.data(), payload.data(), payload.size());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}

void frame_encode_comframe(benchmark::State& state) {
  const auto payload = payload_of(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint8_t> out(max_encoded_frame_size(payload.size()));
  for (auto _ : state) {
    benchmark::DoNotOptimize(payload.data());
    benchmark::DoNotOptimize(encode_frame(header, payload, out));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}

void frame_decode_baseline(benchmark::State& state) {
  const auto payload = payload_of(static_cast<std::size_t>(state.range(0)));
  const auto wire = encode_frame(header, payload);
  std::vector<std::uint8_t> out(wire.size());
  for (auto _ : state) {
    benchmark::DoNotOptimize(wire.data());
    std::memcpy(out.data(), wire.data(), wire.size());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}

void frame_decode_comframe(benchmark::State& state) {
  const auto payload = payload_of(static_cast<std::size_t>(state.range(0)));
  const auto wire = encode_frame(header, payload);
  frame_decoder decoder(payload.size());
  std::size_t payload_bytes = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(wire.data());
    decoder.feed(wire, [&](const frame_view& f) { payload_bytes += f.payload.size(); });
    benchmark::ClobberMemory();
  }
  if (decoder.stats().frames != static_cast<std::uint64_t>(state.iterations()) || decoder.stats().errors() != 0)
    state.SkipWithError("the decoder refused a frame");
  benchmark::DoNotOptimize(payload_bytes);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}

// The parts, to see where the time goes (no baseline: ratios are not printed).
void crc32c_only(benchmark::State& state) {
  comframe::bench::over_payload(state, [](const std::vector<std::uint8_t>& payload) { return crc32c(payload); });
}

void crc32c_portable_only(benchmark::State& state) {
  comframe::bench::over_payload(state, [](const std::vector<std::uint8_t>& payload) { return crc32c_portable(payload); });
}

void cobs_encode_only(benchmark::State& state) {
  const auto payload = payload_of(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint8_t> out(cobs_max_encoded_size(payload.size()));
  for (auto _ : state) {
    benchmark::DoNotOptimize(cobs_encode(payload, out));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}

void cobs_decode_only(benchmark::State& state) {
  const auto payload = payload_of(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint8_t> encoded(cobs_max_encoded_size(payload.size()));
  encoded.resize(cobs_encode(payload, encoded));
  std::vector<std::uint8_t> out(encoded.size());
  for (auto _ : state) {
    benchmark::DoNotOptimize(cobs_decode(encoded, out));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}

}  // namespace

BENCHMARK(frame_encode_baseline)->Name("frame_encode/baseline")->Arg(16)->Arg(256)->Arg(1024);
BENCHMARK(frame_encode_comframe)->Name("frame_encode/comframe")->Arg(16)->Arg(256)->Arg(1024);
BENCHMARK(frame_decode_baseline)->Name("frame_decode/baseline")->Arg(16)->Arg(256)->Arg(1024);
BENCHMARK(frame_decode_comframe)->Name("frame_decode/comframe")->Arg(16)->Arg(256)->Arg(1024);
BENCHMARK(crc32c_only)->Name("parts/crc32c")->Arg(16)->Arg(256)->Arg(1024);
BENCHMARK(crc32c_portable_only)->Name("parts/crc32c_portable")->Arg(16)->Arg(256)->Arg(1024);
BENCHMARK(cobs_encode_only)->Name("parts/cobs_encode")->Arg(16)->Arg(256)->Arg(1024);
BENCHMARK(cobs_decode_only)->Name("parts/cobs_decode")->Arg(16)->Arg(256)->Arg(1024);
