// comframe/transport/link.hpp — one open byte stream to a device, and how to open one.
//
// A link is a byte stream with asynchronous operations on Boost.Asio. Every
// kind of link (serial port, pseudo-terminal, TCP client, in-process loopback)
// hides behind this one virtual interface with std::function handlers, so the
// host session and the firmware simulator can use any link without templates.
//
//   boost::asio::io_context io;
//   auto port = comframe::transport::open_link(io, "/dev/ttyUSB0?baud=250000");
//   std::array<std::uint8_t, 256> buffer;
//   port->async_read_some(buffer, [&](const boost::system::error_code& ec, std::size_t n) {
//     if (comframe::transport::is_link_lost(ec)) { /* unplugged: close and reopen later */ }
//     else if (!ec) { /* buffer[0..n) arrived */ }
//   });
//   io.run();
//
// Thread safety
// -------------
// A link is not thread-safe. Call its member functions only from its
// executor (get_executor()): for a link opened on an io_context that io_context
// runs on one thread, that is from that thread or from handlers. Distinct links
// may be used from distinct threads. open_link() itself may be called from any
// thread.
//
// Completion
// ----------
// Handlers run on the link's executor, never inside the call that started the
// operation. Each handler runs exactly once, with:
//   - no error and the byte count;
//   - boost::asio::error::operation_aborted if close() (or the destructor)
//     cancelled the operation;
//   - link_errc::link_lost (test with is_link_lost) if the other end vanished:
//     USB unplug, a pty whose master closed, TCP EOF or reset, a closed
//     loopback peer. Reads deliver the bytes that arrived before first. The
//     link stays lost: later operations report link_lost again; close it and
//     open a new one when the port returns;
//   - boost::asio::error::bad_descriptor if the link was already closed;
//   - any other OS error unchanged (system category).
// Start at most one read and one write at a time on a link; a write may run
// while a read is pending.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "comframe/transport/link_error.hpp"
#include "comframe/transport/url.hpp"

namespace comframe::transport {

/// One open byte stream. See the file comment for threading and completion rules.
class link {
 public:
  /// Called once per operation with its outcome and the number of bytes moved.
  using handler = std::function<void(const boost::system::error_code& ec, std::size_t bytes)>;

  virtual ~link() = default;
  link() = default;
  link(const link&) = delete;
  link& operator=(const link&) = delete;

  /// The executor on which handlers run and from which the link must be used.
  virtual boost::asio::any_io_executor get_executor() = 0;

  /// Reads at least one byte and at most buffer.size() bytes, like asio's
  /// async_read_some. An empty buffer completes at once with 0 bytes. The buffer
  /// must stay valid until the handler runs.
  virtual void async_read_some(std::span<std::uint8_t> buffer, handler h) = 0;

  /// Writes all of `data` (or fails); the handler gets the number of bytes
  /// written, which is data.size() on success and may be less on error. The
  /// data must stay valid until the handler runs.
  virtual void async_write(std::span<const std::uint8_t> data, handler h) = 0;

  /// Writes what it can of `data` at once, without waiting and without a
  /// handler (one system call on a stream link), and returns the bytes
  /// written: 0 when nothing could be written now, when a write is pending,
  /// or when the link does not write this way (the default). Reports no
  /// errors: the async_write of what is left reports them. Lets a caller with
  /// a small frame skip a completion (and the reactor turn that runs it).
  virtual std::size_t write_now(std::span<const std::uint8_t> data) {
    (void)data;
    return 0;
  }

  /// Closes the link; pending operations complete with operation_aborted.
  /// Closing a closed link does nothing. The destructor closes too.
  virtual void close() = 0;

  /// True from open until close(). A lost link stays open until closed.
  virtual bool is_open() const = 0;

  /// The URL the link was opened with, for messages ("/dev/ttyUSB0?baud=9600").
  virtual const std::string& url() const = 0;
};

/// Opens the link named by `url` (see url.hpp and docs/ports.md) on `io`.
/// Blocks while opening (a TCP connect may take as long as the OS allows).
/// Throws link_error: bad_url for a malformed URL or option, open_failed when
/// the OS or peer refuses, with the port and the OS reason in the message:
///   cannot open /dev/ttyUSB9: No such file or directory
///
/// `loop://NAME`: the first open of NAME in this process creates side A of a
/// loopback pair and returns it; the next open of NAME returns side B, which
/// must use the same io_context. After that NAME is free again, and a later
/// open starts a new pair. If side A is destroyed before anyone opens side B,
/// the next open of NAME starts a new pair. make_loopback_pair (loopback.hpp)
/// makes an unnamed pair directly.
std::unique_ptr<link> open_link(boost::asio::io_context& io, std::string_view url);

/// Opens an already parsed URL. url() of the link is to_string(url).
std::unique_ptr<link> open_link(boost::asio::io_context& io, const link_url& url);

}  // namespace comframe::transport
