// comframe/transport/link_error.hpp — the errors of byte links.
//
// One enum, link_errc, names every way a link can fail. It serves twice:
//
//  - as a boost::system::error_code value, for asynchronous completions. The
//    one that matters most is link_errc::link_lost: every link completes a
//    pending read or write with it when the other end vanishes (USB unplug, a
//    pty whose master closed, TCP EOF or reset, a closed loopback peer). Test
//    it with is_link_lost(ec). A link never reports a vanished port as an
//    endless stream of 0-byte reads, nor as asio's `eof`.
//  - as the kind of a link_error exception, thrown by synchronous calls such
//    as open_link(). Its id() is "transport.<kind>", e.g. "transport.bad_url".
//
// Errors that the operating system reports and that are no vanished port
// (EBADF, ENOMEM, …) are handed to completion handlers unchanged, in the
// system category, so their message stays the OS's own.
#pragma once

#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

#include "comframe/core/error.hpp"

namespace comframe::transport {
enum class link_errc : int;
}  // namespace comframe::transport

template <>
struct boost::system::is_error_code_enum<comframe::transport::link_errc> : std::true_type {};

namespace comframe::transport {

/// What went wrong with a link. Each value has one meaning.
enum class link_errc : int {
  bad_url = 1,  ///< a link URL that cannot be parsed or has an invalid option (caller's input)
  open_failed,  ///< the OS or the peer refused to open the link (no such device, refused, busy)
  link_lost,    ///< the other end vanished; the link will carry no more bytes
  io_error,     ///< the OS failed a request for another reason (listing ports)
  timeout,      ///< an operation did not complete within its time limit (used by later layers)
  not_found,    ///< a port path that does not exist or is no character device (port_info_of)
};

/// "bad_url", "link_lost", … — the second part of a link_error id.
std::string_view to_string(link_errc kind) noexcept;

/// The error category of link_errc, named "comframe.transport".
const boost::system::error_category& link_category() noexcept;

/// Makes link_errc usable as a boost::system::error_code:
/// `ec == link_errc::link_lost`, `handler(make_error_code(link_errc::link_lost), 0)`.
boost::system::error_code make_error_code(link_errc e) noexcept;

/// True if `ec` says the other end of the link vanished (see link_errc::link_lost).
inline bool is_link_lost(const boost::system::error_code& ec) noexcept {
  return ec == make_error_code(link_errc::link_lost);
}

/// A link error thrown by synchronous calls. id() is "transport." followed by
/// to_string(kind()); what() names the port and the OS error, e.g.
///   `[transport.open_failed] cannot open /dev/ttyUSB9: No such file or directory`
///   `[transport.bad_url] bad URL "/dev/x?baud=fast": baud must be a positive integer`
class link_error : public comframe::error {
 public:
  link_error(link_errc kind, const std::string& message);

  link_errc kind() const noexcept { return kind_; }
  /// kind() as an error_code, for code that handles sync and async errors alike.
  boost::system::error_code code() const noexcept { return make_error_code(kind_); }

 private:
  link_errc kind_;
};

}  // namespace comframe::transport
