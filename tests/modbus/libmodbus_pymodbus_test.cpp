// The check that the two Modbus implementations no one here wrote agree with
// each other on this machine, before comframe is measured against either:
// libmodbus's RTU server on one end of a socat pty pair, pymodbus's client and
// libmodbus's client on the other.
#include "modbus_support.hpp"

namespace libmodbus_pymodbus_test {

namespace {

using namespace comframe::test;
using namespace comframe::test::modbus;

TEST(libmodbus_and_pymodbus, agree_over_a_pty_pair) {
  COMFRAME_REQUIRE_LIBMODBUS();
  COMFRAME_REQUIRE_SOCAT();
  COMFRAME_REQUIRE_PYMODBUS();
  pty_pair ptys("mb-sanity");
  ASSERT_TRUE(ptys.ready()) << ptys.output();
  child_process server({libmodbus_server, ptys.a, "1"});
  ASSERT_TRUE(server.wait_for_line("ready ")) << server.output();

  auto r = run({"/usr/bin/python3", pymodbus_client, "rtu:" + ptys.b, "1",
                "read_holding_registers 0 4", "write_multiple_registers 2 500,600",
                "write_single_register 0 7", "read_holding_registers 0 4",
                "read_holding_registers 98 4", "read_coils 0 10", "write_multiple_coils 0 0,1,1",
                "read_coils 0 10", "read_input_registers 0 3"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out,
            "0 1 2 3\n"
            "ok\n"
            "ok\n"
            "7 1 500 600\n"       // pymodbus reads back what it wrote
            "exception 2\n"       // 98..101 runs past the 100 registers: illegal data address
            "1 0 0 1 0 0 1 0 0 1\n"
            "ok\n"
            "0 1 1 1 0 0 1 0 0 1\n"
            "1000 1001 1002\n");

  // libmodbus's client sees pymodbus's writes, and the same exception.
  r = run({libmodbus_client, ptys.b, "1", "read_holding_registers", "0", "4"});
  EXPECT_EQ(r.out, "7 1 500 600\n") << r.err;
  r = run({libmodbus_client, ptys.b, "1", "read_holding_registers", "98", "4"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "exception 2: Illegal data address\n");

  // A broadcast write is carried out and answered by no one.
  r = run({"/usr/bin/python3", pymodbus_client, "rtu:" + ptys.b, "0", "write_single_register 5 77"});
  EXPECT_EQ(r.out, "no answer\n") << r.err;
  r = run({libmodbus_client, ptys.b, "1", "read_holding_registers", "5", "1"});
  EXPECT_EQ(r.out, "77\n") << r.err;
}

}  // namespace

}  // namespace libmodbus_pymodbus_test
