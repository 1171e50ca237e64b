// bench-links: comframe::devices
// Request/reply round trips per second through the host session over the
// in-process loopback: Modbus RTU's framing (described in a profile) beside
// comframe's own framing, with the same 4-byte payload.
//
// Each benchmark runs, on one io_context on the benchmark thread:
//   - a device end on one side of a loopback pair: it feeds what it reads to a
//     transport::framing made for the device side (to_device) and answers every
//     request frame with a response frame that carries the request's command,
//     sequence, address and payload (Modbus's write single register (0x06) is
//     answered so: an echo);
//   - a devices::session on the other side, with one request outstanding (the
//     most Modbus RTU allows), issuing the next request from each completion.
//
//   round_trip_framing/baseline/1    comframe's framing (COBS, CRC-32C, 6-byte header)
//   round_trip_framing/modbus_rtu/1  Modbus RTU: address, function, the payload's
//                                    length from its schema, CRC-16/MODBUS
// The target (issue): modbus_rtu's rate >= 0.8x the baseline's, i.e. a time ratio <= 1.25.
// The loopback link has no baud rate, so Modbus's 3.5-character silence is not kept.
//
// Run: build/bench/framing_round_trip_bench --benchmark_repetitions=3
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <boost/describe/class.hpp>

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "comframe/devices/command.hpp"
#include "comframe/devices/frame_json.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/devices/session.hpp"
#include "comframe/transport/framing_spec.hpp"
#include "comframe/transport/link.hpp"

namespace bench {

namespace transport = comframe::transport;
namespace devices = comframe::devices;
namespace core = comframe::core;

struct register_write {
  std::uint16_t address;
  std::uint16_t value;
  friend bool operator==(const register_write&, const register_write&) = default;
};
BOOST_DESCRIBE_STRUCT(register_write, (), (address, value))

using write_single_register = devices::command<0x0006, register_write, register_write, "write_single_register">;

// The profile of each framing: one command, 0x06, whose request and response are two u16.
const char* const profile_text[2] = {
    R"({"comframe_profile": 1, "device": "bench", "version": "1", "endian": "big",
        "commands": [{"id": 6, "name": "write_single_register", "request": "register_write", "response": "register_write"}],
        "events": [],
        "types": {"register_write": {"struct": [{"name": "address", "type": "u16"}, {"name": "value", "type": "u16"}]}}})",
    R"({"comframe_profile": 1, "device": "bench", "version": "1", "endian": "big",
        "framing": {
          "delimiting": {"kind": "schema_length"}, "silence": 3.5,
          "header": {"type": {"struct": [{"name": "address", "type": "u8"}, {"name": "function", "type": "u8"}]},
                     "roles": {"address": "address", "command": "function"}},
          "check": {"type": "CRC-16/MODBUS", "covers": "header_payload", "endian": "little"},
          "replies": {"match": "address_command", "error": {"command_mask": 128, "code": "u8"}},
          "address": 1, "broadcast": 0},
        "commands": [{"id": 6, "name": "write_single_register", "request": "register_write", "response": "register_write"}],
        "events": [],
        "types": {"register_write": {"struct": [{"name": "address", "type": "u16"}, {"name": "value", "type": "u16"}]}}})"};

// The device end: answers every request with its own payload.
class responder {
 public:
  responder(transport::link& l, std::unique_ptr<transport::framing> f) : link_(l), framing_(std::move(f)), buffer_(64 * 1024) {}

  void start_read() {
    link_.async_read_some(buffer_, [this](const boost::system::error_code& ec, std::size_t n) {
      if (ec) return;  // closed: the benchmark is over
      framing_->feed(std::span<const std::uint8_t>(buffer_.data(), n),
                     [this](const transport::frame_view& f) {
                       if (f.header.kind != transport::frame_kind::request) return;
                       ++requests;
                       transport::frame_header h = f.header;
                       h.kind = transport::frame_kind::response;
                       framing_->encode(h, f.payload, pending_);
                     },
                     [](transport::frame_error, std::span<const std::uint8_t>) {});
      flush();
      start_read();
    });
  }

  const transport::decoder_stats& stats() const { return framing_->stats(); }
  std::uint64_t requests = 0;

 private:
  void flush() {
    if (writing_ || pending_.empty()) return;
    std::swap(pending_, writing_buffer_);
    pending_.clear();
    writing_ = true;
    link_.async_write(writing_buffer_, [this](const boost::system::error_code& ec, std::size_t) {
      writing_ = false;
      if (!ec) flush();
    });
  }

  transport::link& link_;
  std::unique_ptr<transport::framing> framing_;
  std::vector<std::uint8_t> buffer_, pending_, writing_buffer_;
  bool writing_ = false;
};

constexpr std::uint64_t batch = 2000;
constexpr std::uint64_t warm_up = 4000;

void bm_round_trip(benchmark::State& state, int which) {
  static std::atomic<int> pair_counter{0};
  const std::string url = "loop://framing_round_trip_" + std::to_string(pair_counter++);
  auto profile = std::make_shared<const devices::profile>(devices::profile::parse(profile_text[which]));
  const auto schemas = std::make_shared<devices::profile_schemas>(profile);
  boost::asio::io_context io;
  devices::session_options o;
  o.expected_profile = profile;
  o.payload_endian = profile->payload_endian();
  std::optional<devices::session> s;
  s.emplace(io, url, o);
  auto device_end = transport::open_link(io, url);
  responder device(*device_end, transport::make_framing(profile->framing(), {.incoming = transport::direction::to_device,
                                                                             .schemas = schemas.get(),
                                                                             .payload_endian = profile->payload_endian()}));
  device.start_read();

  std::uint64_t issued = 0, completed = 0, target = 0;
  bool failed = false;
  std::string error;
  std::function<void()> issue = [&] {
    const register_write sent{static_cast<std::uint16_t>(issued), static_cast<std::uint16_t>(issued * 7)};
    ++issued;
    s->async_request<write_single_register>(sent, [&, sent](std::exception_ptr e, register_write got) {
      if (e || !(got == sent)) {
        failed = true;
        try {
          if (e) std::rethrow_exception(e);
          error = "a reply does not echo its request";
        } catch (const std::exception& x) {
          error = x.what();
        }
        io.stop();
        return;
      }
      if (++completed == target) io.stop();
      else if (issued < target) issue();
    });
  };
  auto run = [&](std::uint64_t count) {
    target = issued + count;
    issue();
    io.restart();
    io.run();
    return !failed;
  };
  if (!run(warm_up)) return state.SkipWithError(error.c_str());
  while (state.KeepRunningBatch(batch))
    if (!run(batch)) return state.SkipWithError(error.c_str());
  const auto stats = s->stats();
  if (stats.replies != device.requests || stats.decoder.errors() != 0 || device.stats().errors() != 0)
    return state.SkipWithError("a frame was lost or refused");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  s.reset();
  device_end->close();
  io.restart();
  io.run();
}

void bm_cobs(benchmark::State& state) { bm_round_trip(state, 0); }
void bm_modbus_rtu(benchmark::State& state) { bm_round_trip(state, 1); }

}  // namespace bench

BENCHMARK(bench::bm_cobs)->Name("round_trip_framing/baseline/1");
BENCHMARK(bench::bm_modbus_rtu)->Name("round_trip_framing/modbus_rtu/1");
