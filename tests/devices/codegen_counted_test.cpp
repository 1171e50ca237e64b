// `comframe gen cpp` for counted fields (tests/devices/data/codegen_counted.json):
// the declarations export the same profile, and their bytes are the core's.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/json.hpp"
#include "comframe/devices/codegen.hpp"
#include "comframe/devices/profile.hpp"
#include "counted_profile.hpp"

namespace {

using namespace comframe;

devices::profile file_profile() {
  std::ifstream in(COMFRAME_SOURCE_DIR "/tests/devices/data/codegen_counted.json", std::ios::binary);
  return devices::profile::parse(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
}

TEST(generated_cpp_counted, declarations_export_the_profile) {
  const auto declared = counted::profile();
  const auto file = file_profile();
  EXPECT_EQ(declared.to_json().dump(), file.to_json().dump());
  EXPECT_EQ(declared.hash(), file.hash());
}

TEST(generated_cpp_counted, declared_types_give_the_cores_bytes) {
  const auto p = file_profile();
  const auto* cmd = p.find_command("read_registers");
  ASSERT_NE(cmd, nullptr);
  counted::Registers r{};
  r.values = {1, 4660};
  const core::bytes b = core::encode(r, p.payload_endian());
  EXPECT_EQ(b, (core::bytes{4, 0, 1, 0x12, 0x34}));
  EXPECT_EQ(core::encode(cmd->response, nlohmann::json::parse(R"({"values": [1, 4660]})"), p.payload_endian()), b);

  counted::Wrapped w{};
  w.id = 1;
  w.frame.temps = {-2, 3};
  w.frame.data = {9};
  w.frame.crc = 0xbeef;
  w.last = 2;
  const core::bytes wb = core::encode(w, p.payload_endian());
  EXPECT_EQ(wb, (core::bytes{1, 2, 0, 0, 0, 1, 0xfe, 0xff, 3, 0, 9, 0xbe, 0xef, 2}));
  const auto& ev = p.events().at(0);
  EXPECT_EQ(core::encode(ev.payload, core::to_json(w), p.payload_endian()), wb);
  EXPECT_EQ(core::to_json(core::decode<counted::Wrapped>(wb, p.payload_endian())),
            core::decode(ev.payload, wb, p.payload_endian()));
}

TEST(generated_c_counted, gen_c_refuses_counted_fields_by_name) {
  std::string err;
  try {
    (void)devices::generate_c(file_profile(), {});
  } catch (const comframe::error& e) {
    err = e.what();
  }
  EXPECT_EQ(err, "[devices.codegen] commands[0].request.temps: gen c does not support counted fields (\"count\") yet");
}

}  // namespace
