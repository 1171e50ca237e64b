// bench-links: comframe::transport comframe::core
// Decode throughput of the framings a profile may describe (framing_spec.hpp),
// beside comframe's own COBS framing as the baseline, in the same run. Each
// variant feeds one frame's wire bytes to its framing per iteration and
// reports payload bytes per second:
//   framing_decode/baseline/N        comframe's framing: COBS, 6-byte header, CRC-32C
//   framing_decode/slip/N            SLIP, 4-byte header, CRC-16/KERMIT (crc_optimal)
//   framing_decode/hdlc/N            HDLC-like, 3-byte header, CRC-16/X-25 by parameters (table)
//   framing_decode/length/N          sync AA 55, u16 length, u8 command, CRC-16/IBM-3740 big-endian
//   framing_decode/schema_length/N   Modbus RTU-like: address, function, a u8[N] payload, CRC-16/MODBUS
//   framing_decode/line/N            a text line of N bytes ending in "\n"
// Payloads: frame_payloads.hpp (one byte in eight zero); for lines, printable text.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "comframe/core/schema.hpp"
#include "comframe/transport/framing_spec.hpp"
#include "frame_payloads.hpp"

namespace {

using namespace comframe::transport;
using comframe::bench::payload_of;

// The response schema the schema_length framing measures: u8[N] for command N % 256 … one per size.
class fixed_schemas final : public payload_schemas {
 public:
  const comframe::core::schema* find(frame_kind kind, std::uint16_t command) const noexcept override {
    if (kind != frame_kind::response) return nullptr;
    auto it = by_size_.find(size_);
    (void)command;
    return it == by_size_.end() ? nullptr : &it->second;
  }
  void use(std::size_t size) {
    size_ = size;
    if (!by_size_.count(size))
      by_size_.emplace(size, comframe::core::schema::parse("\"u8[" + std::to_string(size) + "]\""));
  }

 private:
  std::size_t size_ = 0;
  std::map<std::size_t, comframe::core::schema> by_size_;
};

const std::map<std::string, std::string>& specs() {
  static const std::map<std::string, std::string> s = {
      {"slip", R"({"delimiting": {"kind": "slip"},
        "header": {"type": {"struct": [{"name": "k", "type": "u8"}, {"name": "c", "type": "u16"}, {"name": "s", "type": "u8"}]},
                   "roles": {"kind": "k", "command": "c", "sequence": "s"}},
        "check": {"type": "CRC-16/KERMIT"}})"},
      {"hdlc", R"({"delimiting": {"kind": "hdlc"},
        "header": {"type": {"struct": [{"name": "a", "type": "u8"}, {"name": "ctl", "type": "u8"}, {"name": "c", "type": "u8"}]},
                   "roles": {"address": "a", "command": "c"}, "values": {"ctl": 3}},
        "check": {"type": {"width": 16, "poly": "0x1021", "init": "0xffff", "refin": true, "refout": true, "xorout": "0xffff"}}})"},
      {"length", R"({"delimiting": {"kind": "length", "sync": "AA55"},
        "header": {"type": {"struct": [{"name": "len", "type": "<u16"}, {"name": "cmd", "type": "u8"}]},
                   "roles": {"length": "len", "command": "cmd"}},
        "check": {"type": "CRC-16/IBM-3740", "endian": "big"}})"},
      {"schema_length", R"({"delimiting": {"kind": "schema_length"},
        "header": {"type": {"struct": [{"name": "address", "type": "u8"}, {"name": "function", "type": "u8"}]},
                   "roles": {"address": "address", "command": "function"}},
        "check": {"type": "CRC-16/MODBUS"}})"},
      {"line", R"({"delimiting": {"kind": "line", "max_length": 65536}, "texts": {"read": "READ?"}})"},
  };
  return s;
}

void decode(benchmark::State& state, const std::string& kind) {
  const auto size = static_cast<std::size_t>(state.range(0));
  auto payload = payload_of(size);
  if (kind == "line")
    for (auto& b : payload) b = static_cast<std::uint8_t>(' ' + b % 90);
  static fixed_schemas schemas;
  schemas.use(size);
  const framing_params device{.incoming = direction::to_device, .schemas = &schemas, .max_payload_size = size};
  const framing_params host{.incoming = direction::from_device, .schemas = &schemas, .max_payload_size = size};
  std::unique_ptr<framing> encoder, decoder;
  if (kind == "baseline") {
    encoder = make_comframe_framing(device);
    decoder = make_comframe_framing(host);
  } else {
    const auto spec = parse_framing_spec(nlohmann::json::parse(specs().at(kind)));
    encoder = make_framing(spec, device);
    decoder = make_framing(spec, host);
  }
  std::vector<std::uint8_t> wire;
  encoder->encode({.kind = frame_kind::response, .command = 3, .sequence = 4, .address = 1}, payload, wire);
  std::size_t payload_bytes = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(wire.data());
    decoder->feed(wire, [&](const frame_view& f) { payload_bytes += f.payload.size(); }, [](frame_error, auto) {});
    benchmark::ClobberMemory();
  }
  if (decoder->stats().frames != static_cast<std::uint64_t>(state.iterations()) || decoder->stats().errors() != 0)
    state.SkipWithError("the framing refused a frame");
  benchmark::DoNotOptimize(payload_bytes);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

}  // namespace

BENCHMARK_CAPTURE(decode, baseline, std::string("baseline"))->Name("framing_decode/baseline")->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(decode, slip, std::string("slip"))->Name("framing_decode/slip")->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(decode, hdlc, std::string("hdlc"))->Name("framing_decode/hdlc")->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(decode, length, std::string("length"))->Name("framing_decode/length")->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(decode, schema_length, std::string("schema_length"))->Name("framing_decode/schema_length")->Arg(64)->Arg(1024);
BENCHMARK_CAPTURE(decode, line, std::string("line"))->Name("framing_decode/line")->Arg(64)->Arg(1024);
