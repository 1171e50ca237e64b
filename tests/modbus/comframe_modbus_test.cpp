// comframe and Modbus software no one here wrote, each as a real process on
// real ptys (a socat pair) or TCP: comframe's host against libmodbus's RTU
// server, libmodbus's and pymodbus's clients against comframe's simulator
// serving examples/modbus_rtu, pymodbus's TCP client against examples/modbus_tcp.
#include "modbus_support.hpp"

namespace comframe_modbus_test {

namespace {

using namespace comframe::test;
using namespace comframe::test::modbus;

const std::string rtu_profile = source_dir + "/examples/modbus_rtu/modbus_rtu.profile.json";
const std::string rtu_sim = source_dir + "/examples/modbus_rtu/modbus_rtu.sim.json";
const std::string tcp_profile = source_dir + "/examples/modbus_tcp/modbus_tcp.profile.json";
const std::string tcp_sim = source_dir + "/examples/modbus_tcp/modbus_tcp.sim.json";

run_result call(const std::string& port, const std::string& profile, const std::string& command,
                const std::string& args, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{cli, "call", port, "--profile", profile, "--compact", command, args};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run(argv);
}

TEST(comframe_host, reads_and_writes_libmodbus_rtu_server_registers_and_gets_its_exception) {
  COMFRAME_REQUIRE_LIBMODBUS();
  COMFRAME_REQUIRE_SOCAT();
  pty_pair ptys("mb-host");
  ASSERT_TRUE(ptys.ready()) << ptys.output();
  child_process server({libmodbus_server, ptys.a, "1"});
  ASSERT_TRUE(server.wait_for_line("ready ")) << server.output();

  auto r = call(ptys.b, rtu_profile, "read_holding_registers", R"({"start": 0, "count": 4})");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"byte_count\":8,\"values\":[0,1,2,3]}\n");
  r = call(ptys.b, rtu_profile, "write_multiple_registers", R"({"start": 1, "count": 2, "values": [500, 600]})");
  EXPECT_EQ(r.out, "{\"start\":1,\"count\":2}\n") << r.err;
  r = call(ptys.b, rtu_profile, "write_single_register", R"({"address": 0, "value": 7})");
  EXPECT_EQ(r.out, "{\"address\":0,\"value\":7}\n") << r.err;
  r = call(ptys.b, rtu_profile, "read_holding_registers", R"({"start": 0, "count": 4})");
  EXPECT_EQ(r.out, "{\"byte_count\":8,\"values\":[7,500,600,3]}\n") << r.err;
  r = call(ptys.b, rtu_profile, "read_input_registers", R"({"start": 0, "count": 2})");
  EXPECT_EQ(r.out, "{\"byte_count\":4,\"values\":[1000,1001]}\n") << r.err;
  r = call(ptys.b, rtu_profile, "read_coils", R"({"start": 0, "count": 10})");
  EXPECT_EQ(r.out, "{\"byte_count\":2,\"coils\":[73,2]}\n") << r.err;
  r = call(ptys.b, rtu_profile, "write_multiple_coils", R"({"start": 0, "count": 3, "coils": [6]})");
  EXPECT_EQ(r.out, "{\"start\":0,\"count\":3}\n") << r.err;
  r = call(ptys.b, rtu_profile, "write_single_coil", R"({"address": 9, "value": 0})");
  EXPECT_EQ(r.out, "{\"address\":9,\"value\":0}\n") << r.err;
  r = call(ptys.b, rtu_profile, "read_coils", R"({"start": 0, "count": 10})");
  EXPECT_EQ(r.out, "{\"byte_count\":2,\"coils\":[78,0]}\n") << r.err;

  // libmodbus answers exception 2 for registers past its map: a device error with that code.
  r = call(ptys.b, rtu_profile, "read_holding_registers", R"({"start": 98, "count": 4})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("device error 2 (illegal_data_address)"), std::string::npos) << r.err;
  // And the other side agrees on what comframe wrote.
  r = run({libmodbus_client, ptys.b, "1", "read_holding_registers", "0", "4"});
  EXPECT_EQ(r.out, "7 500 600 3\n") << r.err;
}

TEST(libmodbus_client, reads_back_what_it_wrote_to_the_comframe_simulator) {
  COMFRAME_REQUIRE_LIBMODBUS();
  const std::string link = temp_path("mb-sim-libmodbus");
  child_process sim({cli, "sim", "--sim", rtu_sim, "--symlink", link});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  const auto client = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {libmodbus_client, link, "1"});
    return run(args);
  };
  EXPECT_EQ(client({"read_holding_registers", "0", "4"}).out, "0 1 2 3\n");
  EXPECT_EQ(client({"write_multiple_registers", "10", "11,12,13"}).out, "ok\n");
  EXPECT_EQ(client({"write_single_register", "20", "65535"}).out, "ok\n");
  EXPECT_EQ(client({"read_holding_registers", "10", "4"}).out, "11 12 13 13\n");
  EXPECT_EQ(client({"read_holding_registers", "20", "1"}).out, "65535\n");
  EXPECT_EQ(client({"read_input_registers", "5", "2"}).out, "1005 1006\n");
  EXPECT_EQ(client({"read_coils", "0", "10"}).out, "1 0 0 1 0 0 1 0 0 1\n");
  EXPECT_EQ(client({"write_multiple_coils", "0", "0,1,1,0,1,1,1,1,1,1"}).out, "ok\n");
  EXPECT_EQ(client({"write_single_coil", "12", "0"}).out, "ok\n");
  EXPECT_EQ(client({"read_coils", "0", "13"}).out, "0 1 1 0 1 1 1 1 1 1 0 0 0\n");
  auto r = client({"read_holding_registers", "98", "4"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "exception 2: Illegal data address\n");
  r = client({"write_single_register", "100", "1"});
  EXPECT_EQ(r.out, "exception 2: Illegal data address\n");
  r = client({"read_coils", "60", "5"});
  EXPECT_EQ(r.out, "exception 2: Illegal data address\n");
  EXPECT_EQ(sim.stop(), 0) << sim.output();
}

TEST(pymodbus_client, reads_back_what_it_wrote_to_the_comframe_simulator_and_a_broadcast_gets_no_answer) {
  COMFRAME_REQUIRE_PYMODBUS();
  const std::string link = temp_path("mb-sim-pymodbus");
  child_process sim({cli, "sim", "--sim", rtu_sim, "--symlink", link});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  auto r = run({"/usr/bin/python3", pymodbus_client, "rtu:" + link, "1", "write_multiple_registers 2 500,600",
                "write_single_register 0 7", "read_holding_registers 0 4", "read_holding_registers 98 4",
                "write_multiple_coils 0 0,1,1", "write_single_coil 9 0", "read_coils 0 10", "read_input_registers 0 3",
                "write_single_register 99 1", "write_single_register 100 1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out,
            "ok\n"
            "ok\n"
            "7 1 500 600\n"
            "exception 2\n"
            "ok\n"
            "ok\n"
            "0 1 1 1 0 0 1 0 0 0\n"
            "1000 1001 1002\n"
            "ok\n"
            "exception 2\n");
  // Address 0 is the broadcast: carried out, answered by no one; address 2 is another device's.
  r = run({"/usr/bin/python3", pymodbus_client, "rtu:" + link, "0", "write_single_register 5 77"});
  EXPECT_EQ(r.out, "no answer\n") << r.err;
  r = run({"/usr/bin/python3", pymodbus_client, "rtu:" + link, "2", "read_holding_registers 0 1"});
  EXPECT_EQ(r.out, "no answer\n") << r.err;
  r = run({"/usr/bin/python3", pymodbus_client, "rtu:" + link, "1", "read_holding_registers 5 1"});
  EXPECT_EQ(r.out, "77\n") << r.err;
  EXPECT_EQ(sim.stop(), 0) << sim.output();
}

TEST(modbus_tcp, pymodbus_tcp_client_and_comframe_call_against_the_simulator) {
  COMFRAME_REQUIRE_PYMODBUS();
  child_process sim({cli, "sim", "--sim", tcp_sim, "--tcp", "0"});
  const auto url = sim.wait_for_line("port: ");
  ASSERT_TRUE(url) << sim.output();
  ASSERT_EQ(url->rfind("tcp://", 0), 0u) << *url;
  auto r = run({"/usr/bin/python3", pymodbus_client, "tcp:" + url->substr(6), "1", "write_multiple_registers 2 500,600",
                "read_holding_registers 0 4", "read_holding_registers 98 4", "read_coils 0 4"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "ok\n0 1 500 600\nexception 2\n1 0 0 1\n");
  r = call(*url, tcp_profile, "write_single_register", R"({"address": 3, "value": 99})");
  EXPECT_EQ(r.out, "{\"address\":3,\"value\":99}\n") << r.err;
  r = call(*url, tcp_profile, "read_holding_registers", R"({"start": 0, "count": 4})");
  EXPECT_EQ(r.out, "{\"byte_count\":8,\"values\":[0,1,500,99]}\n") << r.err;
  r = call(*url, tcp_profile, "read_holding_registers", R"({"start": 99, "count": 2})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("device error 2 (illegal_data_address)"), std::string::npos) << r.err;
  EXPECT_EQ(sim.stop(), 0) << sim.output();
}

}  // namespace

}  // namespace comframe_modbus_test
