// comframe/transport/ports.hpp — which serial ports this machine has, and what they are.
//
// list_ports() enumerates the serial ports the OS knows, with their USB
// metadata when they are USB adapters (through libserialport, which this
// header does not expose). describe_port() tells about one path.
//
// Pseudo-terminals: the libserialport of Debian 12 (0.1.1) refuses ptys. A pty
// (or a symlink to one, such as the port a firmware simulator announces) is a
// perfectly good port: describe_port() returns it with just its path and
// has_metadata() false, and list_ports() does not list ptys at all.
//
//   for (const auto& port : comframe::transport::list_ports())
//     if (port_matches(port, std::regex("0403:6001", std::regex::icase)))
//       std::cout << port.path << ' ' << port.description << '\n';
#pragma once

#include <cstdint>
#include <optional>
// GCC 12 to 14 warn falsely inside libstdc++'s <regex> when optimising with
// -fsanitize=address (GCC bug 105616). The warning is located in the header,
// so silencing it around the include covers every later instantiation.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#include <string>
#include <string_view>
#include <vector>

namespace comframe::transport {

/// How a port is attached, as libserialport sees it.
enum class port_transport { native, usb, bluetooth };

/// "native", "usb", "bluetooth".
std::string_view to_string(port_transport value) noexcept;

/// A USB vendor and product id.
struct usb_id {
  std::uint16_t vid = 0;
  std::uint16_t pid = 0;
  friend bool operator==(const usb_id&, const usb_id&) = default;
};

/// "0403:6001": four lower-case hex digits each, as lsusb and pyserial print them.
std::string to_string(usb_id id);

/// What is known about one serial port. Strings the OS does not provide are empty.
struct port_info {
  std::string path;                         ///< "/dev/ttyUSB0" — what open_link() takes
  std::optional<port_transport> transport;  ///< empty when no metadata is known (ptys)
  std::string description;                  ///< a human-readable name, e.g. the USB product
  std::optional<usb_id> usb;                ///< USB adapters only
  std::string serial_number;                ///< USB serial number string
  std::string manufacturer;                 ///< USB manufacturer string
  std::string product;                      ///< USB product string

  /// False for a port known only by its path (a pty, or a device libserialport does not know).
  bool has_metadata() const noexcept { return transport.has_value(); }
};

/// The serial ports libserialport finds, sorted by path. Throws link_error
/// (io_error) with the OS reason if enumeration fails. May open ports briefly:
/// libserialport probes legacy 8250 UARTs to skip absent ones.
std::vector<port_info> list_ports();

/// What is known about the port at `path` (following symlinks). A pty, or a
/// character device libserialport knows nothing about, yields a port_info
/// with just `path` (has_metadata() false). Throws link_error (not_found) if
/// `path` does not exist or is no character device.
port_info describe_port(std::string_view path);

/// True if `pattern` matches part of the port's path, description, VID:PID
/// ("0403:6001"), serial number, manufacturer or product (std::regex_search on
/// each). Case-sensitive unless the pattern is built with std::regex::icase
/// (pyserial's grep is case-insensitive). Backs `comframe ports --match REGEX`.
bool port_matches(const port_info& info, const std::regex& pattern);

}  // namespace comframe::transport
