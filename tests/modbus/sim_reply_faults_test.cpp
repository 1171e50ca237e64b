// The simulator's device-level faults "never reply" and "reply late" with a
// device protocol's framing (Modbus RTU, a line protocol), and a Modbus TCP
// transaction id of 0 answered byte for byte: `comframe sim` as a real
// process, hosts on its real pty or TCP port (`comframe call`, or raw bytes
// written by the test). Counts and bytes are asserted, never durations.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "modbus_support.hpp"

namespace sim_reply_faults_test {

namespace {

using namespace comframe::test;
using namespace comframe::test::modbus;
using bytes = std::vector<std::uint8_t>;

const std::string rtu_profile = source_dir + "/examples/modbus_rtu/modbus_rtu.profile.json";
const std::string scpi_profile = source_dir + "/examples/scpi_lines/scpi_lines.profile.json";
const std::string scpi_sim = source_dir + "/examples/scpi_lines/scpi_lines.sim.json";
const std::string tcp_sim = source_dir + "/examples/modbus_tcp/modbus_tcp.sim.json";

// CRC-16/MODBUS, appended little-endian.
bytes with_crc(bytes frame) {
  std::uint16_t crc = 0xFFFF;
  for (std::uint8_t b : frame) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) crc = (crc & 1) ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001) : crc >> 1;
  }
  frame.push_back(static_cast<std::uint8_t>(crc & 0xFF));
  frame.push_back(static_cast<std::uint8_t>(crc >> 8));
  return frame;
}

bytes text_bytes(const std::string& s) { return bytes(s.begin(), s.end()); }

// A descriptor the test writes raw bytes to and reads them from: the pty
// (raw mode) or a TCP connection. read_exactly() stops at `n` bytes or at the
// watchdog, which bounds a broken run and is not asserted.
struct raw_peer {
  int fd = -1;
  static raw_peer pty(const std::string& path) {
    raw_peer p;
    p.fd = ::open(path.c_str(), O_RDWR | O_NOCTTY);
    if (p.fd < 0) throw std::runtime_error("cannot open " + path);
    termios t{};
    ::tcgetattr(p.fd, &t);
    cfmakeraw(&t);
    ::tcsetattr(p.fd, TCSANOW, &t);
    return p;
  }
  static raw_peer tcp(std::uint16_t port) {
    raw_peer p;
    p.fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (p.fd < 0 || ::connect(p.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("cannot connect to port " + std::to_string(port));
    return p;
  }
  raw_peer() = default;
  raw_peer(raw_peer&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  ~raw_peer() {
    if (fd >= 0) ::close(fd);
  }
  void write(const bytes& b) const {
    ASSERT_EQ(::write(fd, b.data(), b.size()), static_cast<ssize_t>(b.size()));
  }
  bytes read_exactly(std::size_t n, std::chrono::seconds watchdog = std::chrono::seconds(30)) const {
    bytes got;
    const auto deadline = std::chrono::steady_clock::now() + watchdog;
    while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      std::uint8_t buf[512];
      const ssize_t k = ::read(fd, buf, std::min(sizeof buf, n - got.size()));
      if (k > 0) got.insert(got.end(), buf, buf + k);
      if (k == 0) break;  // the peer closed
    }
    return got;
  }
};

struct sim_run {
  child_process proc;
  std::string port;
  explicit sim_run(std::vector<std::string> args) : proc([&] {
    args.insert(args.begin(), {cli, "sim"});
    return args;
  }()) {
    auto p = proc.wait_for_line("port: ");
    if (!p) throw std::runtime_error("the simulator did not start: " + proc.output());
    port = *p;
  }
  nlohmann::json stats() {
    proc.write_line("stats json");
    auto line = proc.wait_for_line("{");
    if (!line) throw std::runtime_error("no stats: " + proc.output());
    return nlohmann::json::parse("{" + *line);
  }
  void set_faults(const std::string& spec) {
    proc.write_line("faults " + spec);
    if (!proc.wait_for_line("faults: ")) throw std::runtime_error("faults not taken: " + proc.output());
  }
};

// One framing's run: with never=1 the host's call times out (no broken frame:
// the device made the reply and nothing of it reached the line); with late the
// raw request gets the whole reply, byte for byte.
void never_then_late(sim_run& sim, const std::vector<std::string>& call_args, const bytes& request,
                     const bytes& reply) {
  auto r = run([&] {
    std::vector<std::string> argv{cli, "call", sim.port, "--timeout", "300"};
    argv.insert(argv.end(), call_args.begin(), call_args.end());
    return argv;
  }());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("no reply within the timeout"), std::string::npos) << r.err;
  auto s = sim.stats();
  EXPECT_EQ(s["requests"], 1) << s;
  EXPECT_EQ(s["faults"]["replies"], 1) << s;
  EXPECT_EQ(s["faults"]["replies_dropped"], 1) << s;
  EXPECT_EQ(s["faults"]["bytes_written"], 0) << s;  // not a byte of it went to the line
  EXPECT_EQ(s["frame_errors"]["total"], 0) << s;

  sim.set_faults("late=300");
  {
    const auto host = raw_peer::pty(sim.port);
    host.write(request);
    EXPECT_EQ(host.read_exactly(reply.size()), reply);
  }
  s = sim.stats();
  EXPECT_EQ(s["requests"], 2) << s;
  EXPECT_EQ(s["faults"]["replies"], 2) << s;
  EXPECT_EQ(s["faults"]["replies_late"], 1) << s;
  EXPECT_EQ(s["faults"]["bytes_written"], reply.size()) << s;
  EXPECT_EQ(s["frame_errors"]["total"], 0) << s;

  // And without faults, the same bytes at once.
  sim.set_faults("");
  {
    const auto host = raw_peer::pty(sim.port);
    host.write(request);
    EXPECT_EQ(host.read_exactly(reply.size()), reply);
  }
  EXPECT_EQ(sim.stats()["faults"]["replies"], 2);
}

TEST(sim_reply_faults, modbus_rtu_never_times_out_and_late_arrives_whole) {
  sim_run sim({"--profile", rtu_profile, "--faults", "never=1,seed=1"});
  // A bare profile answers the response's zero value: byte_count 0, no registers.
  never_then_late(sim, {"--profile", rtu_profile, "read_holding_registers", R"({"start": 0, "count": 2})"},
                  with_crc({0x01, 0x03, 0x00, 0x00, 0x00, 0x02}), with_crc({0x01, 0x03, 0x00}));
  EXPECT_EQ(sim.proc.stop(), 0) << sim.proc.output();
}

TEST(sim_reply_faults, a_line_protocol_never_times_out_and_late_arrives_whole) {
  sim_run sim({"--sim", scpi_sim, "--faults", "never=1,seed=1"});
  never_then_late(sim, {"--profile", scpi_profile, "idn"}, text_bytes("*IDN?\n"),
                  text_bytes("COMFRAME,SIM-PSU,0001,1.0\n"));
  EXPECT_EQ(sim.proc.stop(), 0) << sim.proc.output();
}

// Modbus TCP's transaction id 0 is an ordinary request (comframe's own framing
// alone reads sequence 0 as "no reply wanted").
TEST(modbus_tcp, a_request_with_transaction_id_0_gets_its_reply_byte_for_byte) {
  sim_run sim({"--sim", tcp_sim, "--tcp", "0"});
  ASSERT_EQ(sim.port.rfind("tcp://", 0), 0u) << sim.port;
  const auto port = static_cast<std::uint16_t>(std::stoi(sim.port.substr(sim.port.rfind(':') + 1)));
  {
    const auto host = raw_peer::tcp(port);
    host.write({0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x02});
    // Transaction 0, protocol 0, length 7, unit 1, function 3, 4 bytes: registers 0 and 1.
    const bytes reply{0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x01, 0x03, 0x04, 0x00, 0x00, 0x00, 0x01};
    EXPECT_EQ(host.read_exactly(reply.size()), reply);
    // And one with transaction id 0x1234 on the same connection.
    host.write({0x12, 0x34, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x01, 0x00, 0x01});
    const bytes second{0x12, 0x34, 0x00, 0x00, 0x00, 0x05, 0x01, 0x03, 0x02, 0x00, 0x01};
    EXPECT_EQ(host.read_exactly(second.size()), second);
  }
  EXPECT_EQ(sim.proc.stop(), 0) << sim.proc.output();
}

}  // namespace

}  // namespace sim_reply_faults_test
