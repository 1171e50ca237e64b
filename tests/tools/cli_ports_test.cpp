// `comframe ports` as a user runs it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/pty.hpp"

namespace cli_ports_test {

namespace {

using comframe::test::run;
namespace test = comframe::test;
const std::string cli = COMFRAME_CLI;

TEST(cli_ports, lists_ports_and_exits_0_even_when_there_are_none) {
  auto r = run({cli, "ports"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run({cli, "ports", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::size_t at = 0;
  while (at < r.out.size()) {  // every line is a JSON object with a path
    const auto end = r.out.find('\n', at);
    const auto j = nlohmann::json::parse(r.out.substr(at, end - at));
    EXPECT_TRUE(j.contains("path"));
    at = end + 1;
  }
}

TEST(cli_ports, describes_a_pseudo_terminal_as_a_port_without_metadata_not_a_bad_port) {
  const test::pty_device pty;
  const std::string& name = pty.slave_path;
  auto r = run({cli, "ports", name});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::string(name) + "  (no metadata: a pseudo-terminal or a port libserialport does not know)\n");
  r = run({cli, "ports", "--json", name});
  EXPECT_EQ(nlohmann::json::parse(r.out), (nlohmann::json{{"path", name}, {"metadata", false}}));
  ::close(pty.master);  // no link took it over
}

TEST(cli_ports, a_match_that_finds_nothing_says_so) {
  auto r = run({cli, "ports", "--match", "^no-such-port-anywhere$"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "no port matches \"^no-such-port-anywhere$\"\n");
}

TEST(cli_ports, a_bad_regular_expression_or_path_is_a_clear_error) {
  auto r = run({cli, "ports", "--match", "("});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("comframe ports: --match \"(\" is not a regular expression: ", 0), 0u) << r.err;
  r = run({cli, "ports", "/dev/comframe-nonexistent"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe ports: [transport.not_found] cannot describe /dev/comframe-nonexistent: No such file or directory\n");
}

}  // namespace

}  // namespace cli_ports_test
