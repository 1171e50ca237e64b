// Private: recognising pseudo-terminal slaves, which need special care:
// libserialport 0.1.1 refuses them, and the Linux pty driver always carries
// 8 data bits without parity, whatever termios asks (drivers/tty/pty.c,
// pty_set_termios clears CSIZE and PARENB and sets CS8).
#pragma once

#include <linux/major.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace comframe::transport::detail {

/// True for Unix98 pty slaves (/dev/pts/N) and legacy BSD ones (/dev/ttyp0),
/// by device number: this also covers symlinks and devpts mounted elsewhere.
inline bool is_pty_slave(const struct stat& st) noexcept {
  if (!S_ISCHR(st.st_mode)) return false;
  const unsigned major_number = major(st.st_rdev);
  return (major_number >= UNIX98_PTY_SLAVE_MAJOR && major_number < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT) ||
         major_number == PTY_SLAVE_MAJOR;
}

/// is_pty_slave for an open descriptor; false if fstat fails.
inline bool is_pty_slave(int fd) noexcept {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && is_pty_slave(st);
}

}  // namespace comframe::transport::detail
