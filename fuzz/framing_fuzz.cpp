// fuzz/framing_fuzz.cpp — every framing kind a profile can describe
// (docs/framing.md) decoding a stream in chunks of any size, in either
// direction: comframe's own, Modbus RTU (length from the payload schemas),
// Modbus TCP (MBAP length), the vendor example (sync + length + CRC-16), SCPI
// lines, SLIP and HDLC.
//
// Input: byte 0 picks the framing (low 3 bits) and the direction (bit 3),
// byte 1 seeds the chunk sizes, the rest is the stream.
// Checks: the counters add up; each good frame's kept form (frame_view::bytes,
// as captures store it) parses back (parse_kept) to the same header and
// payload, and so does the frame written again by the sending side's framing
// (write_kept) where that framing can write it; an error reply's code reads without throwing.
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "comframe/core/error.hpp"
#include "comframe/devices/frame_json.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/transport/framing.hpp"
#include "comframe/transport/framing_spec.hpp"
#include "fuzz_support.hpp"
#include "transport/spec_framing_support.hpp"

using namespace comframe;

namespace {

struct one_framing {
  std::shared_ptr<const devices::profile> profile;       // or null
  std::shared_ptr<const transport::framing_spec> spec;   // or null: comframe's own
  std::unique_ptr<devices::profile_schemas> schemas;
};

std::vector<one_framing>& framings() {
  static std::vector<one_framing> all;
  return all;
}

void add_profile(const char* relative) {
  auto p = std::make_shared<const devices::profile>(devices::profile::parse(fuzz::read_source_file(relative)));
  one_framing f;
  f.spec = std::make_shared<const transport::framing_spec>(p->framing());
  f.schemas = std::make_unique<devices::profile_schemas>(p);
  f.profile = std::move(p);
  framings().push_back(std::move(f));
}

void add_spec(const char* text) {
  one_framing f;
  f.spec = std::make_shared<const transport::framing_spec>(test::load_spec(text));
  framings().push_back(std::move(f));
}

std::unique_ptr<transport::framing> make(const one_framing& f, transport::direction incoming) {
  transport::framing_params params;
  params.incoming = incoming;
  params.schemas = f.schemas.get();
  params.max_payload_size = 512;
  if (f.profile) params.payload_endian = f.profile->payload_endian();
  return f.spec ? transport::make_framing(*f.spec, params) : transport::make_comframe_framing(params);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  framings().push_back(one_framing{});  // comframe's own
  add_profile("examples/modbus_rtu/modbus_rtu.profile.json");
  add_profile("examples/modbus_tcp/modbus_tcp.profile.json");
  add_profile("examples/vendor_binary/vendor_binary.profile.json");
  add_profile("examples/scpi_lines/scpi_lines.profile.json");
  add_spec(test::slip_spec);
  add_spec(test::hdlc_spec);
  add_spec(test::line_spec);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const std::uint8_t pick = in.byte();
  const std::uint8_t seed = in.byte();
  const one_framing& f = framings()[(pick & 7) % framings().size()];
  const auto incoming = (pick & 8) ? transport::direction::to_device : transport::direction::from_device;
  const auto framing = make(f, incoming);
  const auto writer = make(f, incoming == transport::direction::to_device ? transport::direction::from_device
                                                                          : transport::direction::to_device);
  std::uint64_t handed = 0, refused = 0;
  std::vector<std::uint8_t> kept;
  fuzz::in_chunks(in.rest(), seed, [&](std::span<const std::uint8_t> chunk) {
    framing->feed(
        chunk,
        [&](const transport::frame_view& v) {
          ++handed;
          FUZZ_CHECK(v.payload.size() <= framing->max_payload_size(), "a frame over the maximum payload was handed over");
          // The frame as read, in its kept form (what log and the bridge store), parses back the same.
          const auto as_read = framing->parse_kept(v.bytes, incoming);
          FUZZ_CHECK(as_read.has_value(), "a good frame's kept form does not parse back");
          FUZZ_CHECK(as_read->header == v.header, "a good frame's kept form parses to another header");
          FUZZ_CHECK(std::equal(as_read->payload.begin(), as_read->payload.end(), v.payload.begin(), v.payload.end()),
                     "a good frame's kept form parses to another payload");
          // Written again from its header and payload by the other side's framing (the side that
          // sends this direction), as the bridge and captures of that side keep it.
          kept.clear();
          try {
            writer->write_kept(v.header, v.payload, kept);
          } catch (const comframe::error&) {
            kept.clear();
          }
          if (!kept.empty()) {
            const auto back = framing->parse_kept(kept, incoming);
            FUZZ_CHECK(back.has_value(), "a good frame written again does not parse back");
            FUZZ_CHECK(back->header == v.header, "a good frame written again parses to another header");
            FUZZ_CHECK(std::equal(back->payload.begin(), back->payload.end(), v.payload.begin(), v.payload.end()),
                       "a good frame written again parses to another payload");
          }
          if (v.header.kind == transport::frame_kind::error) (void)framing->read_error(v.payload);
        },
        [&](transport::frame_error, std::span<const std::uint8_t> raw) {
          ++refused;
          (void)framing->damaged_header(raw);
        });
  });
  const auto& s = framing->stats();
  FUZZ_CHECK(s.frames == handed, "stats().frames differs from the frames handed over");
  FUZZ_CHECK(s.errors() == refused, "stats().errors() differs from the frames refused");
  framing->reset();
  return 0;
}
