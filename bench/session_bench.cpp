// bench-links: comframe::devices
// Request/reply round trips per second through the host session over the
// in-process loopback, against a raw host loop doing the same framing by hand.
//
// One io_context, run on the benchmark thread (everything on one core):
//   - the device end is a minimal responder in this file on one end of a
//     loopback pair: it feeds what it reads to a transport::frame_decoder and,
//     for every request frame, writes a response frame with the same command,
//     sequence and payload (an echo) through a transport::frame_encoder;
//   - the host end keeps N requests in flight and issues a new one from each
//     completion, until the batch is done; then io.run() returns.
//
// Benchmarks, named "<group>/<variant>/<N outstanding>" so that ratio_main.cpp
// prints each variant's time over the baseline of its group:
//   round_trip/baseline/{1,8}        raw host loop: encodes request frames with a
//                                    frame_encoder, decodes replies with a
//                                    frame_decoder, matches them by sequence
//   round_trip/session/{1,8}         devices::session::async_request<echo_u32>
//   round_trip_16B/{baseline,session}/{1,8}  the same with a 16-byte struct payload
// Payloads: a u32 (echo_u32) and a 16-byte struct (echo_16B); every reply is
// checked against the value sent.
//
// One benchmark iteration is one round trip: "Time" is ns per round trip and
// items_per_second is round trips per second (of CPU time, as Google Benchmark
// computes rates; wall-clock round trips/s = 1e9 / Time).
// Target (from the issue): >= 200,000 round trips/s with 8 outstanding.
// Counters: allocs_per_round_trip (heap allocations of the timed batches, from
// a counting operator new, per round trip) and process_round_trips (for
// dividing `strace -c -f` totals of a run with one benchmark selected).
//
// The baseline issues the next request inside the reply's frame handler and
// writes all requests made while handling one read as one write, so its frames
// travel eight to a read; what the session does differently (a post per
// request, a write as soon as none is in flight) is part of what it costs.
//
// Run (docs/performance.md has the machine and the results; with the default
// --benchmark_min_time of 0.5 s the whole run takes about 20 s):
//   build-bench2/bench/session_bench --benchmark_repetitions=3
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <new>

#include <boost/asio/io_context.hpp>
#include <boost/describe/class.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "comframe/core/codec.hpp"
#include "comframe/devices/command.hpp"
#include "comframe/devices/session.hpp"
#include "comframe/transport/frame.hpp"
#include "comframe/transport/link.hpp"
#include "comframe/transport/loopback.hpp"

// Heap allocations made by this process (every operator new), for the
// counter allocs_per_round_trip: allocations during the timed batches divided
// by the round trips they made.
namespace bench {
inline std::atomic<std::uint64_t> allocations{0};
}  // namespace bench

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // malloc and free throughout, as intended
void* operator new(std::size_t n) {
  bench::allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace bench {

namespace transport = comframe::transport;
namespace devices = comframe::devices;
namespace core = comframe::core;

struct sample16 {
  std::uint32_t a;
  std::uint32_t b;
  std::uint64_t c;
  friend bool operator==(const sample16&, const sample16&) = default;
};
BOOST_DESCRIBE_STRUCT(sample16, (), (a, b, c))
static_assert(core::fixed_size<sample16>() == 16);

using echo_u32 = devices::command<0x0010, std::uint32_t, std::uint32_t, "echo_u32">;
using echo_16B = devices::command<0x0011, sample16, sample16, "echo_16B">;

// The value of the k-th request of a run; replies are checked against it.
template <class T>
T value_of(std::uint64_t k) {
  if constexpr (std::is_same_v<T, std::uint32_t>) {
    return static_cast<std::uint32_t>(k * 2654435761u);
  } else {
    return sample16{static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(~k), k * 0x9E3779B97F4A7C15ull};
  }
}

constexpr core::endian payload_order = core::endian::little;  // session_options' default

// Reads into `buffer` and writes frames queued with queue(): one read and one
// write in flight at a time, bytes queued during a write go out together after
// it (as the session does).
class framed_end {
 public:
  explicit framed_end(transport::link& l) : link_(l), read_buffer_(64 * 1024) {}
  virtual ~framed_end() = default;

  void start_read() {
    link_.async_read_some(read_buffer_, [this](const boost::system::error_code& ec, std::size_t n) {
      if (ec) return;  // closed or lost: the benchmark is over
      decoder_.feed(std::span<const std::uint8_t>(read_buffer_.data(), n),
                    [this](const transport::frame_view& f) { on_frame(f); });
      flush();
      start_read();
    });
  }

  const transport::decoder_stats& decoder_stats() const { return decoder_.stats(); }

 protected:
  virtual void on_frame(const transport::frame_view& f) = 0;

  void queue(const transport::frame_header& h, std::span<const std::uint8_t> payload) {
    const auto wire = encoder_.encode(h, payload);
    out_pending_.insert(out_pending_.end(), wire.begin(), wire.end());
  }

  void flush() {
    if (writing_ || out_pending_.empty()) return;
    std::swap(out_pending_, out_writing_);
    out_pending_.clear();
    writing_ = true;
    link_.async_write(out_writing_, [this](const boost::system::error_code& ec, std::size_t) {
      writing_ = false;
      if (!ec) flush();
    });
  }

 private:
  transport::link& link_;
  transport::frame_decoder decoder_;
  transport::frame_encoder encoder_;
  std::vector<std::uint8_t> read_buffer_;
  std::vector<std::uint8_t> out_pending_, out_writing_;
  bool writing_ = false;
};

// The device end: echoes every request frame as a response frame.
class responder final : public framed_end {
 public:
  using framed_end::framed_end;
  std::uint64_t requests = 0;

 private:
  void on_frame(const transport::frame_view& f) override {
    if (f.header.kind != transport::frame_kind::request) return;
    ++requests;
    queue({transport::protocol_version, transport::frame_kind::response, f.header.command, f.header.sequence},
          f.payload);
  }
};

// The baseline host: what a program does without the session. Encodes request
// frames by hand, decodes the replies, matches each to its request by sequence
// number and checks the echoed value.
template <class Cmd>
class raw_host final : public framed_end {
  using value_type = typename Cmd::request;

 public:
  raw_host(transport::link& l, boost::asio::io_context& io, std::size_t outstanding)
      : framed_end(l), io_(io), outstanding_(outstanding) {}

  // Runs `count` round trips; false if a reply was wrong.
  bool run(std::uint64_t count) {
    target_ = issued_ + count;
    for (std::size_t i = 0; i < outstanding_ && issued_ < target_; ++i) issue();
    flush();
    io_.restart();
    io_.run();
    return !failed_;
  }

 private:
  struct slot {
    std::uint16_t sequence = 0;
    value_type sent{};
  };

  void issue() {
    const std::uint16_t seq = next_sequence_++;
    slot& s = in_flight_[seq % in_flight_.size()];
    s = {seq, value_of<value_type>(issued_++)};
    std::array<std::uint8_t, core::min_size<value_type>()> payload;  // fixed-size types only
    core::encode(s.sent, std::span<std::uint8_t>(payload), payload_order);
    queue({transport::protocol_version, transport::frame_kind::request, Cmd::id, seq}, payload);
  }

  void on_frame(const transport::frame_view& f) override {
    const slot& s = in_flight_[f.header.sequence % in_flight_.size()];
    bool good = f.header.kind == transport::frame_kind::response && f.header.command == Cmd::id &&
                f.header.sequence == s.sequence;
    if (good) {
      value_type got{};
      core::decode_into(f.payload, got, payload_order);
      good = got == s.sent;
    }
    if (!good) {
      failed_ = true;
      io_.stop();
      return;
    }
    ++completed_;
    if (issued_ < target_) issue();
    else if (completed_ == target_) io_.stop();
  }

  boost::asio::io_context& io_;
  std::size_t outstanding_;
  std::array<slot, 64> in_flight_{};  // indexed by sequence; outstanding <= 64
  std::uint16_t next_sequence_ = 1;
  std::uint64_t issued_ = 0, completed_ = 0, target_ = 0;
  bool failed_ = false;
};

// The session host: keeps `outstanding` async_requests in flight.
template <class Cmd>
class session_host {
  using value_type = typename Cmd::request;

 public:
  session_host(devices::session& s, boost::asio::io_context& io, std::size_t outstanding)
      : session_(s), io_(io), outstanding_(outstanding) {}

  bool run(std::uint64_t count) {
    target_ = issued_ + count;
    for (std::size_t i = 0; i < outstanding_ && issued_ < target_; ++i) issue();
    io_.restart();
    io_.run();
    return !failed_;
  }

  const std::string& error() const { return error_; }

 private:
  void issue() {
    const value_type sent = value_of<value_type>(issued_++);
    session_.async_request<Cmd>(sent, [this, sent](std::exception_ptr e, value_type got) { on_reply(e, sent, got); });
  }

  void on_reply(std::exception_ptr e, const value_type& sent, const value_type& got) {
    if (e || !(got == sent)) {
      failed_ = true;
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          error_ = x.what();
        }
      } else {
        error_ = "a reply does not echo its request";
      }
      io_.stop();
      return;
    }
    ++completed_;
    if (issued_ < target_) issue();
    else if (completed_ == target_) io_.stop();
  }

  devices::session& session_;
  boost::asio::io_context& io_;
  std::size_t outstanding_;
  std::uint64_t issued_ = 0, completed_ = 0, target_ = 0;
  bool failed_ = false;
  std::string error_;
};

// Round trips per timed batch: large enough that io.run()'s start and stop
// vanish in the noise, small enough that short runs still take many batches.
constexpr std::uint64_t batch = 2000;
constexpr std::uint64_t warm_up = 4000;

// Round trips this process has made in every run so far (Google Benchmark's
// probing runs and the warm-ups included), printed as process_round_trips: with
// one benchmark selected, `strace -c -f` totals divided by it are system calls
// per round trip.
inline std::uint64_t process_round_trips = 0;

// Counts the allocations of the timed batches.
struct allocation_count {
  std::uint64_t at_start = allocations.load(std::memory_order_relaxed);
  double per(std::uint64_t round_trips) const {
    return static_cast<double>(allocations.load(std::memory_order_relaxed) - at_start) /
           static_cast<double>(round_trips == 0 ? 1 : round_trips);
  }
};

void report(benchmark::State& state, const allocation_count& allocs) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["allocs_per_round_trip"] = allocs.per(state.iterations());
  process_round_trips += warm_up + state.iterations();
  state.counters["process_round_trips"] = static_cast<double>(process_round_trips);
}

template <class Cmd>
void bm_baseline(benchmark::State& state) {
  boost::asio::io_context io;
  auto [host_end, device_end] = transport::make_loopback_pair(io, "session_bench");
  responder device(*device_end);
  raw_host<Cmd> host(*host_end, io, static_cast<std::size_t>(state.range(0)));
  device.start_read();
  host.start_read();
  if (!host.run(warm_up)) return state.SkipWithError("a reply does not echo its request");
  const allocation_count allocs;
  while (state.KeepRunningBatch(batch))
    if (!host.run(batch)) return state.SkipWithError("a reply does not echo its request");
  if (host.decoder_stats().errors() != 0 || device.decoder_stats().errors() != 0)
    return state.SkipWithError("a frame was refused");
  report(state, allocs);
  // Close both ends and let their handlers finish before the objects go.
  host_end->close();
  device_end->close();
  io.restart();
  io.run();
}

template <class Cmd>
void bm_session(benchmark::State& state) {
  static std::atomic<int> pair_counter{0};
  const std::string url = "loop://session_bench_" + std::to_string(pair_counter++);
  boost::asio::io_context io;
  std::optional<devices::session> s;
  s.emplace(io, url);                               // side A of the pair
  auto device_end = transport::open_link(io, url);  // side B
  responder device(*device_end);
  device.start_read();
  session_host<Cmd> host(*s, io, static_cast<std::size_t>(state.range(0)));
  if (!host.run(warm_up)) return state.SkipWithError(host.error().c_str());
  const allocation_count allocs;
  while (state.KeepRunningBatch(batch))
    if (!host.run(batch)) return state.SkipWithError(host.error().c_str());
  const auto stats = s->stats();
  if (stats.replies != device.requests || stats.decoder.errors() != 0 || stats.timeouts != 0)
    return state.SkipWithError("the session lost or refused a reply");
  report(state, allocs);
  s.reset();  // io is stopped: the session closes on this thread
  device_end->close();
  io.restart();
  io.run();
}

}  // namespace bench

BENCHMARK(bench::bm_baseline<bench::echo_u32>)->Name("round_trip/baseline")->Arg(1)->Arg(8);
BENCHMARK(bench::bm_session<bench::echo_u32>)->Name("round_trip/session")->Arg(1)->Arg(8);
BENCHMARK(bench::bm_baseline<bench::echo_16B>)->Name("round_trip_16B/baseline")->Arg(1)->Arg(8);
BENCHMARK(bench::bm_session<bench::echo_16B>)->Name("round_trip_16B/session")->Arg(1)->Arg(8);
