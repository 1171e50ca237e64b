// comframe/firmware_sim/pty_port.hpp — a pseudo-terminal the simulator serves
// a device on, so that any serial program (pyserial, minicom, the comframe
// host) can open it like a serial port.
//
//   boost::asio::io_context io;
//   firmware_sim::pty_port port(io, {.link_path = "/tmp/thermo"});
//   std::cout << "serving on " << port.host_path() << "\n";   // /tmp/thermo -> /dev/pts/7
//   firmware_sim::device_host host(io, port.link(), dev);
//   io.run();
//   // later, from any thread: unplug for 500 ms and come back on a new pty
//   port.disconnect(std::chrono::milliseconds(500));
//
// The pty
// -------
// openpty(), raw mode (cfmakeraw: no echo, no line editing, no CR/LF mapping),
// no exclusive lock (TIOCEXCL is not set: several programs may open it, as on
// a real port). The port keeps one slave descriptor open itself: on Linux,
// reading the master while no slave is open fails with EIO, and the slave
// would hang up between two hosts. A host's data bits and parity settings are
// ignored by the Linux pty driver; its baud is not emulated by the pty (wrap
// the link in a paced_link for that).
//
// Optional symlink (`link_path`): a stable name for the ever-changing
// /dev/pts/N. It is created atomically (a symlink under a temporary name, then
// rename() over link_path), replaces an existing symlink (a stale one from a
// crashed run), refuses to replace anything else, and is removed on close(),
// on destruction and for the gap of a disconnect() — only if it still points
// at this port's pty.
//
// The link (the device's side)
// ----------------------------
// link() gives the device a transport::link over the master. That link
// follows the port across reopen() and disconnect(): the device keeps running
// as firmware does when its USB cable is pulled, and the one device_host, with
// its decorators, keeps serving. Its semantics:
//   - No host, or a host that closed its side: nothing arrives, and reads
//     simply stay pending (EIO from the master, which the kept slave mostly
//     prevents, is retried every 20 ms, never reported). The device is still
//     there; a host may open the slave again at any time.
//   - Writes while no host reads: the pty buffers about 64 KiB; when it is
//     full for unread_timeout_ms, the unread bytes are discarded
//     (stats().bytes_flushed_unread) as on a UART with nothing attached, and
//     the write goes on. A new host therefore sees at most that many stale
//     bytes; its frame decoder resynchronises.
//   - reopen()/disconnect(): the pty is closed — a host's link reports
//     link_lost — and a new one opened (at once, or after the gap). Bytes of
//     a write in progress and writes during the gap are discarded and counted
//     (stats().bytes_discarded); such writes complete successfully, as bytes
//     sent on an unplugged line do. A pending read waits for the new pty.
//   - close() of the port: the link's operations then fail with link_lost.
//   - link.close(): the usual operation_aborted; then link() may be called
//     again. Only one link of a port may be open at a time.
//
// Errors: the constructor and reopen() throw comframe::error with id
// "firmware_sim.pty" and a message naming the path and the OS reason:
//   cannot create the link /tmp/thermo: it exists and is not a symbolic link
//
// Thread safety: every member function may be called from any thread. The
// link follows the transport::link rules (use it from the io_context's
// thread). Handlers run on the io_context; destroy the port while it runs or
// after it stopped (pending operations of its link complete with link_lost).
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "comframe/transport/link.hpp"

namespace comframe::firmware_sim {

/// How a pty_port is created.
struct pty_options {
  /// If not empty, a symlink at this path points at the current /dev/pts/N.
  std::string link_path;
  /// How long device output may find the pty full (no host reading) before the
  /// unread bytes are discarded. Must be positive.
  std::chrono::milliseconds unread_timeout_ms{1000};
};

/// What a pty_port has done since it was made.
struct pty_stats {
  std::uint64_t ptys_opened = 0;           ///< 1 plus one per reopen()/disconnect() that came back
  std::uint64_t bytes_discarded = 0;       ///< device output lost to a reopen or written during a gap
  std::uint64_t bytes_flushed_unread = 0;  ///< device output no host read within unread_timeout_ms
};

class pty_port {
 public:
  /// Opens a pty (and the symlink). Throws comframe::error "firmware_sim.pty".
  explicit pty_port(boost::asio::io_context& io, pty_options options = {});
  /// Closes the pty and removes the symlink.
  ~pty_port();
  pty_port(const pty_port&) = delete;
  pty_port& operator=(const pty_port&) = delete;

  /// The slave path of the current pty ("/dev/pts/7"); "" during a
  /// disconnect() gap or after close().
  std::string path() const;
  /// options.link_path ("" if none).
  const std::string& link_path() const noexcept;
  /// What a host should open: link_path() if set, else path().
  std::string host_path() const;

  /// The device's side of the port (see the file comment). Throws
  /// comframe::error "firmware_sim.pty" if a link of this port is still open.
  std::unique_ptr<transport::link> link();

  /// Closes the pty and opens a new one at once, behind the same symlink:
  /// hosts see link_lost and can open the link path again. Throws
  /// comframe::error "firmware_sim.pty" if no new pty can be opened (the port
  /// is then closed).
  void reopen();

  /// The "unplug for gap_ms and come back" fault: closes the pty and removes
  /// the symlink now, and after gap_ms opens a new pty behind the symlink,
  /// then calls `back` (on the io_context) with its slave path, or with "" if
  /// it could not be opened (the port is then closed). A disconnect while a
  /// gap runs restarts the gap; the earlier `back` is then not called.
  void disconnect(std::chrono::milliseconds gap_ms, std::function<void(const std::string& path)> back = {});

  /// Closes the pty for good and removes the symlink. Idempotent.
  void close();

  /// False after close() (a disconnect gap still counts as open).
  bool is_open() const;

  pty_stats stats() const;

  struct state;

 private:
  std::string link_path_;
  std::shared_ptr<state> state_;
};

}  // namespace comframe::firmware_sim
