// The generated Wireshark dissector on Modbus RTU traffic: `comframe log`
// reads and writes registers of the simulator serving examples/modbus_rtu and
// records the frames, each a real process on a real pty; tshark with the dissector from the example's profile shows the
// address, the function's name, the register values, the CRC-16/MODBUS checked
// and an exception's code and name.
#include "modbus_support.hpp"
#include "tshark_support.hpp"

namespace modbus_dissector_test {

namespace {

using namespace comframe::test;
using namespace comframe::test::modbus;

const std::string rtu_profile = source_dir + "/examples/modbus_rtu/modbus_rtu.profile.json";
const std::string rtu_sim = source_dir + "/examples/modbus_rtu/modbus_rtu.sim.json";

run_result call(const std::string& port, const std::string& command, const std::string& args) {
  return run({cli, "call", port, "--profile", rtu_profile, "--compact", command, args});
}

TEST(modbus_dissector, tshark_shows_address_function_registers_check_and_exception_of_a_logged_session) {
  if (!have_program(tshark)) COMFRAME_MISSING_TOOL("tshark is not installed (scripts/setup.sh installs it)");
  const std::string link = temp_path("mb-dissector");
  const std::string cap = temp_path("mb-dissector.pcapng"), lua = temp_path("modbus_rtu.lua");
  ASSERT_EQ(run({cli, "dissector", "--profile", rtu_profile, "-o", lua}).exit_code, 0);

  child_process sim({cli, "sim", "--sim", rtu_sim, "--symlink", link});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  // log makes the requests itself on the port: the capture holds the frames as the host's framing kept them.
  auto r = run({cli, "log", "--port", link, "--profile", rtu_profile, "-o", cap, "--count", "8", "--request",
                R"(read_holding_registers={"start": 0, "count": 4})", "--request",
                R"(write_single_register={"address": 2, "value": 4660})", "--request",
                R"(read_holding_registers={"start": 1, "count": 3})", "--request",
                R"(read_holding_registers={"start": 98, "count": 4})"});  // past the map: exception 2
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("log: frames 8, refused 0"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("device error 2 (illegal_data_address)"), std::string::npos) << r.err;
  // A call afterwards reads what the logged write left.
  r = call(link, "read_holding_registers", R"({"start": 1, "count": 3})");
  EXPECT_EQ(r.out, "{\"byte_count\":6,\"values\":[1,4660,3]}\n") << r.err;
  EXPECT_EQ(sim.stop(), 0) << sim.output();

  const auto rows = tshark_fields(
      lua, cap,
      {"comframe.direction", "comframe.address", "comframe.header.function", "comframe.name", "comframe.kind",
       "comframe.check_good", "comframe.read_holding_registers.request.start",
       "comframe.read_holding_registers.request.count", "comframe.read_holding_registers.response.byte_count",
       "comframe.read_holding_registers.response.values", "comframe.write_single_register.request.value",
       "comframe.error_code", "comframe.error_name", "comframe.invalid"});
  ASSERT_EQ(rows.size(), 8u);
  const std::vector<std::string> dirs = {"to_device", "from_device"};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], dirs[i % 2]) << i;
    EXPECT_EQ(rows[i][1], "1") << i;             // the device's address
    EXPECT_EQ(rows[i][5], "1") << i;             // CRC-16/MODBUS computed in Lua, and good
    EXPECT_EQ(rows[i][13], "") << i;             // nothing refused
  }
  // The function codes as sent, and the command's name (an exception reply's code has 0x80 set).
  EXPECT_EQ(rows[0][2], "3");
  EXPECT_EQ(rows[0][3], "read_holding_registers");
  EXPECT_EQ(rows[0][4], "0");  // request
  EXPECT_EQ(rows[0][6], "0");
  EXPECT_EQ(rows[0][7], "4");
  EXPECT_EQ(rows[1][3], "read_holding_registers");
  EXPECT_EQ(rows[1][4], "1");  // response
  EXPECT_EQ(rows[1][8], "8");  // the byte count, then the counted registers
  EXPECT_EQ(rows[1][9], "0,1,2,3");
  EXPECT_EQ(rows[2][3], "write_single_register");
  EXPECT_EQ(rows[2][2], "6");
  EXPECT_EQ(rows[2][10], "4660");
  EXPECT_EQ(rows[3][3], "write_single_register");
  EXPECT_EQ(rows[5][9], "1,4660,3");
  EXPECT_EQ(rows[6][6], "98");
  // The exception: function 0x83, kind error, code 2 and its name from the profile's error rule.
  EXPECT_EQ(rows[7][2], "131");
  EXPECT_EQ(rows[7][3], "read_holding_registers");
  EXPECT_EQ(rows[7][4], "3");
  EXPECT_EQ(rows[7][11], "2");
  EXPECT_EQ(rows[7][12], "illegal_data_address");
  EXPECT_EQ(rows[7][9], "");  // no register values in an exception

  // The packet list's summary says the same.
  const auto text = run({tshark, "-X", "lua_script:" + lua, "-r", cap});
  EXPECT_NE(text.out.find("< error read_holding_registers, address 1, code 2 illegal_data_address"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("> request write_single_register, address 1"), std::string::npos) << text.out;
}

}  // namespace

}  // namespace modbus_dissector_test
