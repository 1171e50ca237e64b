// Fault injection: the config string, reproducible corruption by seed, the
// statistics of drop and flip, garbage the host's decoder resynchronises
// from, delays, stalls, late and missing replies, disconnects (emulated and
// through a real pty that a host session reconnects to).
#include "comframe/firmware_sim/fault_injector.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "comframe/core/error.hpp"
#include "comframe/devices/session.hpp"
#include "comframe/firmware_sim/device_host.hpp"
#include "comframe/firmware_sim/pty_port.hpp"
#include "comframe/transport/loopback.hpp"
#include "devices/scripted_peer.hpp"
#include "firmware-sim/link_driver.hpp"
#include "reply_faults.hpp"  // private to the library: firmware-sim/src

namespace fault_injector_test {

namespace {

using namespace comframe;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using firmware_sim::fault_config;
using firmware_sim::fault_injector;
using firmware_sim::parse_faults;
using firmware_sim::try_parse_faults;
using test::link_driver;
using transport::frame_kind;

// ---- the config string ------------------------------------------------------

TEST(fault_config_string, parses_every_key) {
  const auto c = parse_faults(
      "drop=0.01,flip=0.001,delay=5,jitter=2,garbage=0.1,garbage_len=2..8,stall=200,disconnect=500,late=100,"
      "never=0.05,rx_drop=0.5,rx_flip=1,seed=42");
  EXPECT_EQ(c.drop, 0.01);
  EXPECT_EQ(c.flip, 0.001);
  EXPECT_EQ(c.delay_ms, 5ms);
  EXPECT_EQ(c.jitter_ms, 2ms);
  EXPECT_EQ(c.garbage, 0.1);
  EXPECT_EQ(c.garbage_min_bytes, 2u);
  EXPECT_EQ(c.garbage_max_bytes, 8u);
  EXPECT_EQ(c.stall_ms, 200ms);
  EXPECT_EQ(c.disconnect_ms, 500ms);
  EXPECT_EQ(c.late_ms, 100ms);
  EXPECT_EQ(c.never, 0.05);
  EXPECT_EQ(c.rx_drop, 0.5);
  EXPECT_EQ(c.rx_flip, 1.0);
  EXPECT_EQ(c.seed, 42u);
}

TEST(fault_config_string, round_trips_through_to_string_with_only_the_keys_that_differ) {
  const std::string text = "drop=0.01,flip=0.001,delay=5,jitter=2,garbage=0.1,garbage_len=2..8,stall=200,"
                           "disconnect=500,late=100,never=0.05,rx_drop=0.5,rx_flip=1,seed=18446744073709551615";
  EXPECT_EQ(to_string(parse_faults(text)), text);
  EXPECT_EQ(parse_faults(to_string(parse_faults(text))), parse_faults(text));
  EXPECT_EQ(to_string(parse_faults(" seed = 7 , drop=0.25 ")), "drop=0.25,seed=7");
  EXPECT_EQ(to_string(parse_faults("")), "");
  EXPECT_EQ(parse_faults(""), fault_config{});
}

// The detail of the error parse_faults() throws for `text`; try_parse_faults() gives the same error.
std::string parse_error(std::string_view text) {
  const auto tried = try_parse_faults(text);
  try {
    parse_faults(text);
  } catch (const comframe::error& e) {
    EXPECT_EQ(e.id(), "firmware_sim.fault");
    EXPECT_EQ(std::string(e.what()), "[firmware_sim.fault] " + e.detail());
    EXPECT_FALSE(tried.has_value());
    if (!tried) {
      EXPECT_STREQ(tried.error().what(), e.what());
    }
    return e.detail();
  }
  EXPECT_TRUE(tried.has_value());
  return "no error";
}

TEST(fault_config_string, names_the_item_and_the_problem_of_every_bad_input) {
  EXPECT_EQ(parse_error("drop=2"), "bad fault \"drop=2\": a probability must be within 0..1");
  EXPECT_EQ(parse_error("flip=-0.1"), "bad fault \"flip=-0.1\": a probability must be within 0..1");
  EXPECT_EQ(parse_error("never=nan"), "bad fault \"never=nan\": a probability must be within 0..1");
  EXPECT_EQ(parse_error("garbage=lots"), "bad fault \"garbage=lots\": a probability must be a decimal number within 0..1");
  EXPECT_EQ(parse_error("rx_drop="), "bad fault \"rx_drop=\": a probability must be a decimal number within 0..1");
  EXPECT_EQ(parse_error("delay=1.5"),
            "bad fault \"delay=1.5\": a duration must be a whole number of milliseconds within 0..3600000");
  EXPECT_EQ(parse_error("stall=-1"),
            "bad fault \"stall=-1\": a duration must be a whole number of milliseconds within 0..3600000");
  EXPECT_EQ(parse_error("late=3600001"),
            "bad fault \"late=3600001\": a duration must be a whole number of milliseconds within 0..3600000");
  EXPECT_EQ(parse_error("garbage_len=8..2"),
            "bad fault \"garbage_len=8..2\": a length range must be MIN..MAX with 1 <= MIN <= MAX <= 4096");
  EXPECT_EQ(parse_error("garbage_len=0..2"),
            "bad fault \"garbage_len=0..2\": a length range must be MIN..MAX with 1 <= MIN <= MAX <= 4096");
  EXPECT_EQ(parse_error("garbage_len=5"),
            "bad fault \"garbage_len=5\": a length range must be MIN..MAX with 1 <= MIN <= MAX <= 4096");
  EXPECT_EQ(parse_error("seed=x"), "bad fault \"seed=x\": a seed must be a whole number within 0..18446744073709551615");
  EXPECT_EQ(parse_error("seed=18446744073709551616"),
            "bad fault \"seed=18446744073709551616\": a seed must be a whole number within 0..18446744073709551615");
  EXPECT_EQ(parse_error("dorp=0.1"),
            "bad fault \"dorp=0.1\": unknown key \"dorp\" (known: drop, flip, delay, jitter, garbage, garbage_len, "
            "stall, disconnect, late, never, rx_drop, rx_flip, seed)");
  EXPECT_EQ(parse_error("drop"), "bad fault \"drop\": expected key=value");
  EXPECT_EQ(parse_error("drop=0.1,,flip=0.1"), "bad fault \"\": expected key=value");
  EXPECT_EQ(parse_error("drop=0.1,drop=0.2"), "bad fault \"drop=0.2\": drop is given twice");
}

TEST(fault_injector, refuses_an_invalid_config_naming_the_field) {
  fault_config c;
  c.garbage_min_bytes = 9;
  c.garbage_max_bytes = 3;
  try {
    fault_injector f(c);
    FAIL();
  } catch (const comframe::usage_error& e) {
    EXPECT_STREQ(e.what(), "[firmware_sim.usage] bad fault config: garbage_len: a length range must be MIN..MAX "
                           "with 1 <= MIN <= MAX <= 4096");
  }
  c = {};
  c.drop = 1.5;
  EXPECT_THROW(fault_injector{c}, comframe::usage_error);
}

// ---- byte faults over a loopback pair -----------------------------------------

std::vector<std::uint8_t> noise(std::size_t n, std::uint32_t seed = 1) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t x = seed;
  for (auto& b : v) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  return v;
}

// A device link with faults (`device`) and the host's plain end of it (`host`).
struct faulty {
  test::io_thread t;
  std::shared_ptr<fault_injector> faults;
  std::unique_ptr<link_driver> device;
  std::unique_ptr<link_driver> host;

  explicit faulty(fault_config c, firmware_sim::replies_in replies = firmware_sim::replies_in::comframe_stream)
      : faults(std::make_shared<fault_injector>(c)) {
    auto pair = transport::make_loopback_pair(t.io);
    device = std::make_unique<link_driver>(t.io, faults->wrap(std::move(pair.a), replies));
    host = std::make_unique<link_driver>(t.io, std::move(pair.b));
  }
  ~faulty() {
    device.reset();
    host.reset();
  }

  // What the host receives when the device writes `data` (in writes of `chunk` bytes).
  std::vector<std::uint8_t> pass(const std::vector<std::uint8_t>& data, std::size_t chunk = SIZE_MAX) {
    const std::uint64_t before = faults->stats().bytes_dropped;
    std::uint64_t garbage_before = faults->stats().garbage_bytes;
    // Write and read at once: the loopback holds 64 KiB.
    std::promise<void> written;
    std::thread writer([&] {
      for (std::size_t i = 0; i < data.size(); i += chunk) {
        const std::size_t n = std::min(chunk, data.size() - i);
        EXPECT_FALSE(device->write({data.begin() + static_cast<std::ptrdiff_t>(i),
                                    data.begin() + static_cast<std::ptrdiff_t>(i + n)}));
      }
      written.set_value();
    });
    std::vector<std::uint8_t> got;
    // Every write is acknowledged only when its bytes reached the loopback, so
    // once the writer is done the stats say how many bytes to expect.
    auto done = written.get_future();
    while (done.wait_for(0s) != std::future_status::ready) {
      auto r = host->read_some();
      if (r.ec) break;
      got.insert(got.end(), r.bytes.begin(), r.bytes.end());
      if (got.size() + (faults->stats().bytes_dropped - before) >= data.size()) break;
    }
    writer.join();
    const auto s = faults->stats();
    const std::size_t expected = data.size() - (s.bytes_dropped - before) + (s.garbage_bytes - garbage_before);
    if (got.size() < expected) {
      auto r = host->read(expected - got.size());
      got.insert(got.end(), r.bytes.begin(), r.bytes.end());
    }
    return got;
  }
};

TEST(fault_injector, the_same_seed_corrupts_the_same_bytes_however_the_writes_are_chunked) {
  const auto data = noise(20000);
  const auto c = parse_faults("drop=0.01,flip=0.01,garbage=0.2,seed=42");
  faulty a(c), b(c), other(parse_faults("drop=0.01,flip=0.01,garbage=0.2,seed=43"));
  const auto from_a = a.pass(data);
  const auto from_b = b.pass(data, 97);
  EXPECT_EQ(from_a, from_b);
  EXPECT_EQ(a.faults->stats(), b.faults->stats());
  EXPECT_EQ(a.faults->seed(), 42u);
  EXPECT_NE(other.pass(data), from_a);
  EXPECT_NE(from_a, data);
}

TEST(fault_injector, a_random_seed_is_chosen_and_reported_when_none_is_given) {
  fault_injector f(parse_faults("drop=0.5"));
  fault_injector g(parse_faults("drop=0.5"));
  EXPECT_NE(f.seed(), g.seed());  // 2^-64 to fail
  EXPECT_FALSE(f.config().seed);
}

// With n = 100000 and p = 0.01 the count is binomial: mean 1000, standard
// deviation about 31.5. Five standard deviations fail once in ~3.5 million.
void expect_binomial(std::uint64_t count, std::uint64_t n, double p) {
  const double mean = n * p;
  const double sd = std::sqrt(n * p * (1 - p));
  EXPECT_NEAR(static_cast<double>(count), mean, 5 * sd) << count << " of " << n << " at p = " << p;
}

TEST(fault_injector, drops_bytes_with_the_configured_probability) {
  faulty f(parse_faults("drop=0.01,seed=1"));
  const auto data = noise(100000);
  const auto got = f.pass(data);
  const auto s = f.faults->stats();
  EXPECT_EQ(s.bytes_written, data.size());
  expect_binomial(s.bytes_dropped, data.size(), 0.01);
  EXPECT_EQ(got.size(), data.size() - s.bytes_dropped);
  EXPECT_EQ(s.bytes_flipped, 0u);
}

TEST(fault_injector, flips_one_bit_of_bytes_with_the_configured_probability) {
  faulty f(parse_faults("flip=0.01,seed=2"));
  const auto data = noise(100000);
  const auto got = f.pass(data);
  ASSERT_EQ(got.size(), data.size());
  std::uint64_t differing = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (got[i] == data[i]) continue;
    ++differing;
    EXPECT_EQ(std::popcount(static_cast<unsigned>(got[i] ^ data[i])), 1) << "byte " << i;
  }
  EXPECT_EQ(differing, f.faults->stats().bytes_flipped);
  expect_binomial(differing, data.size(), 0.01);
}

std::vector<std::uint8_t> frames(std::size_t count, frame_kind kind = frame_kind::event) {
  std::vector<std::uint8_t> wire;
  for (std::size_t i = 0; i < count; ++i) {
    const auto payload = noise(1 + i % 40, static_cast<std::uint32_t>(i));
    const auto f = transport::encode_frame({transport::protocol_version, kind, 0x100, static_cast<std::uint16_t>(i)}, payload);
    wire.insert(wire.end(), f.begin(), f.end());
  }
  return wire;
}

TEST(fault_injector, garbage_between_frames_costs_no_frame_after_the_decoder_resynchronises) {
  faulty f(parse_faults("garbage=0.5,garbage_len=1..64,seed=3"));
  const auto got = f.pass(frames(400));
  transport::frame_decoder decoder;
  std::vector<std::uint16_t> sequences;
  decoder.feed(got, [&](const transport::frame_view& v) { sequences.push_back(v.header.sequence); });
  ASSERT_EQ(sequences.size(), 400u);
  for (std::uint16_t i = 0; i < 400; ++i) EXPECT_EQ(sequences[i], i);
  const auto s = f.faults->stats();
  expect_binomial(s.garbage_bursts, 400, 0.5);
  EXPECT_EQ(decoder.stats().errors(), s.garbage_bursts);  // one refused bogus frame per burst
  EXPECT_EQ(got.size(), frames(400).size() + s.garbage_bytes);
}

TEST(fault_injector, the_decoder_resynchronises_after_dropped_and_flipped_bytes) {
  faulty f(parse_faults("drop=0.002,flip=0.002,seed=4"));
  const auto got = f.pass(frames(400));
  transport::frame_decoder decoder;
  std::size_t good = 0;
  decoder.feed(got, [&](const transport::frame_view&) { ++good; });
  // Each lost or flipped byte spoils at most its frame and, if it was a 0x00, the next one.
  const auto s = f.faults->stats();
  EXPECT_GT(s.bytes_dropped + s.bytes_flipped, 0u);
  EXPECT_GE(good, 400u - 2 * (s.bytes_dropped + s.bytes_flipped));
  EXPECT_LT(good, 400u);
  EXPECT_GT(decoder.stats().errors(), 0u);
}

TEST(fault_injector, delay_holds_every_write_at_least_that_long) {
  faulty f(parse_faults("delay=150,jitter=20"));
  const auto start = clock_type::now();
  ASSERT_FALSE(f.device->write(frames(1)));
  EXPECT_GE(clock_type::now() - start, 150ms);  // the device's write completes when its bytes leave
  EXPECT_EQ(f.host->read(frames(1).size()).bytes, frames(1));
}

TEST(fault_injector, a_stall_holds_all_output_from_the_moment_it_is_asked_for) {
  faulty f(fault_config{});
  const auto start = clock_type::now();
  f.faults->stall(300ms);
  ASSERT_FALSE(f.device->write(frames(3)));
  EXPECT_EQ(f.host->read(frames(3).size()).bytes, frames(3));
  EXPECT_GE(clock_type::now() - start, 300ms);
  EXPECT_EQ(f.faults->stats().stalls, 1u);
  // One-shot: the next write is not held.
  ASSERT_FALSE(f.device->write(frames(1)));
  EXPECT_EQ(f.host->read(frames(1).size()).bytes, frames(1));
}

TEST(fault_injector, a_config_with_a_stall_stalls_once_when_applied) {
  faulty f(fault_config{});
  const auto start = clock_type::now();
  f.faults->set_config(parse_faults("stall=200"));
  ASSERT_FALSE(f.device->write(frames(1)));
  EXPECT_GE(clock_type::now() - start, 200ms);
  EXPECT_EQ(f.faults->stats().stalls, 1u);
  EXPECT_EQ(to_string(f.faults->config()), "stall=200");
}

// ---- reply faults ---------------------------------------------------------------

std::vector<std::uint8_t> frame_of(frame_kind kind, std::uint16_t sequence) {
  return transport::encode_frame({transport::protocol_version, kind, 7, sequence}, std::vector<std::uint8_t>{1, 2, 3});
}

TEST(reply_faults, tells_replies_from_events_and_requests) {
  EXPECT_TRUE(firmware_sim::is_reply_frame(frame_of(frame_kind::response, 1)));
  EXPECT_TRUE(firmware_sim::is_reply_frame(frame_of(frame_kind::error, 1)));
  EXPECT_FALSE(firmware_sim::is_reply_frame(frame_of(frame_kind::event, 0)));
  EXPECT_FALSE(firmware_sim::is_reply_frame(frame_of(frame_kind::request, 1)));
  EXPECT_FALSE(firmware_sim::is_reply_frame(std::vector<std::uint8_t>{0}));
  firmware_sim::reply_scanner scanner;
  std::vector<bool> seen;
  auto wire = frame_of(frame_kind::response, 1);
  const auto event = frame_of(frame_kind::event, 0);
  wire.insert(wire.end(), event.begin(), event.end());
  const std::span<const std::uint8_t> all(wire);
  scanner.feed(all.first(5), [&](auto, bool reply) { seen.push_back(reply); });
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(scanner.pending().size(), 5u);
  scanner.feed(all.subspan(5), [&](auto frame, bool reply) {
    seen.push_back(reply);
    EXPECT_EQ(frame.back(), 0);
  });
  EXPECT_EQ(seen, (std::vector<bool>{true, false}));
}

std::vector<transport::frame_header> decode_all(const std::vector<std::uint8_t>& wire) {
  transport::frame_decoder d;
  std::vector<transport::frame_header> out;
  d.feed(wire, [&](const transport::frame_view& v) { out.push_back(v.header); });
  return out;
}

TEST(fault_injector, a_late_reply_leaves_after_the_delay_while_events_overtake_it) {
  faulty f(parse_faults("late=250"));
  auto wire = frame_of(frame_kind::response, 5);
  const auto event = frame_of(frame_kind::event, 0);
  wire.insert(wire.end(), event.begin(), event.end());
  const auto start = clock_type::now();
  ASSERT_FALSE(f.device->write(wire));
  const auto first = f.host->read(event.size());
  EXPECT_EQ(first.bytes, event);
  const auto second = f.host->read(frame_of(frame_kind::response, 5).size());
  EXPECT_GE(clock_type::now() - start, 250ms);
  const auto headers = decode_all(second.bytes);
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].kind, frame_kind::response);
  EXPECT_EQ(headers[0].sequence, 5u);
  EXPECT_EQ(f.faults->stats().replies_late, 1u);
}

TEST(fault_injector, never_drops_whole_replies_with_its_probability_and_keeps_events) {
  faulty f(parse_faults("never=0.5,seed=9"));
  std::vector<std::uint8_t> wire;
  for (std::uint16_t i = 1; i <= 200; ++i) {
    for (const auto& fr : {frame_of(frame_kind::response, i), frame_of(frame_kind::event, 0)})
      wire.insert(wire.end(), fr.begin(), fr.end());
  }
  ASSERT_FALSE(f.device->write(wire));  // 8 KiB: the loopback holds it all
  const auto s = f.faults->stats();
  EXPECT_EQ(s.replies, 200u);
  expect_binomial(s.replies_dropped, 200, 0.5);
  const std::size_t frame_size = frame_of(frame_kind::response, 1).size();
  const auto got = f.host->read(wire.size() - s.replies_dropped * frame_size).bytes;
  const auto headers = decode_all(got);
  std::size_t events = 0;
  std::size_t responses = 0;
  for (const auto& h : headers) (h.kind == frame_kind::event ? events : responses)++;
  EXPECT_EQ(events, 200u);
  EXPECT_EQ(responses, 200u - s.replies_dropped);
}

TEST(fault_injector, next_reply_draws_never_then_late_and_counts_them) {
  fault_injector f(parse_faults("never=1,late=100"));
  EXPECT_EQ(f.next_reply(), (firmware_sim::reply_fate{.dropped = true}));
  f.set_config(parse_faults("late=100"));
  EXPECT_EQ(f.next_reply(), (firmware_sim::reply_fate{.late = 100ms}));
  f.set_config({});
  EXPECT_EQ(f.next_reply(), firmware_sim::reply_fate{});  // no reply fault on: not counted
  const auto s = f.stats();
  EXPECT_EQ(s.replies, 2u);
  EXPECT_EQ(s.replies_dropped, 1u);
  EXPECT_EQ(s.replies_late, 1u);
}

TEST(fault_injector, a_link_whose_writer_applies_the_reply_faults_passes_replies_untouched) {
  faulty f(parse_faults("never=1,late=1000"), firmware_sim::replies_in::writer);
  auto wire = frame_of(frame_kind::response, 5);
  const auto event = frame_of(frame_kind::event, 0);
  wire.insert(wire.end(), event.begin(), event.end());
  ASSERT_FALSE(f.device->write(wire));
  EXPECT_EQ(f.host->read(wire.size()).bytes, wire);
  EXPECT_EQ(f.faults->stats().replies, 0u);
}

// ---- reads and disconnects ------------------------------------------------------------

TEST(fault_injector, drops_bytes_the_device_reads_with_rx_drop) {
  faulty f(parse_faults("rx_drop=0.1,seed=5"));
  const auto data = noise(20000);
  std::thread writer([&] { EXPECT_FALSE(f.host->write(data)); });
  std::vector<std::uint8_t> got;
  while (got.size() + f.faults->stats().rx_bytes_dropped < data.size()) {
    auto r = f.device->read_some();
    ASSERT_FALSE(r.ec);
    got.insert(got.end(), r.bytes.begin(), r.bytes.end());
  }
  writer.join();
  const auto s = f.faults->stats();
  EXPECT_EQ(s.bytes_read, data.size());
  EXPECT_EQ(got.size(), data.size() - s.rx_bytes_dropped);
  expect_binomial(s.rx_bytes_dropped, data.size(), 0.1);
}

TEST(fault_injector, an_emulated_disconnect_discards_bytes_both_ways_for_the_gap) {
  faulty f(fault_config{});
  const auto start = clock_type::now();
  f.faults->disconnect(200ms);
  ASSERT_FALSE(f.device->write(frames(2)));  // completes: the bytes leave on a dead line
  EXPECT_EQ(f.faults->stats().bytes_discarded, frames(2).size());
  EXPECT_EQ(f.faults->stats().disconnects, 1u);
  // After the gap bytes flow again: a write started by a timer that fires after it.
  boost::asio::steady_timer after(f.t.io, 250ms);
  f.device->run([&](auto done) {
    after.async_wait([&, done](auto) {
      f.device->link().async_write(frames(1), [done](auto, auto) { done(); });
    });
  });
  EXPECT_GE(clock_type::now() - start, 200ms);
  EXPECT_EQ(f.host->read(frames(1).size()).bytes, frames(1));
}

// ---- end to end: a device on a pty, disconnected, and a host session that reconnects ----

using EchoCmd = devices::command<1, std::uint32_t, std::uint32_t, "echo">;

TEST(fault_injector, a_disconnect_through_a_pty_port_makes_the_host_session_reconnect) {
  test::io_thread t;
  const auto path = std::filesystem::path(::testing::TempDir()) / ("comframe-fault-" + std::to_string(::getpid()));
  std::filesystem::remove(path);
  firmware_sim::device dev(devices::profile::of<EchoCmd>("echo", "1.0"));
  dev.on<EchoCmd>([](std::uint32_t v) { return v; });
  firmware_sim::pty_port port(t.io, {.link_path = path.string()});
  auto faults = std::make_shared<fault_injector>();
  faults->on_disconnect([&](std::chrono::milliseconds gap) { port.disconnect(gap); });
  auto sim = std::make_unique<firmware_sim::device_host>(t.io, faults->wrap(port.link()), dev);

  std::mutex m;
  std::condition_variable cv;
  std::vector<devices::link_state> states;
  devices::session_options quick;
  quick.reconnect_initial = 10ms;
  quick.reconnect_max = 50ms;
  devices::session host(t.io, path.string(), quick);
  host.on_link_state([&](devices::link_state s, const std::string&) {
    std::lock_guard lock(m);
    states.push_back(s);
    cv.notify_all();
  });
  EXPECT_EQ(host.request<EchoCmd>(1), 1u);

  faults->set_config(parse_faults("disconnect=200"));
  auto seen = [&](devices::link_state s) { return std::find(states.begin(), states.end(), s) != states.end(); };
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, test::watchdog, [&] { return seen(devices::link_state::lost); }));
    ASSERT_TRUE(cv.wait_for(lock, test::watchdog, [&] { return seen(devices::link_state::reconnected); }));
  }
  EXPECT_EQ(host.request<EchoCmd>(2), 2u);
  EXPECT_EQ(faults->stats().disconnects, 1u);
  EXPECT_EQ(port.stats().ptys_opened, 2u);
  sim.reset();
}

TEST(fault_stats, reads_as_a_short_report_of_what_was_injected) {
  firmware_sim::fault_stats s;
  EXPECT_EQ(to_string(s), "no traffic");
  s.bytes_written = 1000;
  s.bytes_dropped = 12;
  s.garbage_bursts = 2;
  s.garbage_bytes = 21;
  EXPECT_EQ(to_string(s), "wrote 1000 bytes, dropped 12, 2 garbage bursts (21 bytes)");
}

}  // namespace

}  // namespace fault_injector_test
