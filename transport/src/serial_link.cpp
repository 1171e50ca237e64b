// Serial ports and pseudo-terminals, through boost::asio::serial_port.
#include <boost/asio/serial_port.hpp>
#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "openers.hpp"
#include "pseudo_terminal.hpp"
#include "comframe/transport/stream_link.hpp"
#include "termios2.hpp"

namespace comframe::transport::detail {

namespace {

using port_base = boost::asio::serial_port_base;

// How far the rate a driver actually sets may be from the one asked for.
constexpr std::uint64_t baud_tolerance_percent = 3;

[[noreturn]] void fail(const serial_url& url, const std::string& what) {
  throw link_error(link_errc::open_failed, "cannot open " + url.path + ": " + what);
}

template <class Option>
void set(boost::asio::serial_port& port, const serial_url& url, const Option& option, const std::string& what) {
  boost::system::error_code ec;
  port.set_option(option, ec);
  if (ec) fail(url, "cannot set " + what + ": " + ec.message());
}

port_base::parity::type to_asio(parity value) {
  switch (value) {
    case parity::odd: return port_base::parity::odd;
    case parity::even: return port_base::parity::even;
    case parity::none: break;
  }
  return port_base::parity::none;
}

port_base::flow_control::type to_asio(flow_control value) {
  switch (value) {
    case flow_control::software: return port_base::flow_control::software;
    case flow_control::hardware: return port_base::flow_control::hardware;
    case flow_control::none: break;
  }
  return port_base::flow_control::none;
}

// Asio's open() already puts the port in raw mode (no echo, no line editing,
// no CR/LF translation, 8 data bits, receiver on, modem lines ignored). The
// baud comes last: the other options rewrite the termios flags, which must not
// disturb a rate set through termios2.
void configure(boost::asio::serial_port& port, const serial_url& url) {
  const serial_settings& s = url.settings;
  if (s.stop_bits == stop_bits::one_and_half) {
    fail(url, "1.5 stop bits are not supported on Linux (use stop_bits=1 or 2)");
  }
  // A pty always carries 8 data bits without parity (see pseudo_terminal.hpp);
  // asking for anything else fails in tcsetattr or is silently dropped.
  // Accepting the options there lets the URL of the real device work
  // unchanged against a simulator on a pty.
  if (!is_pty_slave(port.native_handle())) {
    set(port, url, port_base::character_size(s.data_bits), std::to_string(s.data_bits) + " data bits");
    set(port, url, port_base::parity(to_asio(s.parity)), "parity " + std::string(to_string(s.parity)));
  }
  set(port, url, port_base::stop_bits(s.stop_bits == stop_bits::two ? port_base::stop_bits::two : port_base::stop_bits::one),
      std::string(to_string(s.stop_bits)) + " stop bits");
  set(port, url, port_base::flow_control(to_asio(s.flow)), "flow control " + std::string(to_string(s.flow)));

  boost::system::error_code ec;
  port.set_option(port_base::baud_rate(s.baud), ec);
  if (ec == boost::asio::error::invalid_argument) {
    // Asio knows only the rates <termios.h> has a constant for (B115200, …).
    ec = set_custom_baud(port.native_handle(), s.baud);
  }
  if (ec) fail(url, "cannot set baud " + std::to_string(s.baud) + ": " + ec.message());

  // Drivers silently round a rate or fall back to another (see termios2.hpp).
  // A UART link tolerates a few percent of mismatch, not more.
  std::uint32_t actual = 0;
  ec = get_baud(port.native_handle(), actual);
  if (ec) fail(url, "cannot read back the baud: " + ec.message());
  const std::uint64_t difference = actual > s.baud ? actual - s.baud : s.baud - actual;
  if (difference * 100 > std::uint64_t{s.baud} * baud_tolerance_percent) {
    fail(url, "cannot set baud " + std::to_string(s.baud) + ": the driver chose " + std::to_string(actual));
  }
}

}  // namespace

std::unique_ptr<link> open_serial_link(boost::asio::io_context& io, const serial_url& url, std::string url_text) {
  boost::asio::serial_port port(io);
  boost::system::error_code ec;
  port.open(url.path, ec);
  if (ec) fail(url, ec.message());
  // Asio opens without O_CLOEXEC: a child the program starts would keep the
  // descriptor, and with it the lock below, after the link is closed.
  ::fcntl(port.native_handle(), F_SETFD, FD_CLOEXEC);
  // The process that opens a port owns it: a second reader would take bytes
  // meant for the first. flock is the lock serial programs agree on (pyserial's
  // exclusive=True takes it too); it goes with the descriptor, so a crashed
  // owner leaves nothing behind. It binds only programs that ask for it, root
  // included (TIOCEXCL binds every other opener but root, and outlives a killed
  // owner: docs/ports.md). Taken before configure(), so a refused open leaves
  // the owner's baud and framing alone (Asio's open() has only made the port
  // raw, as a comframe owner has it anyway).
  if (::flock(port.native_handle(), LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    fail(url, "another program or link has it open and locked (another comframe process, or pyserial with "
              "exclusive=True); to watch a port a comframe process owns, use its bridge (--bridge, comframe tap)");
  }
  configure(port, url);
  return std::make_unique<stream_link<boost::asio::serial_port>>(std::move(port), std::move(url_text));
}

}  // namespace comframe::transport::detail
