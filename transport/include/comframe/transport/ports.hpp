// comframe/transport/ports.hpp — which serial ports this machine has, and what they are.
//
// list_ports() enumerates the serial ports the OS knows, with their USB
// metadata when they are USB adapters (through libserialport, which this
// header does not expose). port_info_of() tells about one path.
//
// Pseudo-terminals: the libserialport of Debian 12 (0.1.1) refuses ptys. A pty
// (or a symlink to one, such as the port a firmware simulator announces) is a
// perfectly good port: port_info_of() returns it with just its path and
// has_metadata() false, and list_ports() does not list ptys at all.
//
//   for (const auto& port : comframe::transport::list_ports())
//     if (port_matches(port, [](std::string_view text) { return text.find("0403:6001") != text.npos; }))
//       std::cout << port.path << ' ' << port.description << '\n';
#pragma once

#include <cstdint>
#include <optional>
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
port_info port_info_of(std::string_view path);

/// The texts a search of ports looks at, in this order: the path, the
/// description, VID:PID ("0403:6001", USB ports only), the serial number, the
/// manufacturer and the product; empty ones are left out.
std::vector<std::string> port_search_texts(const port_info& info);

/// True if `matches(text)` is true for one of port_search_texts(info).
/// `comframe ports --match REGEX` passes a std::regex_search with
/// std::regex::icase (pyserial's grep is case-insensitive too):
///   std::regex re("ftdi", std::regex::icase);
///   port_matches(info, [&](std::string_view t) { return std::regex_search(t.begin(), t.end(), re); });
template <class Predicate>
bool port_matches(const port_info& info, Predicate&& matches) {
  for (const std::string& text : port_search_texts(info))
    if (matches(std::string_view(text))) return true;
  return false;
}

}  // namespace comframe::transport
