// examples/thermo_host, run as its README says: the simulator in one process,
// the host example in another.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "support/process.hpp"

namespace thermo_host_test {

namespace {

using comframe::test::child_process;
using comframe::test::run;

TEST(thermo_host_example, talks_to_the_simulated_board_and_prints_what_it_got) {
  const std::string link =
      (std::filesystem::path(testing::TempDir()) / ("thermo-example-" + std::to_string(getpid()))).string();
  child_process sim({COMFRAME_CLI, "sim", "--device", "thermo", "--symlink", link});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();

  const auto r = run({std::string(COMFRAME_BUILD_DIR) + "/examples/thermo_host/thermo_host", link});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("device:   thermo, firmware 1.4.2, serial 20240601"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reading:  #2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("led:      9 refused: [devices.device_error] set_led: device error 3 (out_of_range): LED index 9 is outside 0..7"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("event:    telemetry #4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", 0 frame errors"), std::string::npos) << r.out;
  EXPECT_EQ(sim.stop(), 0) << sim.output();
}

TEST(thermo_host_example, says_how_to_use_it_and_fails_clearly_on_a_missing_port) {
  const std::string host = std::string(COMFRAME_BUILD_DIR) + "/examples/thermo_host/thermo_host";
  auto r = run({host});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "usage: thermo_host PORT\n");
  r = run({host, "/dev/comframe-no-board"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "thermo_host: [transport.open_failed] cannot open /dev/comframe-no-board: No such file or directory\n");
}

}  // namespace

}  // namespace thermo_host_test
