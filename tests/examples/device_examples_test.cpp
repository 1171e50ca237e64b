// examples/thermo_device and examples/echo_device, run as their READMEs say:
// the simulator in one process, the commands of "terminal 2" in others.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace device_examples_test {

namespace {

using comframe::test::child_process;
using comframe::test::run;
const std::string cli = COMFRAME_CLI;

std::string temp_link(const std::string& name) {
  return (std::filesystem::path(testing::TempDir()) / (name + "-" + std::to_string(getpid()))).string();
}

// The body of the first ```lang block after `marker` in a file of the source tree.
std::string readme_block(const std::string& file, const std::string& marker, const std::string& lang) {
  std::ifstream in(std::string(COMFRAME_SOURCE_DIR) + "/" + file);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = doc.find(marker);
  if (at == std::string::npos) return "no \"" + marker + "\" in " + file;
  const auto start = doc.find("```" + lang + "\n", at);
  if (start == std::string::npos) return "no ```" + lang + " block after \"" + marker + "\"";
  const auto body = start + 4 + lang.size();
  return doc.substr(body, doc.find("```", body) - body);
}

TEST(echo_device_example, reflects_bytes_and_text_as_the_readme_shows) {
  const std::string link = temp_link("echo-example");
  child_process sim({cli, "sim", "--device", "echo", "--symlink", link, "-v"});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  auto r = run({cli, "call", link, "echo", "[1, 2, 3, 0, 255]", "--compact"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[1,2,3,0,255]\n");
  r = run({cli, "call", link, "echo_text", R"(["h", "i"])", "--compact"});
  EXPECT_EQ(r.out, "[\"h\",\"i\"]\n");
  EXPECT_EQ(sim.stop(), 0);
  EXPECT_NE(sim.output().find("> request echo seq="), std::string::npos) << sim.output();  // -v shows the frames
}

TEST(thermo_device_example, answers_the_readmes_calls_and_pyserial) {
  const std::string link = temp_link("thermo-example");
  child_process sim({cli, "sim", "--device", "thermo", "--symlink", link});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  auto r = run({cli, "call", link, "get_info"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, readme_block("examples/thermo_device/README.md", "The first prints the reply as JSON", "json"));
  r = run({cli, "call", link, "set_config",
           R"({"channels": 2, "sample_period_ms": 50, "alarm_high_cdeg": 3000, "alarm_enabled": true})"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run({cli, "call", link, "read_sensors"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["temps_cdeg"].size(), 2u);
  r = run({cli, "call", link, "set_led", R"({"index": 9, "rgb": [255, 0, 0]})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe call: [devices.device_error] set_led: device error 3 (out_of_range): LED index 9 is outside 0..7\n");
  r = run({"/usr/bin/python3", std::string(COMFRAME_SOURCE_DIR) + "/examples/thermo_device/pyserial_get_info.py", link});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(sim.stop(), 0);
}

}  // namespace

}  // namespace device_examples_test
