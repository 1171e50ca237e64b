// comframe monitor against a device that chatters: events stream from a real
// pseudo-terminal while the monitor cannot get the profile (the device never
// answers describe, or --profile names a file that is missing or invalid). The
// monitor must fail cleanly, with its session stopped before anything its frame
// observer writes into is gone (under AddressSanitizer in CI, a write into
// freed memory fails the test), and must hold a bounded number of early frames.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "devices/scripted_peer.hpp"
#include "support/process.hpp"
#include "support/require_tool.hpp"
#include "support/pty.hpp"

namespace cli_monitor_test {

namespace {

using namespace comframe;
using test::run;
const std::string cli = COMFRAME_CLI;
namespace fs = std::filesystem;

// A device that answers nothing and sends an event frame every 200 µs until
// the test ends.
struct chattering_device : ::testing::Test {
  test::io_thread t;
  test::pty_device pty;
  std::unique_ptr<test::scripted_peer> peer;
  std::atomic<bool> stop{false};
  std::thread chatter;

  void SetUp() override {
    peer = std::make_unique<test::scripted_peer>(
        t.io, std::make_unique<test::pty_link>(t.io, pty.master),
        [](test::scripted_peer&, const transport::frame_header&, std::vector<std::uint8_t>) {});
    chatter = std::thread([this] {
      std::uint16_t n = 0;
      while (!stop) {
        peer->write(transport::frame_kind::event, 0x0100, 0, {static_cast<std::uint8_t>(n++), 1, 2, 3});
        std::this_thread::sleep_for(std::chrono::microseconds(200));  // pacing, not waiting for an outcome
      }
    });
  }
  void TearDown() override {
    stop = true;
    chatter.join();
    peer.reset();
  }
};

TEST_F(chattering_device, monitor_fails_cleanly_when_the_device_never_answers_describe) {
  for (int i = 0; i < 5; ++i) {
    auto r = run({cli, "monitor", pty.slave_path, "--timeout", "100"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("comframe monitor: "), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("AddressSanitizer"), std::string::npos) << r.err;
  }
}

TEST_F(chattering_device, monitor_fails_cleanly_on_a_missing_or_invalid_profile_file) {
  const fs::path dir = fs::temp_directory_path() / ("cli_monitor_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path invalid = dir / "invalid.json";
  std::ofstream(invalid) << R"({"comframe_profile": 1, "commands": 7})";
  for (int i = 0; i < 5; ++i) {
    for (const fs::path& file : {dir / "missing.json", invalid}) {
      auto r = run({cli, "monitor", pty.slave_path, "--profile", file.string()});
      EXPECT_EQ(r.exit_code, 1) << r.err;
      EXPECT_NE(r.err.find("comframe monitor: "), std::string::npos) << r.err;
      EXPECT_NE(r.err.find(file.filename().string()), std::string::npos) << r.err;
      EXPECT_EQ(r.err.find("AddressSanitizer"), std::string::npos) << r.err;
    }
  }
  fs::remove_all(dir);
}

// A pyserial client that opens the port monitor is on (without reading) sets
// VMIN = 0 on the tty; monitor must go on reading, not report a lost link and
// reconnect. The simulator, monitor and pyserial are separate processes.
TEST(monitor_beside_pyserial, a_pyserial_client_opening_the_port_is_not_a_lost_link) {
  const std::string python = "/usr/bin/python3";
  COMFRAME_REQUIRE_PYSERIAL();
  const std::string link = (fs::path(testing::TempDir()) / ("monitor-pyserial-" + std::to_string(::getpid()))).string();
  test::child_process sim({cli, "sim", "--device", "thermo", "--symlink", link});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  auto r = run({cli, "call", link, "start_telemetry", R"({"rate_hz": 200})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  test::child_process monitor({cli, "monitor", link});
  const auto next_sample = [&] {
    for (auto line = monitor.wait_for_line(""); line; line = monitor.wait_for_line(""))
      if (line->find("< event telemetry") != std::string::npos) return true;
    return false;
  };
  ASSERT_TRUE(next_sample()) << monitor.output();
  // pyserial opens the port and waits until the monitor has read on under its VMIN = 0.
  r = run({python, "-c",
           "import serial, sys, termios, time\n"
           "s = serial.Serial(sys.argv[1])\n"
           "deadline = time.monotonic() + 30\n"
           "while termios.tcgetattr(s.fd)[6][termios.VMIN] == 0 and time.monotonic() < deadline:\n"
           "    time.sleep(0.001)\n"
           "print(termios.tcgetattr(s.fd)[6][termios.VMIN])\n",
           link});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n");
  ASSERT_TRUE(next_sample()) << monitor.output();
  EXPECT_EQ(monitor.stop(SIGINT), 0) << monitor.output();
  EXPECT_EQ(monitor.output().find("lost"), std::string::npos) << monitor.output();
  EXPECT_EQ(monitor.output().find("reconnected"), std::string::npos) << monitor.output();
  EXPECT_NE(monitor.output().find("link losses 0"), std::string::npos) << monitor.output();
  EXPECT_EQ(sim.stop(), 0);
}

}  // namespace

}  // namespace cli_monitor_test
