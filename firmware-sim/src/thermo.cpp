#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <mutex>
#include <random>
#include <string>
#include <utility>

#include "comframe/firmware_sim/devices/simulated_thermo.hpp"

namespace comframe::firmware_sim::thermo {

namespace {

using clock = std::chrono::steady_clock;

constexpr thermo_config power_up_config{4, 100, 8000, false};
constexpr std::chrono::seconds max_lag{1};

[[noreturn]] void out_of_range(const std::string& what, long value, long low, long high) {
  throw device_error(devices::error_code::out_of_range, what + " " + std::to_string(value) + " is outside " +
                                                            std::to_string(low) + ".." + std::to_string(high));
}

}  // namespace

struct simulated::state : std::enable_shared_from_this<simulated::state> {
  state(std::uint32_t serial, std::uint32_t seed) : serial_number(serial), rng(seed) {}

  mutable std::mutex m;
  const std::uint32_t serial_number;
  const clock::time_point born = clock::now();
  thermo_config config = power_up_config;
  std::array<std::array<std::uint8_t, 3>, 8> leds{};
  std::uint32_t reading_sequence = 0;
  std::mt19937 rng;

  bool streaming = false;
  std::uint16_t rate_hz = 1;
  std::uint32_t sample_sequence = 0;
  std::uint64_t samples_emitted = 0;

  // The attachment. The timer is used on io's thread only; `generation`
  // retires the waits of an earlier schedule (a wait that already completed
  // cannot be cancelled).
  boost::asio::io_context* io = nullptr;
  device_host* host = nullptr;
  std::unique_ptr<boost::asio::steady_timer> timer;
  std::uint64_t generation = 0;
  clock::time_point stream_start;
  std::uint64_t tick = 0;

  // The caller holds m.
  std::vector<std::int16_t> temperatures() {
    std::vector<std::int16_t> t(config.channels);
    for (std::size_t c = 0; c < t.size(); ++c)
      t[c] = static_cast<std::int16_t>(2150 + 37 * static_cast<int>(c) + static_cast<int>(rng() % 11) - 5);
    return t;
  }

  clock::time_point deadline(std::uint64_t k) const {
    return stream_start + std::chrono::nanoseconds(k * 1'000'000'000ull / rate_hz);
  }

  // Starts the schedule anew, or stops it. On io's thread, with m held.
  void rearm() {
    ++generation;
    if (!timer) return;
    timer->cancel();
    if (!streaming || !host) return;
    stream_start = clock::now();
    tick = 1;
    wait();
  }

  void wait() {
    timer->expires_at(deadline(tick));
    timer->async_wait([self = shared_from_this(), g = generation](const boost::system::error_code& ec) {
      if (!ec) self->on_tick(g);
    });
  }

  void on_tick(std::uint64_t g) {
    std::lock_guard lock(m);
    if (g != generation || !streaming || !host || !timer) return;
    const auto now = clock::now();
    telemetry_sample s;
    s.sequence = sample_sequence++;
    s.uptime_us = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now - born).count());
    s.temps_cdeg = temperatures();
    host->emit<telemetry>(s);
    ++samples_emitted;
    ++tick;
    if (now - deadline(tick) > max_lag) {
      const auto behind = std::chrono::duration_cast<std::chrono::nanoseconds>(now - stream_start).count();
      tick = static_cast<std::uint64_t>(behind) * rate_hz / 1'000'000'000ull + 1;
    }
    wait();
  }

  // From a handler, on whatever thread runs it, with m held: the timer lives on
  // io's thread. A tick of the old schedule already due is void from now on,
  // not only once the rearm runs: it would send a sample of the old rate
  // numbered as the new stream's first.
  void schedule_rearm() {
    ++generation;
    if (!io) return;
    boost::asio::post(*io, [self = shared_from_this()] {
      std::lock_guard lock(self->m);
      self->rearm();
    });
  }
};

simulated::simulated(std::uint32_t serial_number, std::uint32_t noise_seed)
    : state_(std::make_shared<state>(serial_number, noise_seed)), device_(thermo::profile()) {
  auto s = state_;  // the handlers share the state, never `this`
  device_.on<get_info>([s](const core::null&) {
    device_info info{{1, 4, 2}, s->serial_number, core::fixed_string<16>("thermo")};
    return info;
  });
  device_.on<read_sensors>([s](const core::null&) {
    std::lock_guard lock(s->m);
    sensor_readings r;
    r.sequence = s->reading_sequence++;
    r.supply_mv = static_cast<std::uint16_t>(3300 + static_cast<int>(s->rng() % 7) - 3);
    r.temps_cdeg = s->temperatures();
    return r;
  });
  device_.on<set_led>([s](const led_setting& led) {
    if (led.index > 7) out_of_range("LED index", led.index, 0, 7);
    std::lock_guard lock(s->m);
    s->leds[led.index] = led.rgb;
    return core::null{};
  });
  device_.on<get_config>([s](const core::null&) {
    std::lock_guard lock(s->m);
    return s->config;
  });
  device_.on<set_config>([s](const thermo_config& c) {
    if (c.channels < 1 || c.channels > 8) out_of_range("channels", c.channels, 1, 8);
    if (c.sample_period_ms < 10 || c.sample_period_ms > 60000)
      out_of_range("sample_period_ms", c.sample_period_ms, 10, 60000);
    std::lock_guard lock(s->m);
    s->config = c;
    return s->config;
  });
  device_.on<start_telemetry>([s](const telemetry_rate& r) {
    if (r.rate_hz < 1 || r.rate_hz > 1000) out_of_range("rate_hz", r.rate_hz, 1, 1000);
    std::lock_guard lock(s->m);
    s->streaming = true;
    s->rate_hz = r.rate_hz;
    s->sample_sequence = 0;
    s->schedule_rearm();
    return core::null{};
  });
  device_.on<stop_telemetry>([s](const core::null&) {
    std::lock_guard lock(s->m);
    s->streaming = false;
    s->schedule_rearm();
    return core::null{};
  });
}

simulated::~simulated() { detach(); }

void simulated::attach(boost::asio::io_context& io, device_host& host) {
  detach();
  std::lock_guard lock(state_->m);
  state_->io = &io;
  state_->host = &host;
  state_->timer = std::make_unique<boost::asio::steady_timer>(io);
  state_->schedule_rearm();
}

void simulated::detach() {
  std::unique_ptr<boost::asio::steady_timer> timer;
  boost::asio::io_context* io = nullptr;
  {
    // Once host is null, a tick (which holds m while it emits) does nothing.
    std::lock_guard lock(state_->m);
    ++state_->generation;
    state_->host = nullptr;
    io = std::exchange(state_->io, nullptr);
    timer = std::move(state_->timer);
  }
  if (!io || !timer) return;
  // The timer belongs to io's thread: cancel and free it there.
  if (io->get_executor().running_in_this_thread() || io->stopped()) return timer.reset();
  boost::asio::post(*io, [t = std::shared_ptr<boost::asio::steady_timer>(std::move(timer))] { t->cancel(); });
}

thermo_config simulated::config() const {
  std::lock_guard lock(state_->m);
  return state_->config;
}

std::array<std::array<std::uint8_t, 3>, 8> simulated::leds() const {
  std::lock_guard lock(state_->m);
  return state_->leds;
}

bool simulated::streaming() const {
  std::lock_guard lock(state_->m);
  return state_->streaming;
}

std::uint64_t simulated::samples_emitted() const {
  std::lock_guard lock(state_->m);
  return state_->samples_emitted;
}

}  // namespace comframe::firmware_sim::thermo
