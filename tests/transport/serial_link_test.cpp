// Serial links on real pseudo-terminals: bytes both ways, line settings as the
// kernel sees them, and a vanished port.
//
// This file reads the line settings with the TCGETS2 ioctl, whose header
// <asm/termbits.h> cannot live with <termios.h> (and so not with <pty.h>'s
// openpty): the pty comes from support/pty_master.hpp, which includes neither.
#include <asm/termbits.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "comframe/transport/link.hpp"
#include "comframe/transport/link_error.hpp"
#include "support/process.hpp"
#include "support/pty_master.hpp"
#include "support/require_tool.hpp"
#include "transport/link_outcome.hpp"

namespace serial_link_test {

namespace {

using namespace comframe::transport;
using test_support::outcome;
using test_support::run_until;

// A pseudo-terminal: the test holds the master side, links open the slave path.
class pty {
 public:
  explicit pty(boost::asio::io_context& io) : master_(io) {
    auto m = comframe::test::open_pty_master();
    master_.assign(m.fd);
    slave_path_ = std::move(m.slave_path);
  }

  const std::string& slave_path() const { return slave_path_; }
  boost::asio::posix::stream_descriptor& master() { return master_; }
  void close_master() { master_.close(); }

  // The slave's line settings, as the kernel holds them (a pty master answers
  // TCGETS2 with its slave's termios).
  struct termios2 settings() {
    struct termios2 t {};
    if (::ioctl(master_.native_handle(), TCGETS2, &t) != 0) ADD_FAILURE() << "TCGETS2: " << std::strerror(errno);
    return t;
  }

 private:
  boost::asio::posix::stream_descriptor master_;
  std::string slave_path_;
};

// Reads from `from` until `count` bytes have come.
template <class Reader>
std::vector<std::uint8_t> read_exactly(boost::asio::io_context& io, Reader&& read_some, std::size_t count) {
  std::vector<std::uint8_t> received;
  std::array<std::uint8_t, 64> buffer{};
  while (received.size() < count) {
    outcome read;
    read_some(std::span<std::uint8_t>(buffer), read);
    run_until(io, read);
    if (!read.ec || *read.ec) {
      ADD_FAILURE() << "read failed: " << (read.ec ? read.ec->message() : "no result");
      break;
    }
    received.insert(received.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(read.bytes));
  }
  return received;
}

// Bytes a terminal would mangle if it were not raw: CR, LF, XON, XOFF, ^C, DEL, NUL.
const std::vector<std::uint8_t> awkward_bytes{0x00, 0x0D, 0x0A, 0x11, 0x13, 0x03, 0x7F, 0xFF, 0x04};

void expect_bytes_flow_both_ways(boost::asio::io_context& io, pty& terminal, comframe::transport::link& port) {
  outcome wrote;
  port.async_write(awkward_bytes, wrote.handler());
  const auto at_master = read_exactly(
      io,
      [&](std::span<std::uint8_t> buffer, outcome& read) {
        terminal.master().async_read_some(boost::asio::buffer(buffer.data(), buffer.size()), read.handler());
      },
      awkward_bytes.size());
  run_until(io, wrote);
  EXPECT_FALSE(*wrote.ec) << wrote.ec->message();
  EXPECT_EQ(wrote.bytes, awkward_bytes.size());
  EXPECT_EQ(at_master, awkward_bytes);

  outcome sent;
  boost::asio::async_write(terminal.master(), boost::asio::buffer(awkward_bytes), sent.handler());
  const auto at_link = read_exactly(
      io, [&](std::span<std::uint8_t> buffer, outcome& read) { port.async_read_some(buffer, read.handler()); },
      awkward_bytes.size());
  run_until(io, sent);
  EXPECT_EQ(at_link, awkward_bytes);
}

// The message of the open_failed error that opening `url` throws.
std::string open_failure(boost::asio::io_context& io, const std::string& url) {
  try {
    open_link(io, url);
  } catch (const link_error& e) {
    EXPECT_EQ(e.kind(), link_errc::open_failed);
    EXPECT_EQ(e.id(), "transport.open_failed");
    EXPECT_EQ(std::string(e.what()), "[" + e.id() + "] " + e.detail());
    return e.detail();
  }
  ADD_FAILURE() << "no error opening " << url;
  return {};
}

TEST(serial_link, bytes_flow_both_ways_through_the_slave_path_unchanged) {
  boost::asio::io_context io;
  pty terminal(io);
  auto port = open_link(io, terminal.slave_path());
  EXPECT_TRUE(port->is_open());
  EXPECT_EQ(port->url(), terminal.slave_path());
  expect_bytes_flow_both_ways(io, terminal, *port);
}

// write_now() writes at once, with no completion to wait for, while no
// async_write is in progress; during one it writes nothing (order is kept).
TEST(serial_link, write_now_writes_at_once_unless_an_async_write_is_in_progress) {
  boost::asio::io_context io;
  pty terminal(io);
  auto port = open_link(io, terminal.slave_path());
  EXPECT_EQ(port->write_now(awkward_bytes), awkward_bytes.size());
  const auto at_master = read_exactly(
      io,
      [&](std::span<std::uint8_t> buffer, outcome& read) {
        terminal.master().async_read_some(boost::asio::buffer(buffer.data(), buffer.size()), read.handler());
      },
      awkward_bytes.size());
  EXPECT_EQ(at_master, awkward_bytes);

  outcome wrote;
  port->async_write(awkward_bytes, wrote.handler());
  EXPECT_EQ(port->write_now(awkward_bytes), 0u);
  run_until(io, wrote);
  ASSERT_TRUE(wrote.ec);
  EXPECT_FALSE(*wrote.ec) << wrote.ec->message();
  EXPECT_EQ(port->write_now(awkward_bytes), awkward_bytes.size());
  const auto after = read_exactly(
      io,
      [&](std::span<std::uint8_t> buffer, outcome& read) {
        terminal.master().async_read_some(boost::asio::buffer(buffer.data(), buffer.size()), read.handler());
      },
      2 * awkward_bytes.size());
  std::vector<std::uint8_t> twice = awkward_bytes;
  twice.insert(twice.end(), awkward_bytes.begin(), awkward_bytes.end());
  EXPECT_EQ(after, twice);
}

TEST(serial_link, bytes_flow_both_ways_through_a_symlink_to_the_pty) {
  boost::asio::io_context io;
  pty terminal(io);
  std::string dir_template = (std::filesystem::temp_directory_path() / "comframe-serial-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir_template.data()), nullptr) << std::strerror(errno);
  const std::filesystem::path dir = dir_template;
  const auto symlink = dir / "device";
  std::filesystem::create_symlink(terminal.slave_path(), symlink);

  auto port = open_link(io, "serial://" + symlink.string() + "?baud=9600");
  EXPECT_EQ(port->url(), "serial://" + symlink.string() + "?baud=9600");
  expect_bytes_flow_both_ways(io, terminal, *port);
  std::filesystem::remove_all(dir);
}

TEST(serial_link, the_defaults_are_115200_8n1_raw_without_flow_control) {
  boost::asio::io_context io;
  pty terminal(io);
  auto port = open_link(io, terminal.slave_path());
  const auto t = terminal.settings();
  EXPECT_EQ(t.c_cflag & CBAUD, static_cast<tcflag_t>(B115200));
  EXPECT_EQ(t.c_ospeed, 115200u);
  EXPECT_EQ(t.c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
  EXPECT_EQ(t.c_cflag & (PARENB | CSTOPB | CRTSCTS), 0u);
  EXPECT_EQ(t.c_iflag & (IXON | IXOFF | ICRNL | INLCR | IGNCR | ISTRIP), 0u);
  EXPECT_EQ(t.c_lflag & (ICANON | ECHO | ISIG | IEXTEN), 0u);
  EXPECT_EQ(t.c_oflag & OPOST, 0u);
}

TEST(serial_link, a_non_standard_baud_is_set_through_termios2) {
  boost::asio::io_context io;
  pty terminal(io);
  auto port = open_link(io, terminal.slave_path() + "?baud=250000");
  const auto t = terminal.settings();
  EXPECT_EQ(t.c_cflag & CBAUD, static_cast<tcflag_t>(BOTHER));
  EXPECT_EQ(t.c_ospeed, 250000u);
  EXPECT_EQ(t.c_ispeed, 250000u);
  expect_bytes_flow_both_ways(io, terminal, *port);
}

TEST(serial_link, a_standard_baud_after_a_non_standard_one_replaces_it) {
  boost::asio::io_context io;
  pty terminal(io);
  open_link(io, terminal.slave_path() + "?baud=250000");
  auto port = open_link(io, terminal.slave_path() + "?baud=1000000");
  const auto t = terminal.settings();
  EXPECT_EQ(t.c_cflag & CBAUD, static_cast<tcflag_t>(B1000000));
  EXPECT_EQ(t.c_ospeed, 1000000u);
}

TEST(serial_link, stop_bits_and_flow_control_are_applied) {
  boost::asio::io_context io;
  pty terminal(io);
  {
    auto port = open_link(io, terminal.slave_path() + "?baud=9600&stop_bits=2&flow=hardware");
    const auto t = terminal.settings();
    EXPECT_EQ(t.c_cflag & CBAUD, static_cast<tcflag_t>(B9600));
    EXPECT_EQ(t.c_ospeed, 9600u);
    EXPECT_NE(t.c_cflag & CSTOPB, 0u);
    EXPECT_NE(t.c_cflag & CRTSCTS, 0u);
    EXPECT_EQ(t.c_iflag & (IXON | IXOFF), 0u);
  }
  {
    auto port = open_link(io, terminal.slave_path() + "?flow=software");
    const auto t = terminal.settings();
    EXPECT_EQ(t.c_cflag & (CSTOPB | CRTSCTS), 0u);
    EXPECT_EQ(t.c_iflag & (IXON | IXOFF), static_cast<tcflag_t>(IXON | IXOFF));
  }
}

// The Linux pty driver keeps CS8 and clears PARENB whatever tcsetattr asks
// (pty_set_termios), so a real device's URL must still open on a simulator's pty.
TEST(serial_link, data_bits_and_parity_are_accepted_on_a_pty_which_always_carries_8_bits_without_parity) {
  boost::asio::io_context io;
  pty terminal(io);
  auto port = open_link(io, terminal.slave_path() + "?baud=250000&data_bits=7&parity=even&stop_bits=2");
  const auto t = terminal.settings();
  EXPECT_EQ(t.c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
  EXPECT_EQ(t.c_cflag & PARENB, 0u);
  EXPECT_EQ(t.c_ospeed, 250000u);
  EXPECT_NE(t.c_cflag & CSTOPB, 0u);
  expect_bytes_flow_both_ways(io, terminal, *port);
}

// Parity and data bits need a real UART driver. Opt in with a port this test
// may reconfigure (it restores the settings after), e.g.
//   COMFRAME_TEST_SERIAL_PORT=/dev/ttyS0
TEST(serial_link, data_bits_and_parity_are_applied_on_a_real_serial_port) {
  const char* path = std::getenv("COMFRAME_TEST_SERIAL_PORT");
  if (path == nullptr || *path == '\0') GTEST_SKIP() << "set COMFRAME_TEST_SERIAL_PORT to a serial port to run this";
  const int fd = ::open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
  ASSERT_GE(fd, 0) << path << ": " << std::strerror(errno);
  struct termios2 saved {};
  ASSERT_EQ(::ioctl(fd, TCGETS2, &saved), 0) << std::strerror(errno);

  boost::asio::io_context io;
  const auto read_back = [&] {
    struct termios2 t {};
    EXPECT_EQ(::ioctl(fd, TCGETS2, &t), 0) << std::strerror(errno);
    return t;
  };
  {
    auto port = open_link(io, std::string(path) + "?baud=9600&data_bits=7&parity=odd&stop_bits=2");
    const auto t = read_back();
    EXPECT_EQ(t.c_cflag & CSIZE, static_cast<tcflag_t>(CS7));
    EXPECT_EQ(t.c_cflag & (PARENB | PARODD), static_cast<tcflag_t>(PARENB | PARODD));
    EXPECT_NE(t.c_cflag & CSTOPB, 0u);
    EXPECT_EQ(t.c_ospeed, 9600u);
  }
  {
    auto port = open_link(io, std::string(path) + "?data_bits=6&parity=even");
    const auto t = read_back();
    EXPECT_EQ(t.c_cflag & CSIZE, static_cast<tcflag_t>(CS6));
    EXPECT_EQ(t.c_cflag & (PARENB | PARODD), static_cast<tcflag_t>(PARENB));
  }
  // A UART either makes 250000 (within a few percent) or the open says which rate it chose instead.
  try {
    auto port = open_link(io, std::string(path) + "?baud=250000");
    EXPECT_NEAR(static_cast<double>(read_back().c_ospeed), 250000.0, 250000.0 * 0.03);
  } catch (const link_error& e) {
    EXPECT_EQ(e.kind(), link_errc::open_failed);
    const std::string expected = "cannot open " + std::string(path) + ": cannot set baud 250000: the driver chose ";
    EXPECT_EQ(std::string(e.what()).substr(0, expected.size()), expected) << e.what();
    std::cout << "[ note     ] " << e.what() << '\n';
  }
  EXPECT_EQ(::ioctl(fd, TCSETS2, &saved), 0) << std::strerror(errno);
  ::close(fd);
}

TEST(serial_link, one_and_a_half_stop_bits_are_refused_on_linux) {
  boost::asio::io_context io;
  pty terminal(io);
  EXPECT_EQ(open_failure(io, terminal.slave_path() + "?stop_bits=1.5"),
            "cannot open " + terminal.slave_path() + ": 1.5 stop bits are not supported on Linux (use stop_bits=1 or 2)");
}

TEST(serial_link, a_missing_port_is_refused_with_the_path_and_the_os_reason) {
  boost::asio::io_context io;
  EXPECT_EQ(open_failure(io, "/dev/ttyUSB-comframe-missing?baud=9600"),
            "cannot open /dev/ttyUSB-comframe-missing: No such file or directory");
  EXPECT_EQ(open_failure(io, "serial:///dev/ttyUSB-comframe-missing"),
            "cannot open /dev/ttyUSB-comframe-missing: No such file or directory");
}

TEST(serial_link, a_file_that_is_no_terminal_is_refused) {
  boost::asio::io_context io;
  EXPECT_EQ(open_failure(io, "/dev/null"), "cannot open /dev/null: Inappropriate ioctl for device");
}

TEST(serial_link, a_pending_read_ends_with_link_lost_when_the_pty_master_closes) {
  boost::asio::io_context io;
  pty terminal(io);
  auto port = open_link(io, terminal.slave_path());
  std::array<std::uint8_t, 16> buffer{};
  outcome read;
  port->async_read_some(buffer, read.handler());
  terminal.close_master();
  run_until(io, read);
  EXPECT_TRUE(is_link_lost(*read.ec)) << read.ec->message();
  EXPECT_EQ(read.bytes, 0u);

  // Lost stays lost, for reads and writes alike; no stream of 0-byte reads.
  outcome again;
  port->async_read_some(buffer, again.handler());
  run_until(io, again);
  EXPECT_TRUE(is_link_lost(*again.ec)) << again.ec->message();
  outcome wrote;
  port->async_write(awkward_bytes, wrote.handler());
  run_until(io, wrote);
  EXPECT_TRUE(is_link_lost(*wrote.ec)) << wrote.ec->message();
  EXPECT_TRUE(port->is_open());
}

// Termios belong to the tty, not to one open file. pyserial, opening the same
// port, sets VMIN = 0 and VTIME = 0; a read with no byte waiting then returns 0
// bytes, as a hung-up tty reads. The link keeps reading (and puts VMIN back).
TEST(serial_link, another_program_opening_the_port_with_vmin_0_does_not_make_it_look_lost) {
  const std::string python = "/usr/bin/python3";
  COMFRAME_REQUIRE_PYSERIAL();
  boost::asio::io_context io;
  pty terminal(io);
  auto port = open_link(io, terminal.slave_path());
  ASSERT_EQ(terminal.settings().c_cc[VMIN], 1);
  const auto opened = comframe::test::run({python, "-c", "import serial, sys; serial.Serial(sys.argv[1])", terminal.slave_path()});
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  ASSERT_EQ(terminal.settings().c_cc[VMIN], 0);  // what pyserial left on the port

  // A read started with nothing waiting: the bytes written after it arrive, no error.
  std::array<std::uint8_t, 64> buffer{};
  outcome read;
  port->async_read_some(buffer, read.handler());
  outcome sent;
  boost::asio::async_write(terminal.master(), boost::asio::buffer(awkward_bytes), sent.handler());
  run_until(io, read);
  ASSERT_FALSE(*read.ec) << read.ec->message();
  EXPECT_GT(read.bytes, 0u);
  EXPECT_EQ(std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(read.bytes)),
            std::vector<std::uint8_t>(awkward_bytes.begin(), awkward_bytes.begin() + static_cast<std::ptrdiff_t>(read.bytes)));
  run_until(io, sent);
  if (read.bytes < awkward_bytes.size()) {  // the rest, if the first read took only part
    const auto rest = read_exactly(
        io, [&](std::span<std::uint8_t> b, outcome& o) { port->async_read_some(b, o.handler()); },
        awkward_bytes.size() - read.bytes);
    EXPECT_EQ(rest.size(), awkward_bytes.size() - read.bytes);
  }
  EXPECT_EQ(terminal.settings().c_cc[VMIN], 1);
  expect_bytes_flow_both_ways(io, terminal, *port);
}

TEST(serial_link, a_port_is_owned_by_the_link_that_opened_it_until_it_closes) {
  boost::asio::io_context io;
  pty terminal(io);
  auto port = open_link(io, terminal.slave_path() + "?baud=9600");
  EXPECT_EQ(open_failure(io, terminal.slave_path()),
            "cannot open " + terminal.slave_path() +
                ": another program or link has it open and locked (another comframe process, or pyserial with exclusive=True); "
                "to watch a port a comframe process owns, use its bridge (--bridge, comframe tap)");
  EXPECT_EQ(terminal.settings().c_ospeed, 9600u);  // the refused open left the owner's line alone
  expect_bytes_flow_both_ways(io, terminal, *port);
  port->close();
  auto next = open_link(io, terminal.slave_path());
  expect_bytes_flow_both_ways(io, terminal, *next);
}

// A program started while the link is open does not inherit the port (and with
// it the lock, which would outlive the link). Asserted on the child's open
// descriptors rather than by reopening the port: a reconnecting session in
// another test may take a pty number as soon as it is free.
TEST(serial_link, a_child_process_does_not_inherit_the_port_or_its_lock) {
  boost::asio::io_context io;
  pty terminal(io);
  auto port = open_link(io, terminal.slave_path());
  comframe::test::child_process child({"/bin/sleep", "30"});  // posix_spawn returns once it has exec'd
  std::vector<std::string> open_files;
  const auto fds = std::filesystem::path("/proc") / std::to_string(child.pid()) / "fd";
  for (const auto& fd : std::filesystem::directory_iterator(fds)) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(fd.path(), ec);
    if (!ec) open_files.push_back(target.string());
  }
  EXPECT_FALSE(open_files.empty());  // its stdin, stdout and stderr at least
  EXPECT_EQ(std::count(open_files.begin(), open_files.end(), terminal.slave_path()), 0);
  EXPECT_TRUE(port->is_open());
  child.stop(SIGTERM);
}

// The lock is the one pyserial's exclusive=True takes, so each refuses the other;
// a program that takes no lock (pyserial's default) is not stopped by it.
TEST(serial_link, comframe_and_pyserial_with_exclusive_true_refuse_each_other) {
  const std::string python = "/usr/bin/python3";
  COMFRAME_REQUIRE_PYSERIAL();
  boost::asio::io_context io;
  pty terminal(io);
  {
    auto port = open_link(io, terminal.slave_path());
    auto r = comframe::test::run(
        {python, "-c", "import serial, sys; serial.Serial(sys.argv[1], exclusive=True)", terminal.slave_path()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("serial.serialutil.SerialException: [Errno 11] Could not exclusively lock port " +
                         terminal.slave_path()),
              std::string::npos)
        << r.err;
    r = comframe::test::run({python, "-c", "import serial, sys; serial.Serial(sys.argv[1])", terminal.slave_path()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  // pyserial holds the port locked until it is told to go (a line on stdin).
  comframe::test::child_process holder(
      {python, "-c",
       "import serial, sys; s = serial.Serial(sys.argv[1], exclusive=True); print('locked', flush=True); "
       "sys.stdin.readline()",
       terminal.slave_path()});
  ASSERT_TRUE(holder.wait_for_line("locked")) << holder.output();
  const std::string refused = open_failure(io, terminal.slave_path());
  EXPECT_EQ(refused.rfind("cannot open " + terminal.slave_path() + ": another program or link has it open and locked", 0), 0u)
      << refused;
  holder.stop(SIGKILL);  // a killed owner leaves no lock behind
  auto port = open_link(io, terminal.slave_path());
  EXPECT_TRUE(port->is_open());
}

TEST(serial_link, a_read_on_a_port_whose_master_already_closed_ends_with_link_lost) {
  boost::asio::io_context io;
  pty terminal(io);
  auto port = open_link(io, terminal.slave_path());
  terminal.close_master();
  std::array<std::uint8_t, 16> buffer{};
  outcome read;
  port->async_read_some(buffer, read.handler());
  run_until(io, read);
  EXPECT_TRUE(is_link_lost(*read.ec)) << read.ec->message();
}

TEST(serial_link, close_aborts_a_pending_read_and_later_operations_fail_with_bad_descriptor) {
  boost::asio::io_context io;
  pty terminal(io);
  auto port = open_link(io, terminal.slave_path());
  std::array<std::uint8_t, 16> buffer{};
  outcome read;
  port->async_read_some(buffer, read.handler());
  port->close();
  EXPECT_FALSE(port->is_open());
  run_until(io, read);
  EXPECT_EQ(*read.ec, boost::asio::error::operation_aborted);

  outcome after;
  port->async_read_some(buffer, after.handler());
  run_until(io, after);
  EXPECT_EQ(*after.ec, boost::asio::error::bad_descriptor);
}

TEST(serial_link, destroying_a_link_with_a_pending_read_runs_its_handler_with_operation_aborted) {
  boost::asio::io_context io;
  pty terminal(io);
  auto port = open_link(io, terminal.slave_path());
  std::array<std::uint8_t, 16> buffer{};
  outcome read;
  port->async_read_some(buffer, read.handler());
  port.reset();
  run_until(io, read);
  EXPECT_EQ(*read.ec, boost::asio::error::operation_aborted);
}

}  // namespace

}  // namespace serial_link_test
