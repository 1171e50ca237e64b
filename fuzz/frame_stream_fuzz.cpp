// fuzz/frame_stream_fuzz.cpp — comframe's own frame stream (COBS + CRC-32C +
// header) as a link delivers it: any bytes, in chunks of any size.
//
// Input: byte 0 seeds the chunk sizes (fuzz_support.hpp in_chunks), byte 1
// picks the decoder's maximum payload, the rest is the stream.
// Checks: the counters add up (every frame handed over or refused is counted
// once, every byte fed is counted); every good frame encodes back to a frame
// that decodes to the same header and payload.
#include <vector>

#include "comframe/core/error.hpp"
#include "comframe/transport/frame.hpp"
#include "fuzz_support.hpp"

using namespace comframe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const std::uint8_t seed = in.byte();
  const std::size_t max_payload = std::size_t{1} << (in.byte() % 12);  // 1 B … 2 KiB
  transport::frame_decoder decoder(max_payload);
  std::uint64_t handed = 0, refused = 0;
  std::vector<std::uint8_t> again;
  fuzz::in_chunks(in.rest(), seed, [&](std::span<const std::uint8_t> chunk) {
    decoder.feed(
        chunk,
        [&](const transport::frame_view& f) {
          ++handed;
          FUZZ_CHECK(f.payload.size() <= max_payload, "a frame over the maximum payload was handed over");
          again = transport::encode_frame(f.header, f.payload);
          transport::frame_decoder check(max_payload);
          int frames = 0;
          check.feed(again, [&](const transport::frame_view& g) {
            ++frames;
            FUZZ_CHECK(g.header == f.header, "a re-encoded frame decodes to another header");
            FUZZ_CHECK(std::equal(g.payload.begin(), g.payload.end(), f.payload.begin(), f.payload.end()),
                       "a re-encoded frame decodes to another payload");
          });
          FUZZ_CHECK(frames == 1, "a re-encoded frame does not decode to one frame");
        },
        [&](transport::frame_error, std::span<const std::uint8_t>) { ++refused; });
  });
  const auto& s = decoder.stats();
  FUZZ_CHECK(s.frames == handed, "stats().frames differs from the frames handed over");
  FUZZ_CHECK(s.errors() == refused, "stats().errors() differs from the frames refused");
  FUZZ_CHECK(s.bytes == in.rest().size(), "stats().bytes differs from the bytes fed");
  decoder.reset();
  return 0;
}
