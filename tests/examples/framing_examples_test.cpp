// The examples of devices with their own framing (examples/modbus_rtu,
// modbus_tcp, vendor_binary, scpi_lines), run as their READMEs say: the
// simulator in one process, each `comframe call` of "Terminal 2" in another,
// the printed replies compared with the README's block.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "support/process.hpp"

namespace framing_examples_test {

namespace {

using comframe::test::child_process;
using comframe::test::run;
const std::string cli = COMFRAME_CLI;
const std::string src = COMFRAME_SOURCE_DIR;

std::string temp_link(const std::string& name) {
  return (std::filesystem::path(testing::TempDir()) / (name + "-" + std::to_string(getpid()))).string();
}

// The body of the first ```lang block after `marker` in a file of the source tree.
std::string readme_block(const std::string& file, const std::string& marker, const std::string& lang) {
  std::ifstream in(src + "/" + file);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = doc.find(marker);
  if (at == std::string::npos) return "no \"" + marker + "\" in " + file;
  const auto start = doc.find("```" + lang + "\n", at);
  if (start == std::string::npos) return "no ```" + lang + " block after \"" + marker + "\"";
  const auto body = start + 4 + lang.size();
  return doc.substr(body, doc.find("```", body) - body);
}

// Runs the `build/tools/comframe call …` lines of the README's ```sh block after
// `marker` against `port`, as a shell would (single-quoted JSON, $P the profile),
// and returns their stdout, one after the other.
std::string run_readme_calls(const std::string& readme, const std::string& marker, const std::string& link,
                             const std::string& port, const std::string& profile) {
  std::istringstream lines(readme_block(readme, marker, "sh"));
  std::string line, out;
  while (std::getline(lines, line)) {
    if (line.rfind("build/tools/comframe call ", 0) != 0) continue;
    std::vector<std::string> argv{cli};
    std::size_t i = std::string("build/tools/comframe ").size();
    while (i < line.size()) {
      if (line[i] == ' ') {
        ++i;
        continue;
      }
      std::string word;
      if (line[i] == '\'') {
        const auto end = line.find('\'', i + 1);
        word = line.substr(i + 1, end - i - 1);
        i = end + 1;
      } else {
        const auto end = std::min(line.find(' ', i), line.size());
        word = line.substr(i, end - i);
        i = end;
      }
      if (word == "$P") word = src + "/" + profile;
      if (word == link) word = port;
      argv.push_back(word);
    }
    const auto r = run(argv);
    out += r.out;
    if (r.exit_code != 0) out += "exit " + std::to_string(r.exit_code) + ": " + r.err;
  }
  return out;
}

TEST(modbus_rtu_example, answers_the_readmes_calls) {
  const std::string link = temp_link("modbus-example");
  child_process sim({cli, "sim", "--sim", src + "/examples/modbus_rtu/modbus_rtu.sim.json", "--symlink", link});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  EXPECT_EQ(run_readme_calls("examples/modbus_rtu/README.md", "comframe as the Modbus client", "/tmp/modbus", link,
                             "examples/modbus_rtu/modbus_rtu.profile.json"),
            readme_block("examples/modbus_rtu/README.md", "comframe as the Modbus client", "json"));
  const auto r = run({cli, "call", link, "--profile", src + "/examples/modbus_rtu/modbus_rtu.profile.json",
                      "read_holding_registers", R"({"start": 98, "count": 4})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("device error 2 (illegal_data_address)"), std::string::npos) << r.err;
  EXPECT_EQ(sim.stop(), 0) << sim.output();
}

TEST(modbus_tcp_example, answers_the_readmes_calls) {
  child_process sim({cli, "sim", "--sim", src + "/examples/modbus_tcp/modbus_tcp.sim.json", "--tcp", "0"});
  const auto url = sim.wait_for_line("port: ");
  ASSERT_TRUE(url) << sim.output();
  EXPECT_EQ(run_readme_calls("examples/modbus_tcp/README.md", "comframe as the client", "tcp://127.0.0.1:5020", *url,
                             "examples/modbus_tcp/modbus_tcp.profile.json"),
            readme_block("examples/modbus_tcp/README.md", "comframe as the client", "json"));
  EXPECT_EQ(sim.stop(), 0) << sim.output();
}

TEST(vendor_binary_example, answers_the_readmes_calls_and_its_error) {
  const std::string link = temp_link("vendor-example");
  child_process sim({cli, "sim", "--sim", src + "/examples/vendor_binary/vendor_binary.sim.json", "--symlink", link});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  const std::string profile = "examples/vendor_binary/vendor_binary.profile.json";
  EXPECT_EQ(run_readme_calls("examples/vendor_binary/README.md", "Terminal 2", "/tmp/psu", link, profile),
            readme_block("examples/vendor_binary/README.md", "Terminal 2", "json"));
  const auto r = run({cli, "call", link, "--profile", src + "/" + profile, "set_output",
                      R"({"channel": 7, "millivolts": 1})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("device error 1 (bad_channel)"), std::string::npos) << r.err;
  EXPECT_EQ(sim.stop(), 0) << sim.output();
}

TEST(scpi_lines_example, answers_the_readmes_calls_and_a_plain_serial_client) {
  const std::string link = temp_link("scpi-example");
  child_process sim({cli, "sim", "--sim", src + "/examples/scpi_lines/scpi_lines.sim.json", "--symlink", link});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  EXPECT_EQ(run_readme_calls("examples/scpi_lines/README.md", "Terminal 2", "/tmp/scpi", link,
                             "examples/scpi_lines/scpi_lines.profile.json"),
            readme_block("examples/scpi_lines/README.md", "Terminal 2", "json"));
  // pyserial as the host: the bytes on the wire are the lines.
  const auto r = run({"/usr/bin/python3", "-c",
                      "import serial, sys\n"
                      "s = serial.Serial(sys.argv[1], timeout=5)\n"
                      "s.write(b'*IDN?\\n'); print(s.readline())\n"
                      "s.write(b'VOLT 3.3\\n'); print(s.readline())\n",
                      link});
  EXPECT_EQ(r.out, "b'COMFRAME,SIM-PSU,0001,1.0\\n'\nb'OK\\n'\n") << r.err;
  EXPECT_EQ(sim.stop(), 0) << sim.output();
}

}  // namespace

}  // namespace framing_examples_test
