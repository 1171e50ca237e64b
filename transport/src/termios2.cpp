// Arbitrary baud rates through termios2 (see termios2.hpp). This translation
// unit must not include <termios.h>, directly or through Asio.
#include "termios2.hpp"

#include <asm/termbits.h>
#include <sys/ioctl.h>

#include <cerrno>

namespace comframe::transport::detail {

boost::system::error_code set_custom_baud(int fd, std::uint32_t baud) {
  struct termios2 settings {};
  if (::ioctl(fd, TCGETS2, &settings) != 0) return {errno, boost::system::system_category()};
  settings.c_cflag &= ~(CBAUD | (CBAUD << IBSHIFT));
  settings.c_cflag |= BOTHER | (BOTHER << IBSHIFT);
  settings.c_ispeed = baud;
  settings.c_ospeed = baud;
  if (::ioctl(fd, TCSETS2, &settings) != 0) return {errno, boost::system::system_category()};
  return {};
}

boost::system::error_code get_baud(int fd, std::uint32_t& baud) {
  struct termios2 settings {};
  if (::ioctl(fd, TCGETS2, &settings) != 0) return {errno, boost::system::system_category()};
  baud = settings.c_ospeed;
  return {};
}

}  // namespace comframe::transport::detail
