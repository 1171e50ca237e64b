// Test support: a new pseudo-terminal, made the way openpty does it inside
// (posix_openpt, grantpt, unlockpt, ptsname_r). This header includes no
// <termios.h>, so a test that reads line settings with <asm/termbits.h>
// (TCGETS2), which cannot live beside it, can use it too; support/pty.hpp
// builds its raw device end on it.
#pragma once

#include <fcntl.h>
#include <stdlib.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace comframe::test {

struct pty_master {
  int fd = -1;             ///< the master descriptor; the caller closes it
  std::string slave_path;  ///< the slave, for the code under test to open
};

/// Opens a new pty's master side. Throws std::runtime_error saying which step failed.
inline pty_master open_pty_master() {
  const int fd = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (fd < 0) throw std::runtime_error(std::string("posix_openpt: ") + std::strerror(errno));
  std::array<char, 128> name{};
  if (::grantpt(fd) != 0 || ::unlockpt(fd) != 0 || ::ptsname_r(fd, name.data(), name.size()) != 0) {
    const int e = errno;
    ::close(fd);
    throw std::runtime_error(std::string("pty setup: ") + std::strerror(e));
  }
  return {fd, name.data()};
}

}  // namespace comframe::test
