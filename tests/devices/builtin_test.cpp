// The built-in devices' contracts: the profiles checked in as JSON
// (devices/profiles/*.json, for tools and code generators) are exactly what
// the C++ declarations export, byte for byte.
//
// After changing a contract, write the files anew with
//   COMFRAME_WRITE_PROFILES=1 build/tests/devices/devices_builtin_test
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "comframe/devices/builtin/echo.hpp"
#include "comframe/devices/builtin/thermo.hpp"

namespace builtin_test {

namespace {

using comframe::devices::profile;

std::string checked_in_path(const std::string& device) {
  return std::string(COMFRAME_SOURCE_DIR) + "/devices/profiles/" + device + ".json";
}

// What the file must hold: the profile's readable dump and a final newline.
std::string exported(const profile& p) { return p.dump() + "\n"; }

void expect_checked_in(const std::string& device, const profile& p) {
  const std::string path = checked_in_path(device);
  if (std::getenv("COMFRAME_WRITE_PROFILES") != nullptr) std::ofstream(path, std::ios::binary) << exported(p);
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path << " is missing";
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), exported(p)) << path << " differs from the C++ contract; see this file's header";
  EXPECT_EQ(profile::parse(text.str()), p);
  EXPECT_EQ(profile::parse(text.str()).hash(), p.hash());
}

TEST(builtin, thermo_json_is_the_exported_thermo_profile) {
  expect_checked_in("thermo", comframe::devices::builtin::thermo::profile());
}

TEST(builtin, echo_json_is_the_exported_echo_profile) {
  expect_checked_in("echo", comframe::devices::builtin::echo::profile());
}

TEST(builtin, the_contracts_name_their_devices_and_versions) {
  const profile thermo = comframe::devices::builtin::thermo::profile();
  EXPECT_EQ(thermo.device(), "thermo");
  EXPECT_EQ(thermo.version(), "1.4.2");
  const profile echo = comframe::devices::builtin::echo::profile();
  EXPECT_EQ(echo.device(), "echo");
  EXPECT_EQ(echo.version(), "1.0");
}

}  // namespace

}  // namespace builtin_test
