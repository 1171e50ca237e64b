// fuzz/make_seeds.cpp — writes the binary seed inputs of fuzz/corpus/ with
// comframe's own encoders, so that each seed is a well-formed input the
// fuzzer mutates from (the text seeds are copies of example and test files).
// Built in the normal build as fuzz_make_seeds; run from the source tree:
//   build/fuzz/fuzz_make_seeds fuzz/corpus
// It overwrites only the files it writes (seed-*.bin).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/devices/frame_json.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/transport/capture.hpp"
#include "comframe/transport/frame.hpp"
#include "comframe/transport/framing_spec.hpp"
#include "fuzz_support.hpp"
#include "schema_set.hpp"
#include "transport/spec_framing_support.hpp"

using namespace comframe;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& file, const std::vector<std::uint8_t>& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::uint8_t> cat(std::initializer_list<std::uint8_t> prefix, const std::vector<std::uint8_t>& rest) {
  std::vector<std::uint8_t> out(prefix);
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds CORPUS_DIR (fuzz/corpus)\n");
    return 2;
  }
  const fs::path dir = argv[1];
  using transport::frame_header;
  using transport::frame_kind;

  // frame_stream: [chunk seed][max payload] then frames.
  std::vector<std::uint8_t> stream;
  for (const auto& f : {std::pair{frame_header{1, frame_kind::request, 0x0001, 1}, std::vector<std::uint8_t>{}},
                        std::pair{frame_header{1, frame_kind::response, 0x0001, 1}, std::vector<std::uint8_t>{1, 0, 0, 2, 3}},
                        std::pair{frame_header{1, frame_kind::event, 0x0100, 0}, std::vector<std::uint8_t>(40, 0x55)},
                        std::pair{frame_header{1, frame_kind::error, 0x0002, 7}, std::vector<std::uint8_t>{2, 0, 'n', 'o'}}}) {
    const auto b = transport::encode_frame(f.first, f.second);
    stream.insert(stream.end(), b.begin(), b.end());
  }
  write(dir / "frame_stream/seed-frames.bin", cat({0, 8}, stream));
  write(dir / "frame_stream/seed-frames-chunked.bin", cat({7, 10}, stream));

  // firmware_kit: [chunk seed][max payload] then requests for each command of the kit's table,
  // describe (offset 0 and 40, up to 32 bytes), a request without sequence and a response.
  std::vector<std::uint8_t> requests;
  const std::vector<std::uint8_t> describe0{0, 0, 0, 0, 32, 0}, describe40{40, 0, 0, 0, 32, 0}, some{1, 2, 3};
  for (const auto& [h, payload] : {std::pair{frame_header{1, frame_kind::request, 1, 1}, some},
                                   std::pair{frame_header{1, frame_kind::request, 2, 2}, some},
                                   std::pair{frame_header{1, frame_kind::request, 3, 3}, some},
                                   std::pair{frame_header{1, frame_kind::request, 4, 4}, some},
                                   std::pair{frame_header{1, frame_kind::request, 9, 5}, some},
                                   std::pair{frame_header{1, frame_kind::request, 0xFFF0, 6}, describe0},
                                   std::pair{frame_header{1, frame_kind::request, 0xFFF0, 7}, describe40},
                                   std::pair{frame_header{1, frame_kind::request, 1, 0}, some},
                                   std::pair{frame_header{1, frame_kind::response, 1, 8}, some}}) {
    const auto b = transport::encode_frame(h, payload);
    requests.insert(requests.end(), b.begin(), b.end());
  }
  write(dir / "firmware_kit/seed-requests.bin", cat({0, 8}, requests));
  write(dir / "firmware_kit/seed-requests-chunked.bin", cat({5, 6}, requests));

  // framing: [pick][chunk seed] then frames of that framing, in both directions.
  const char* profiles[] = {nullptr, "examples/modbus_rtu/modbus_rtu.profile.json",
                            "examples/modbus_tcp/modbus_tcp.profile.json",
                            "examples/vendor_binary/vendor_binary.profile.json",
                            "examples/scpi_lines/scpi_lines.profile.json"};
  const char* specs[] = {test::slip_spec, test::hdlc_spec, test::line_spec};
  for (std::uint8_t pick = 0; pick < 8; ++pick) {
    std::shared_ptr<const devices::profile> p;
    std::unique_ptr<devices::profile_schemas> schemas;
    transport::framing_spec spec;
    if (pick >= 1 && pick <= 4) {
      p = std::make_shared<const devices::profile>(devices::profile::parse(fuzz::read_source_file(profiles[pick])));
      schemas = std::make_unique<devices::profile_schemas>(p);
      spec = p->framing();
    } else if (pick >= 5) {
      spec = test::load_spec(specs[pick - 5]);
    }
    for (const auto incoming : {transport::direction::from_device, transport::direction::to_device}) {
      transport::framing_params params;
      // The encoder writes the direction the decoder does not read: make it for the other side.
      params.incoming = incoming == transport::direction::from_device ? transport::direction::to_device
                                                                      : transport::direction::from_device;
      params.schemas = schemas.get();
      if (p) params.payload_endian = p->payload_endian();
      auto enc = pick == 0 ? transport::make_comframe_framing(params) : transport::make_framing(spec, params);
      std::vector<std::uint8_t> out{static_cast<std::uint8_t>(pick | (incoming == transport::direction::to_device ? 8 : 0)), 0};
      const auto kind = incoming == transport::direction::to_device ? frame_kind::request : frame_kind::response;
      int written = 0;
      if (p) {
        for (const auto& c : p->commands()) {
          const core::schema& s = kind == frame_kind::request ? c.request : c.response;
          const std::size_t n = s.min_size();
          std::vector<std::uint8_t> payload(n, 0);
          try {
            nlohmann::json v = core::decode(s, payload, p->payload_endian(), core::json_mode::lenient);
            payload = core::encode(s, v, p->payload_endian(), core::json_mode::lenient);
            enc->encode(frame_header{1, kind, c.id, static_cast<std::uint16_t>(written + 1), enc->traits().default_address},
                        payload, out);
            ++written;
          } catch (const comframe::error&) {
          }
        }
      } else {
        for (std::uint16_t cmd : {1, 2, 3}) {
          try {
            enc->encode(frame_header{1, kind, cmd, cmd, enc->traits().default_address}, std::vector<std::uint8_t>{1, 2, 0x7e, 0xc0},
                        out);
            ++written;
          } catch (const comframe::error&) {
          }
        }
      }
      if (written)
        write(dir / ("framing/seed-" + std::to_string(pick) + (incoming == transport::direction::to_device ? "-to-device" : "-from-device") + ".bin"),
              out);
    }
  }

  // dynamic_decode: [pick] then the encoding of a value of that type (zero bytes at its minimum size).
  const auto& set = fuzz::schema_set();
  for (std::size_t i = 0; i < set.size() && i < 64; ++i) {
    std::vector<std::uint8_t> bytes(set[i].min_size(), 0);
    write(dir / ("dynamic_decode/seed-" + std::to_string(i) + ".bin"), cat({static_cast<std::uint8_t>(i)}, bytes));
    try {
      const auto v = core::decode(set[i], bytes, core::endian::little, core::json_mode::lenient);
      const std::string text = v.dump();
      std::vector<std::uint8_t> json(text.begin(), text.end());
      write(dir / ("dynamic_encode/seed-" + std::to_string(i) + ".bin"), cat({static_cast<std::uint8_t>(i | 0x40)}, json));
    } catch (const comframe::error&) {
    }
  }

  // capture: a small pcapng of comframe frames and a second one in Modbus RTU's framing.
  for (int which = 0; which < 2; ++which) {
    const fs::path file = dir / (which == 0 ? "capture/seed-comframe.pcapng" : "capture/seed-modbus.pcapng");
    fs::create_directories(file.parent_path());
    transport::capture_writer_options o;
    o.path = file.string();
    o.source = "fuzz seed";
    std::shared_ptr<const devices::profile> p;
    std::unique_ptr<transport::framing> f;
    if (which == 1) {
      p = std::make_shared<const devices::profile>(devices::profile::parse(fuzz::read_source_file(profiles[1])));
      const devices::profile_schemas ps(p);
      transport::framing_params fp;
      fp.schemas = &ps;
      o.framing = transport::make_framing(p->framing(), fp)->traits().name;
    }
    auto w = transport::open_pcapng_writer(o);
    std::uint64_t t = 1'700'000'000'000'000'000ull;
    std::vector<std::vector<std::uint8_t>> frames;
    if (which == 0) {
      const std::vector<std::uint8_t> none, some{1, 2, 3};
      frames.push_back(transport::encode_frame(frame_header{1, frame_kind::request, 1, 1}, none));
      frames.push_back(transport::encode_frame(frame_header{1, frame_kind::response, 1, 1}, some));
    } else {
      frames.push_back({0x01, 0x03, 0x00, 0x00, 0x00, 0x02, 0xc4, 0x0b});
    }
    for (const auto& b : frames) {
      transport::capture_record r;
      r.time_ns = t += 1000;
      r.dir = transport::direction::to_device;
      // comframe's kept form is the frame before COBS: strip the delimiter by decoding.
      std::vector<std::uint8_t> kept = b;
      if (which == 0) {
        transport::frame_decoder d;
        d.feed(b, [&](const transport::frame_view& v) { kept.assign(v.bytes.begin(), v.bytes.end()); });
      }
      r.bytes = kept;
      w->write(r);
    }
    w->close();
  }
  std::printf("seeds written under %s\n", dir.c_str());
  return 0;
}
