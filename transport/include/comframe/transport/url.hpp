// comframe/transport/url.hpp — link URLs: which link to open, and how.
//
// A link is named by a short string, in the spirit of pyserial's
// serial_for_url (the full table is in docs/ports.md):
//
//   /dev/ttyUSB0                          a serial port (or pty, or a symlink to one)
//   /dev/ttyUSB0?baud=250000&parity=even  … with options
//   serial:///dev/ttyUSB0?baud=9600       the same, with an explicit scheme
//   tcp://localhost:4001                  a TCP client (ser2net-style servers)
//   loop://bench                          an in-process loopback pair, named "bench"
//
// Serial options (all optional; defaults 115200 8N1, no flow control):
//   baud=N                      a positive integer, standard or not (250000 is fine)
//   data_bits=5|6|7|8
//   parity=none|odd|even
//   stop_bits=1|1.5|2           (Linux cannot do 1.5: opening such a link fails)
//   flow=none|software|hardware
//
// parse_url() only reads the text; it opens nothing. This header needs no Asio.
//
//   auto url = comframe::transport::parse_url("/dev/ttyACM0?baud=9600");
//   auto& serial = std::get<comframe::transport::serial_url>(url);   // serial.settings.baud == 9600
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace comframe::transport {

enum class parity { none, odd, even };
enum class stop_bits { one, one_and_half, two };
enum class flow_control { none, software, hardware };

/// Line settings of a serial port. The defaults are the URL defaults: 115200 8N1, no flow control.
struct serial_settings {
  std::uint32_t baud = 115200;  ///< bits per second; any positive value, not just the standard ones
  std::uint8_t data_bits = 8;   ///< 5 to 8
  transport::parity parity = transport::parity::none;
  transport::stop_bits stop_bits = transport::stop_bits::one;
  flow_control flow = flow_control::none;

  friend bool operator==(const serial_settings&, const serial_settings&) = default;
};

/// A serial port or pseudo-terminal: a device path (absolute or relative, maybe a symlink).
struct serial_url {
  std::string path;
  serial_settings settings;
  friend bool operator==(const serial_url&, const serial_url&) = default;
};

/// A TCP client link. `host` is a name or an address; IPv6 literals are
/// written in brackets in the URL (`tcp://[::1]:4001`) and stored without them.
struct tcp_url {
  std::string host;
  std::uint16_t port = 0;  ///< 1 to 65535
  friend bool operator==(const tcp_url&, const tcp_url&) = default;
};

/// One end of an in-process loopback pair called `name` (see open_link in link.hpp).
struct loop_url {
  std::string name;
  friend bool operator==(const loop_url&, const loop_url&) = default;
};

using link_url = std::variant<serial_url, tcp_url, loop_url>;

/// Parses a link URL. Throws link_error (kind bad_url) naming the URL and what
/// is wrong with it, e.g.
///   bad URL "/dev/x?baud=fast": baud must be a positive integer
link_url parse_url(std::string_view url);

/// A TCP address for a server to listen on, written as a command-line option
/// takes it: "[HOST:]PORT" ("4001", "0.0.0.0:4001", "[::1]:0"). HOST (an IPv6
/// address in brackets) is `default_host` when left out; PORT 0 asks the system
/// for any free port. Throws link_error (kind bad_url) naming `option` and the text:
///   --tcp "99999": the port must be a number within 0..65535
tcp_url parse_listen_address(std::string_view text, std::string_view option,
                             std::string_view default_host = "127.0.0.1");

/// The URL in canonical form: serial paths without a scheme and with only the
/// options that differ from the defaults ("/dev/ttyUSB0?baud=9600&parity=even"),
/// "tcp://host:port" (IPv6 hosts in brackets), "loop://NAME".
/// parse_url(to_string(u)) == u.
std::string to_string(const link_url& url);

/// "none", "odd", "even"; "1", "1.5", "2"; "none", "software", "hardware" — the URL spellings.
std::string_view to_string(parity value) noexcept;
std::string_view to_string(stop_bits value) noexcept;
std::string_view to_string(flow_control value) noexcept;

}  // namespace comframe::transport
