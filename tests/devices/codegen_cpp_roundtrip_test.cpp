// The C++ declarations `comframe gen cpp` writes export the profile they were
// generated from: the same canonical text and hash, for thermo.json, echo.json
// and a profile of every type of the property tests (generated at build time by
// codegen_fixtures.cpp, compiled here with -Werror).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "comframe/devices/profile.hpp"
#include "echo_profile.hpp"
#include "faces_profile.hpp"
#include "thermo_profile.hpp"

namespace {

using comframe::devices::profile;

profile load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return profile::parse(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
}

void expect_same(const profile& declared, const profile& file) {
  EXPECT_EQ(declared.to_json().dump(), file.to_json().dump());
  EXPECT_EQ(declared.hash(), file.hash());
  EXPECT_EQ(declared, file);
}

TEST(generated_cpp, thermo_declarations_export_thermo_json) {
  expect_same(thermo::profile(), load(COMFRAME_SOURCE_DIR "/devices/profiles/thermo.json"));
}

TEST(generated_cpp, echo_declarations_export_echo_json) {
  expect_same(echo::profile(), load(COMFRAME_SOURCE_DIR "/devices/profiles/echo.json"));
}

TEST(generated_cpp, declarations_of_every_kind_export_their_profile) {
  expect_same(faces::profile(), load(CODEGEN_FIXTURES_DIR "/faces_big.json"));
}

TEST(generated_cpp, declared_types_are_usable_with_the_typed_api) {
  thermo::device_info info{{1, 4, 2}, 20240601, comframe::core::fixed_string<16>("thermo")};
  const auto bytes = comframe::core::encode(info, comframe::core::endian::little);
  EXPECT_EQ(bytes.size(), 24u);
  EXPECT_EQ(comframe::core::decode<thermo::device_info>(bytes, comframe::core::endian::little).name.view(), "thermo");
  static_assert(thermo::get_info::id == 0x0001);
  static_assert(std::is_same_v<thermo::read_sensors::response, thermo::sensor_readings>);
}

}  // namespace
