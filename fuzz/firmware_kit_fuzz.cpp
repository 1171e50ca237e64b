// fuzz/firmware_kit_fuzz.cpp — the C firmware kit's decoder and dispatcher
// (firmware/: cf_decoder, cf_device) against the C++ frame decoder, on any
// byte stream cut into chunks of any size.
//
// Input: byte 0 seeds the chunk sizes, byte 1 the largest payload (1 B to
// 2 KiB, the same for both decoders), the rest is the stream.
// Checks (differential): the kit's decoder and transport::frame_decoder hand
// over the same frames — header, payload and bytes — in the same order; every
// good frame the kit's device handles (an echo command, one that fails, the
// built-in describe with any offset and size, unknown commands, other kinds)
// makes output that the C++ decoder reads as good frames only, one reply per
// request with a non-zero sequence, in order, each with its request's command
// and sequence.
#include <cstring>
#include <string>
#include <vector>

#include "comframe/firmware/decoder.h"
#include "comframe/firmware/device.h"
#include "comframe/transport/frame.hpp"
#include "fuzz_support.hpp"

using namespace comframe;

namespace {

struct sink {
  std::vector<std::uint8_t> bytes;
  static void putc(void* user, std::uint8_t b) { static_cast<sink*>(user)->bytes.push_back(b); }
};

std::uint16_t echo(void*, const cf_frame* request, cf_reply* reply) {
  if (request->payload_size > reply->capacity) return CF_ERR_BAD_REQUEST;
  std::memcpy(reply->payload, request->payload, request->payload_size);
  reply->size = request->payload_size;
  return CF_OK;
}
std::uint16_t fail(void*, const cf_frame*, cf_reply* reply) {
  reply->message = "refused";
  return CF_ERR_OUT_OF_RANGE;
}
std::uint16_t too_large(void*, const cf_frame*, cf_reply* reply) {
  reply->size = reply->capacity + 1;  // the kit must turn this into error 5, not write past the buffer
  return CF_OK;
}

const cf_command commands[] = {{0x0001, echo}, {0x0002, fail}, {0x0003, too_large}, {0x0004, nullptr}};
const std::string profile_text = R"({"comframe_profile":1,"device":"fuzz","version":"1","commands":[]})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const std::uint8_t seed = in.byte();
  const std::size_t max_payload = std::size_t{1} << (in.byte() % 12);

  std::vector<std::uint8_t> slots(COMFRAME_DECODER_SLOT_SIZE(max_payload) * 2);
  cf_decoder kit;
  FUZZ_CHECK(cf_decoder_init(&kit, slots.data(), slots.size(), max_payload), "cf_decoder_init refused two slots");
  std::vector<std::uint8_t> reply_buffer(max_payload);
  sink out;
  const cf_device_config config{commands, std::size(commands), profile_text.data(),
                                static_cast<std::uint32_t>(profile_text.size()),
                                cf_fnv1a64(profile_text.data(), profile_text.size()), nullptr,
                                reply_buffer.data(), reply_buffer.size(), sink::putc, &out};
  cf_device dev;
  cf_device_init(&dev, &config);

  transport::frame_decoder cpp(max_payload);
  struct seen {
    transport::frame_header header;
    std::vector<std::uint8_t> payload, bytes;
  };
  std::vector<seen> from_cpp, from_kit;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> answerable;  // (command, sequence) of requests with a sequence
  fuzz::in_chunks(in.rest(), seed, [&](std::span<const std::uint8_t> chunk) {
    cpp.feed(chunk, [&](const transport::frame_view& f) {
      from_cpp.push_back({f.header, {f.payload.begin(), f.payload.end()}, {f.bytes.begin(), f.bytes.end()}});
    });
    const std::uint8_t* p = chunk.data();
    std::size_t n = chunk.size();
    while (n != 0) {
      const std::size_t took = cf_decoder_feed(&kit, p, n);
      FUZZ_CHECK(took >= 1 && took <= n, "cf_decoder_feed took no byte or more than given");
      p += took;
      n -= took;
      cf_frame f;
      while (cf_decoder_next_frame(&kit, &f)) {
        seen s{{f.header.version, static_cast<transport::frame_kind>(f.header.kind), f.header.command, f.header.sequence},
               {f.payload, f.payload + f.payload_size},
               {f.bytes, f.bytes + f.size}};
        from_kit.push_back(std::move(s));
        if (f.header.kind == CF_KIND_REQUEST && f.header.sequence != 0)
          answerable.emplace_back(f.header.command, f.header.sequence);
        cf_device_handle(&dev, &f);
        cf_decoder_release_frame(&kit);
      }
    }
  });
  FUZZ_CHECK(from_kit.size() == from_cpp.size(), "the kit and the C++ decoder hand over different numbers of frames");
  for (std::size_t i = 0; i < from_kit.size(); ++i) {
    FUZZ_CHECK(from_kit[i].header == from_cpp[i].header, "the kit and the C++ decoder read different headers");
    FUZZ_CHECK(from_kit[i].payload == from_cpp[i].payload, "the kit and the C++ decoder read different payloads");
    FUZZ_CHECK(from_kit[i].bytes == from_cpp[i].bytes, "the kit and the C++ decoder keep different bytes");
  }
  FUZZ_CHECK(kit.stats.frames == cpp.stats().frames, "the kit and the C++ decoder count different good frames");

  // The device's output: good frames only, one reply per answerable request.
  transport::frame_decoder host(COMFRAME_MAX_PAYLOAD_SIZE);
  std::size_t replies = 0;
  host.feed(out.bytes, [&](const transport::frame_view& f) {
    FUZZ_CHECK(f.header.kind == transport::frame_kind::response || f.header.kind == transport::frame_kind::error,
               "the device wrote a frame that is not a reply");
    FUZZ_CHECK(replies < answerable.size(), "the device wrote more replies than requests with a sequence");
    FUZZ_CHECK(f.header.command == answerable[replies].first && f.header.sequence == answerable[replies].second,
               "a reply does not answer the request it follows (command and sequence)");
    ++replies;
  });
  FUZZ_CHECK(host.stats().errors() == 0, "the device wrote a frame the host refuses");
  FUZZ_CHECK(replies == answerable.size(), "the device did not answer each request with a sequence once");
  FUZZ_CHECK(dev.stats.replies == answerable.size(), "the device's reply counter differs from its replies");
  return 0;
}
