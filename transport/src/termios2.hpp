// Private: baud rates that <termios.h> has no constant for.
//
// Linux sets any rate through struct termios2 and the TCSETS2 ioctl with the
// BOTHER flag. Their header, <asm/termbits.h>, clashes with <termios.h>
// (both define struct termios), so it lives alone in termios2.cpp and this
// header speaks only of plain types.
#pragma once

#include <boost/system/error_code.hpp>

#include <cstdint>

namespace comframe::transport::detail {

/// Sets input and output speed of the tty `fd` to `baud` bits per second. Returns the OS error, if any.
boost::system::error_code set_custom_baud(int fd, std::uint32_t baud);

/// Reads the output speed the driver actually runs the tty `fd` at, in bits
/// per second, into `baud`. Drivers round or refuse rates they cannot make
/// (an 8250 UART falls back to 9600) and say so only here.
boost::system::error_code get_baud(int fd, std::uint32_t& baud);

}  // namespace comframe::transport::detail
