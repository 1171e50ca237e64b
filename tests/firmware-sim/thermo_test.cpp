// The thermo example device served on a loopback link, driven by a host
// session through the typed commands of devices/thermo.hpp.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "comframe/devices/session.hpp"
#include "comframe/firmware_sim/devices/simulated_thermo.hpp"
#include "comframe/firmware_sim/device_host.hpp"
#include "devices/scripted_peer.hpp"

namespace thermo_test {

namespace {

using namespace comframe;
using namespace comframe::firmware_sim::thermo;
using namespace std::chrono_literals;

constexpr auto watchdog = 30s;

struct thermo_device : ::testing::Test {
  test::io_thread t;
  std::string url = "loop://thermo-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  simulated thermo{4242, 7};
  std::unique_ptr<firmware_sim::device_host> sim;
  std::unique_ptr<devices::session> host;

  void SetUp() override {
    host = std::make_unique<devices::session>(t.io, url);
    sim = std::make_unique<firmware_sim::device_host>(t.io, transport::open_link(t.io, url), thermo.device());
    thermo.attach(t.io, *sim);
  }
  void TearDown() override {
    host.reset();
    thermo.detach();
    sim.reset();
  }

  // The device's error reply as "code message".
  template <class Cmd>
  std::string error_of(const typename Cmd::request& req) {
    try {
      host->request<Cmd>(req);
    } catch (const devices::request_error& e) {
      return std::to_string(e.device_code()) + " " + e.detail();
    }
    return "no error";
  }
};

TEST_F(thermo_device, get_info_tells_firmware_serial_and_name) {
  const device_info info = host->request<get_info>({});
  EXPECT_EQ(info.firmware.major, 1);
  EXPECT_EQ(info.firmware.minor, 4);
  EXPECT_EQ(info.firmware.patch, 2);
  EXPECT_EQ(info.serial_number, 4242u);
  EXPECT_EQ(info.name.view(), "thermo");
  EXPECT_EQ(info.name.data[15], '\0');
}

TEST_F(thermo_device, its_profile_is_every_thermo_command_and_the_telemetry_event) {
  const devices::profile p = host->fetch_profile();
  EXPECT_EQ(p, profile());
  EXPECT_EQ(p.device(), "thermo");
  EXPECT_EQ(p.version(), "1.4.2");
  std::vector<std::string> names;
  for (const auto& c : p.commands()) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"get_info", "read_sensors", "set_led", "get_config", "set_config",
                                             "start_telemetry", "stop_telemetry", "describe"}));
  ASSERT_EQ(p.events().size(), 1u);
  EXPECT_EQ(p.events()[0].name, "telemetry");
}

TEST_F(thermo_device, read_sensors_counts_up_and_reads_one_plausible_temperature_per_active_channel) {
  for (std::uint32_t i = 0; i < 5; ++i) {
    const sensor_readings r = host->request<read_sensors>({});
    EXPECT_EQ(r.sequence, i);
    EXPECT_NEAR(r.supply_mv, 3300, 3);
    ASSERT_EQ(r.temps_cdeg.size(), 4u);  // the power-up configuration
    for (std::size_t c = 0; c < r.temps_cdeg.size(); ++c) EXPECT_NEAR(r.temps_cdeg[c], 2150 + 37 * int(c), 5);
  }
  host->request<set_config>({7, 100, 8000, false});
  EXPECT_EQ(host->request<read_sensors>({}).temps_cdeg.size(), 7u);
}

TEST_F(thermo_device, one_seed_gives_the_same_readings) {
  simulated a(1, 99), b(1, 99);
  const transport::frame_header h{transport::protocol_version, transport::frame_kind::request, read_sensors::id, 1};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(a.device().handle(h, {})->payload, b.device().handle(h, {})->payload);
}

TEST_F(thermo_device, set_led_keeps_the_colour_and_refuses_an_index_past_7) {
  host->request<set_led>({7, {1, 2, 3}});
  EXPECT_EQ(thermo.leds()[7], (std::array<std::uint8_t, 3>{1, 2, 3}));
  EXPECT_EQ(error_of<set_led>({9, {}}), "3 set_led: device error 3 (out_of_range): LED index 9 is outside 0..7");
}

TEST_F(thermo_device, config_set_is_the_config_got_afterwards) {
  EXPECT_EQ(host->request<get_config>({}).channels, 4);
  const thermo_config wanted{8, 250, -1000, true};
  const thermo_config answered = host->request<set_config>(wanted);
  for (const thermo_config& c : {answered, host->request<get_config>({}), thermo.config()}) {
    EXPECT_EQ(c.channels, 8);
    EXPECT_EQ(c.sample_period_ms, 250);
    EXPECT_EQ(c.alarm_high_cdeg, -1000);
    EXPECT_TRUE(c.alarm_enabled);
  }
}

TEST_F(thermo_device, set_config_refuses_values_out_of_range_naming_the_field_and_keeps_the_old_config) {
  EXPECT_EQ(error_of<set_config>({0, 100, 0, false}),
            "3 set_config: device error 3 (out_of_range): channels 0 is outside 1..8");
  EXPECT_EQ(error_of<set_config>({9, 100, 0, false}),
            "3 set_config: device error 3 (out_of_range): channels 9 is outside 1..8");
  EXPECT_EQ(error_of<set_config>({2, 9, 0, false}),
            "3 set_config: device error 3 (out_of_range): sample_period_ms 9 is outside 10..60000");
  EXPECT_EQ(error_of<set_config>({2, 60001, 0, false}),
            "3 set_config: device error 3 (out_of_range): sample_period_ms 60001 is outside 10..60000");
  EXPECT_EQ(host->request<get_config>({}).channels, 4);
}

TEST_F(thermo_device, start_telemetry_refuses_rates_outside_1_to_1000_hz) {
  EXPECT_EQ(error_of<start_telemetry>({0}),
            "3 start_telemetry: device error 3 (out_of_range): rate_hz 0 is outside 1..1000");
  EXPECT_EQ(error_of<start_telemetry>({1001}),
            "3 start_telemetry: device error 3 (out_of_range): rate_hz 1001 is outside 1..1000");
  EXPECT_FALSE(thermo.streaming());
}

TEST_F(thermo_device, telemetry_at_100_hz_arrives_in_sequence_with_increasing_uptime_until_stopped) {
  std::mutex m;
  std::condition_variable cv;
  std::vector<telemetry_sample> samples;
  host->on_event<telemetry>([&](const telemetry_sample& s) {
    std::lock_guard lock(m);
    samples.push_back(s);
    cv.notify_all();
  });
  host->request<set_config>({3, 100, 8000, false});
  host->request<start_telemetry>({100});
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, watchdog, [&] { return samples.size() >= 20; }));
  }
  host->request<stop_telemetry>({});
  EXPECT_FALSE(thermo.streaming());
  host->request<get_config>({});  // events sent before the stop's reply are in by this reply
  std::size_t after_stop = 0;
  {
    std::lock_guard lock(m);
    after_stop = samples.size();
    for (std::size_t i = 0; i < samples.size(); ++i) {
      EXPECT_EQ(samples[i].sequence, i);
      EXPECT_EQ(samples[i].temps_cdeg.size(), 3u);
      if (i > 0) {
        EXPECT_GT(samples[i].uptime_us, samples[i - 1].uptime_us);
      }
    }
  }
  EXPECT_EQ(after_stop, thermo.samples_emitted());
  // Not a wait for something to happen: ten periods in which nothing may.
  std::this_thread::sleep_for(100ms);
  host->request<get_config>({});
  std::lock_guard lock(m);
  EXPECT_EQ(samples.size(), after_stop);
}

TEST_F(thermo_device, start_telemetry_again_restarts_the_sequence_at_the_new_rate) {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::uint32_t> sequences;
  host->on_event<telemetry>([&](const telemetry_sample& s) {
    std::lock_guard lock(m);
    sequences.push_back(s.sequence);
    cv.notify_all();
  });
  host->request<start_telemetry>({1000});
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, watchdog, [&] { return sequences.size() >= 5; }));
  }
  host->request<start_telemetry>({200});
  std::size_t answered = 0;  // samples in when the reply was: the new stream starts at most here
  {
    std::lock_guard lock(m);
    answered = sequences.size();
  }
  // The samples run 0, 1, 2, … until the restart and 0, 1, 2, … after it; where
  // the new stream's first sample lands against the reply depends on the scheduler.
  auto restart_at = [&]() -> std::size_t {
    for (std::size_t i = 1; i < sequences.size(); ++i)
      if (sequences[i] != sequences[i - 1] + 1) return i;
    return sequences.size();
  };
  std::unique_lock lock(m);
  ASSERT_TRUE(cv.wait_for(lock, watchdog, [&] { return restart_at() + 3 <= sequences.size(); }));
  const std::size_t restart = restart_at();
  EXPECT_GE(restart, 5u);
  EXPECT_LE(restart, answered);
  EXPECT_EQ(sequences[restart], 0u);
  EXPECT_EQ(sequences[restart + 1], 1u);
  EXPECT_EQ(sequences[restart + 2], 2u);
}

TEST_F(thermo_device, a_stream_started_before_attach_begins_when_attached_and_detach_ends_it) {
  thermo.detach();
  host->request<start_telemetry>({500});  // no events yet: nothing is attached
  EXPECT_TRUE(thermo.streaming());
  EXPECT_EQ(thermo.samples_emitted(), 0u);
  std::mutex m;
  std::condition_variable cv;
  std::size_t n = 0;
  host->on_event<telemetry>([&](const telemetry_sample&) {
    std::lock_guard lock(m);
    ++n;
    cv.notify_all();
  });
  thermo.attach(t.io, *sim);
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, watchdog, [&] { return n >= 3; }));
  }
  thermo.detach();
  const auto emitted = thermo.samples_emitted();
  std::this_thread::sleep_for(50ms);  // 25 periods in which nothing may be emitted
  EXPECT_EQ(thermo.samples_emitted(), emitted);
}

}  // namespace

}  // namespace thermo_test
