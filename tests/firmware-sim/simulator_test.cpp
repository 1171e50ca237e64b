// firmware_sim::simulator: a simulated device on a pty in its own thread, as
// `comframe sim` serves it and the Python package starts it — real ptys, a
// real session on the symlink, faults, a disconnect and the statistics.
#include "comframe/firmware_sim/simulator.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "comframe/devices/builtin/thermo.hpp"
#include "comframe/devices/session.hpp"

namespace simulator_test {

namespace {

using namespace comframe;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(simulator, a_session_on_its_port_is_answered_and_counted) {
  firmware_sim::simulator sim({.device = "thermo"});
  EXPECT_TRUE(fs::is_symlink(sim.port())) << sim.port();
  EXPECT_TRUE(sim.pty().starts_with("/dev/pts/")) << sim.pty();
  EXPECT_EQ(sim.profile().device(), "thermo");
  {
    devices::session s(sim.port());
    for (int i = 0; i < 3; ++i) EXPECT_EQ(s.request<devices::builtin::thermo::get_info>({}).serial_number, 20240601u);
  }
  const auto st = sim.stats();
  EXPECT_EQ(st["requests"], 3u);
  EXPECT_EQ(st["replies"], 3u);
  EXPECT_EQ(st["frame_errors"]["total"], 0u);
}

TEST(simulator, stop_removes_its_port_and_keeps_the_final_counts) {
  firmware_sim::simulator sim({.device = "echo"});
  const std::string port = sim.port();
  const fs::path folder = fs::path(port).parent_path();
  sim.stop();
  EXPECT_FALSE(sim.running());
  EXPECT_FALSE(fs::exists(fs::symlink_status(port)));
  EXPECT_FALSE(fs::exists(folder));  // the private folder made for the symlink
  EXPECT_EQ(sim.stats()["requests"], 0u);
  sim.stop();  // again: nothing
}

TEST(simulator, a_disconnect_replaces_the_pty_and_the_session_reconnects) {
  firmware_sim::simulator sim({.device = "thermo"});
  devices::session_options so;
  so.timeout = 300ms;
  so.reconnect_initial = 10ms;
  so.reconnect_max = 50ms;
  devices::session s(sim.port(), so);
  s.request<devices::builtin::thermo::get_info>({});
  sim.disconnect(100ms);
  bool failed = false, back = false;
  for (int i = 0; i < 500 && !back; ++i) {
    try {
      s.request<devices::builtin::thermo::get_info>({}, 100ms);
      back = failed;
    } catch (const devices::request_error& e) {
      failed = true;
    }
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(failed);
  EXPECT_TRUE(back);
  EXPECT_GE(s.stats().reconnects, 1u);
  EXPECT_EQ(sim.stats()["faults"]["disconnects"], 1u);
}

TEST(simulator, faults_set_while_it_runs_apply_to_what_it_sends) {
  firmware_sim::simulator sim({.device = "thermo", .faults = firmware_sim::parse_faults("seed=5")});
  EXPECT_EQ(sim.seed(), 5u);
  devices::session_options so;
  so.timeout = 100ms;
  devices::session s(sim.port(), so);
  sim.set_faults(firmware_sim::parse_faults("never=1"));
  EXPECT_THROW(s.request<devices::builtin::thermo::get_info>({}), devices::request_error);
  sim.set_faults(firmware_sim::parse_faults(""));
  EXPECT_EQ(s.request<devices::builtin::thermo::get_info>({}).serial_number, 20240601u);
  EXPECT_EQ(sim.stats()["faults"]["replies_dropped"], 1u);
}

TEST(simulator, a_program_is_the_device_and_its_bytes_are_relayed_and_counted) {
  // cat answers every request with the request itself: the session counts it as an unexpected frame.
  firmware_sim::simulator sim({.program = "cat"});
  EXPECT_EQ(sim.ended(), "");
  {
    devices::session_options so;
    so.timeout = 200ms;
    devices::session s(sim.port(), so);
    EXPECT_THROW(s.request<devices::builtin::thermo::get_info>({}), devices::request_error);
    EXPECT_GE(s.stats().unexpected_frames, 1u);
  }
  const auto st = sim.stats();
  EXPECT_GE(st["program"]["bytes_to_program"], 10u);
  EXPECT_EQ(st["program"]["bytes_from_program"], st["program"]["bytes_to_program"]);
  sim.stop();
  EXPECT_NE(sim.ended(), "");  // how stop() ended it
  EXPECT_GE(sim.stats()["program"]["bytes_to_program"], 10u);  // kept after stop
}

TEST(simulator, a_program_that_ends_says_how) {
  firmware_sim::simulator sim({.program = "sh", .program_args = {"-c", "exit 3"}, .stop_grace = 100ms});
  for (int i = 0; i < 500 && sim.ended().empty(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(sim.ended(), "sh exited with status 3");
  sim.stop();
  EXPECT_EQ(sim.ended(), "sh exited with status 3");
}

TEST(simulator, a_device_it_does_not_know_is_an_error_with_its_id) {
  try {
    firmware_sim::simulator sim({.device = "toaster"});
    FAIL() << "no error";
  } catch (const comframe::error& e) {
    EXPECT_EQ(e.id(), "firmware_sim.unknown_device");
  }
  EXPECT_THROW(firmware_sim::make_simulation("thermo", "x.sim.json", ""), comframe::usage_error);
}

}  // namespace

}  // namespace simulator_test
