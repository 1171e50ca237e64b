// comframe monitor on Modbus RTU traffic, as a user watches a Modbus line: a
// listener on an RS-485 bus sees the master's requests and the devices' replies
// on one port. The bus here is a small Python hub joining three ptys — the
// simulator's (the device), a pty for the master (`comframe call`) and one for
// the listener — copying the master's bytes to the device and the device's to
// the master, and both to the listener. `comframe monitor --listen` decodes both
// directions: address, function, registers, an exception with its code's name,
// and a request to an address no device has, left unanswered. The same on a
// line framing (SCPI-like lines), whose replies are named by their request.
#include "modbus_support.hpp"

namespace modbus_monitor_test {

namespace {

using namespace comframe::test;
using namespace comframe::test::modbus;

const std::string rtu_profile = source_dir + "/examples/modbus_rtu/modbus_rtu.profile.json";
const std::string rtu_sim = source_dir + "/examples/modbus_rtu/modbus_rtu.sim.json";

// argv[1]: the device's pty. Prints "master: PATH" and "listener: PATH", then copies bytes until killed.
const char* const bus_hub = R"(
import os, select, sys, tty
device = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
tty.setraw(device)
master, master_slave = os.openpty()
listener, listener_slave = os.openpty()
for fd in (master_slave, listener_slave):
    tty.setraw(fd)
print("master: " + os.ttyname(master_slave))
print("listener: " + os.ttyname(listener_slave), flush=True)
while True:
    ready, _, _ = select.select([master, device, listener], [], [])
    for fd in ready:
        data = os.read(fd, 4096)
        if fd == master:
            os.write(device, data)
            os.write(listener, data)
        elif fd == device:
            os.write(master, data)
            os.write(listener, data)
)";

TEST(modbus_monitor, a_listener_on_the_bus_shows_requests_and_replies_with_address_registers_and_exception) {
  const std::string link = temp_path("mb-monitor");
  child_process sim({cli, "sim", "--sim", rtu_sim, "--symlink", link});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  child_process hub({"/usr/bin/python3", "-c", bus_hub, link});
  const auto master = hub.wait_for_line("master: ");
  const auto listener = hub.wait_for_line("listener: ");
  ASSERT_TRUE(master && listener) << hub.output();

  child_process monitor({cli, "monitor", *listener, "--profile", rtu_profile, "--listen"});
  ASSERT_TRUE(monitor.wait_for_line("monitor: listening on ")) << monitor.output();
  const auto call = [&](const std::string& command, const std::string& args, std::vector<std::string> more = {}) {
    std::vector<std::string> a{cli, "call", *master, "--profile", rtu_profile, "--compact", command, args};
    a.insert(a.end(), more.begin(), more.end());
    return run(a);
  };
  auto r = call("read_holding_registers", R"({"start": 0, "count": 4})");
  EXPECT_EQ(r.out, "{\"byte_count\":8,\"values\":[0,1,2,3]}\n") << r.err;
  r = call("write_single_register", R"({"address": 2, "value": 4660})");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = call("read_holding_registers", R"({"start": 98, "count": 4})");  // past the map: exception 2
  EXPECT_NE(r.err.find("device error 2 (illegal_data_address)"), std::string::npos) << r.err;
  r = call("read_holding_registers", R"({"start": 0, "count": 1})", {"--address", "2", "--timeout", "300"});
  EXPECT_NE(r.exit_code, 0);  // no device 2 on this bus

  // Each line: a UTC time, then what follows it.
  std::vector<std::string> tails;
  for (int i = 0; i < 7; ++i) {
    const auto line = monitor.wait_for_line("20");
    if (!line) break;
    const auto z = line->find('Z');
    tails.push_back(z == std::string::npos ? *line : line->substr(z + 1));
  }
  EXPECT_EQ(tails, (std::vector<std::string>{
                       " > request read_holding_registers address=1 start=0 count=4",
                       " < response read_holding_registers address=1 byte_count=8 values=[0,1,2,3]",
                       " > request write_single_register address=1 address=2 value=4660",
                       " < response write_single_register address=1 address=2 value=4660",
                       " > request read_holding_registers address=1 start=98 count=4",
                       " < error read_holding_registers address=1 code=2 name=\"illegal_data_address\"",
                       " > request read_holding_registers address=2 start=0 count=1",
                   }))
      << monitor.output();
  EXPECT_EQ(monitor.stop(SIGINT), 0) << monitor.output();
  // 4 requests of 8 bytes; replies of 13, 8 and 5 bytes.
  EXPECT_NE(monitor.output().find("monitor: frames 7 (to the device 4, from it 3), bytes 58, skipped 0"),
            std::string::npos)
      << monitor.output();
  EXPECT_EQ(sim.stop(), 0) << sim.output();
}

// Lines on a line: a request's text tells it from a reply, and each reply line is named by the
// request before it (replies match by order). The bytes come through a socat pty pair.
TEST(modbus_monitor, a_listener_names_each_reply_line_by_the_request_before_it) {
  COMFRAME_REQUIRE_SOCAT();
  pty_pair line("mb-monitor-lines");
  ASSERT_TRUE(line.ready()) << line.output();
  child_process monitor({cli, "monitor", line.a, "--profile", source_dir + "/examples/scpi_lines/scpi_lines.profile.json",
                         "--listen", "--count", "6"});
  ASSERT_TRUE(monitor.wait_for_line("monitor: listening on ")) << monitor.output();
  const auto r = run({"/usr/bin/python3", "-c",
                      "import os, sys\n"
                      "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NOCTTY)\n"
                      "os.write(fd, b'*IDN?\\nACME,PSU\\nVOLT 1.25\\nOK\\nVOLT?\\n1.250\\n')\n",
                      line.b});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> tails;
  for (int i = 0; i < 6; ++i) {
    const auto l = monitor.wait_for_line("20");
    if (!l) break;
    tails.push_back(l->substr(l->find('Z') + 1));
  }
  EXPECT_EQ(tails, (std::vector<std::string>{" > request idn", " < response idn \"ACME,PSU\"",
                                             " > request set_voltage \"1.25\"", " < response set_voltage \"OK\"",
                                             " > request get_voltage", " < response get_voltage \"1.250\""}))
      << monitor.output();
  EXPECT_EQ(monitor.stop(SIGINT), 0) << monitor.output();
  EXPECT_NE(monitor.output().find("monitor: frames 6 (to the device 3, from it 3), bytes 40, skipped 0"),
            std::string::npos)
      << monitor.output();
}

// Writes argv[2] (Python bytes, evaluated) to the pty argv[1], all of it.
const char* const write_bytes = R"(
import os, sys
def crc(b):
    c = 0xFFFF
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
    return bytes([c & 0xFF, c >> 8])
data = eval(sys.argv[2])
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NOCTTY)
while data:
    data = data[os.write(fd, data):]
)";

// Waits for a line of the monitor's that holds `what` (bounded: at most 1000 lines).
bool wait_for_frame(child_process& monitor, const std::string& what) {
  for (int i = 0; i < 1000; ++i) {
    const auto l = monitor.wait_for_line("20");
    if (!l) return false;
    if (l->find(what) != std::string::npos) return true;
  }
  return false;
}

// Counts the lines of `out` that hold `what`.
std::size_t lines_with(const std::string& out, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = out.find(what); p != std::string::npos; p = out.find(what, p + 1)) ++n;
  return n;
}

// A line stuck at 0xFF (a wrong baud rate, a broken driver): 100000 bytes that make no frame, then a
// request and its reply. The listener keeps up (each byte is decoded a bounded number of times), shows
// the noise as refused frames of at most 256 bytes as it comes, and then decodes both frames.
TEST(modbus_monitor, a_listener_skips_a_long_run_of_noise_in_pieces_and_then_decodes_the_frames) {
  COMFRAME_REQUIRE_SOCAT();
  pty_pair line("mb-monitor-noise");
  ASSERT_TRUE(line.ready()) << line.output();
  child_process monitor({cli, "monitor", line.a, "--profile", rtu_profile, "--listen"});
  ASSERT_TRUE(monitor.wait_for_line("monitor: listening on ")) << monitor.output();
  const auto r = run({"/usr/bin/python3", "-c", write_bytes, line.b,
                      "b'\\xff' * 100000"
                      " + bytes.fromhex('010300000004') + crc(bytes.fromhex('010300000004'))"
                      " + bytes.fromhex('0103080000000100020003') + crc(bytes.fromhex('0103080000000100020003'))"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(wait_for_frame(monitor, "< response read_holding_registers")) << monitor.output();
  EXPECT_EQ(monitor.stop(SIGINT), 0) << monitor.output();
  const std::string out = monitor.output();
  EXPECT_EQ(lines_with(out, "> request read_holding_registers address=1 start=0 count=4"), 1u) << out;
  EXPECT_EQ(lines_with(out, "< response read_holding_registers address=1 byte_count=8 values=[0,1,2,3]"), 1u) << out;
  EXPECT_EQ(lines_with(out, "refused frame (length)"), (100000u + 255u) / 256u) << out.substr(0, 2000);
  EXPECT_NE(out.find("monitor: frames 2 (to the device 1, from it 1), bytes 100021, skipped 100000"),
            std::string::npos)
      << out.substr(out.size() > 2000 ? out.size() - 2000 : 0);
}

// The same on a line framing, whose delimiter is the line's end: 100000 bytes with no terminator are
// skipped up to the next one, and bytes after the last frame are shown at exit, not lost.
TEST(modbus_monitor, a_listener_on_lines_skips_noise_to_the_next_terminator_and_shows_the_rest_at_exit) {
  COMFRAME_REQUIRE_SOCAT();
  pty_pair line("mb-monitor-linenoise");
  ASSERT_TRUE(line.ready()) << line.output();
  child_process monitor({cli, "monitor", line.a, "--profile", source_dir + "/examples/scpi_lines/scpi_lines.profile.json",
                         "--listen"});
  ASSERT_TRUE(monitor.wait_for_line("monitor: listening on ")) << monitor.output();
  const auto r = run({"/usr/bin/python3", "-c", write_bytes, line.b,
                      "b'\\xff' * 100000 + b'\\n*IDN?\\nACME,PSU\\n' + b'\\xff' * 10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(wait_for_frame(monitor, "< response idn")) << monitor.output();
  EXPECT_EQ(monitor.stop(SIGINT), 0) << monitor.output();
  const std::string out = monitor.output();
  EXPECT_EQ(lines_with(out, "> request idn"), 1u) << out.substr(out.size() > 2000 ? out.size() - 2000 : 0);
  // 100001 bytes (the noise and its terminator) before the first frame, 10 after the last.
  EXPECT_EQ(lines_with(out, "refused frame (length)"), (100001u + 255u) / 256u + 1u) << out.substr(0, 2000);
  EXPECT_NE(out.find("monitor: frames 2 (to the device 1, from it 1), bytes 100026, skipped 100011"),
            std::string::npos)
      << out.substr(out.size() > 2000 ? out.size() - 2000 : 0);
}

// comframe's own framing (COBS, frames end on 0x00) never refuses bytes before a 0x00 comes: 100000
// bytes of 0xFF with none, then a 0x00, are shown as they come, 256 to a line, and the rest at exit.
TEST(modbus_monitor, a_listener_on_cobs_shows_noise_without_a_delimiter_as_it_comes) {
  COMFRAME_REQUIRE_SOCAT();
  const std::string profile = temp_path("mb-monitor-cobs") + ".profile.json";
  auto r = run({"/usr/bin/python3", "-c",
                "import json, sys\n"
                "p = json.load(open(sys.argv[1]))\n"
                "p.pop('framing', None)\n"
                "json.dump(p, open(sys.argv[2], 'w'))\n",
                source_dir + "/examples/scpi_lines/scpi_lines.profile.json", profile});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  pty_pair line("mb-monitor-cobsnoise");
  ASSERT_TRUE(line.ready()) << line.output();
  child_process monitor({cli, "monitor", line.a, "--profile", profile, "--listen"});
  ASSERT_TRUE(monitor.wait_for_line("monitor: listening on ")) << monitor.output();
  r = run({"/usr/bin/python3", "-c", write_bytes, line.b, "b'\\xff' * 100000 + b'\\x00'"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int full = 0;
  while (full < 390) {
    const auto l = monitor.wait_for_line("20");
    if (!l) break;
    if (l->find("refused frame (length): 256 raw bytes ff ff") != std::string::npos) ++full;
  }
  EXPECT_EQ(full, 390) << monitor.output().substr(0, 2000);
  EXPECT_EQ(monitor.stop(SIGINT), 0) << monitor.output();
  const std::string out = monitor.output();
  EXPECT_EQ(lines_with(out, "refused frame (length): 161 raw bytes"), 1u) << out.substr(out.size() > 2000 ? out.size() - 2000 : 0);
  EXPECT_NE(out.find("monitor: frames 0 (to the device 0, from it 0), bytes 100001, skipped 100001"),
            std::string::npos)
      << out.substr(out.size() > 2000 ? out.size() - 2000 : 0);
  std::remove(profile.c_str());
}

TEST(modbus_monitor, listen_needs_a_profile_and_refuses_options_that_send_or_publish) {
  const std::string link = temp_path("mb-monitor-noprofile");
  child_process sim({cli, "sim", "--sim", rtu_sim, "--symlink", link});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  auto r = run({cli, "monitor", link, "--listen"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--listen needs --profile FILE"), std::string::npos) << r.err;
  r = run({cli, "monitor", link, "--listen", "--profile", rtu_profile, "--bridge", "mb-listen"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--bridge, --check and --address do not go with it"), std::string::npos) << r.err;
  EXPECT_EQ(sim.stop(), 0) << sim.output();
}

}  // namespace

}  // namespace modbus_monitor_test
