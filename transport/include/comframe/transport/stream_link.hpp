// comframe/transport/stream_link.hpp — a link over any Asio stream
// (serial_port, tcp::socket), and the one rule that turns "the other end
// vanished" into link_errc::link_lost.
//
// open_link() builds its serial, pty and TCP links on it; code that gets a
// stream some other way (a TCP server's accepted socket) wraps it the same way,
// so every link maps a vanished peer alike:
//
//   boost::asio::ip::tcp::socket socket = co_await acceptor.async_accept(…);
//   auto l = std::make_unique<stream_link<boost::asio::ip::tcp::socket>>(std::move(socket), "tcp client");
//
// Thread safety and completion: as every link (link.hpp).
#pragma once

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <utility>

#include "comframe/transport/link.hpp"

namespace comframe::transport {

namespace detail {

/// True for the errors by which the OS says the other end is gone: EOF (a
/// hung-up tty or pty slave reads 0 bytes; a TCP peer closed), EIO (a pty
/// slave or an unplugged USB adapter on some kernels), ENXIO/ENODEV (device
/// removed), and the TCP resets and timeouts of a dead connection.
inline bool is_vanished(const boost::system::error_code& ec) noexcept {
  namespace errc = boost::system::errc;
  return ec == boost::asio::error::eof || ec == errc::io_error || ec == errc::no_such_device_or_address ||
         ec == errc::no_such_device || ec == errc::broken_pipe || ec == errc::connection_reset ||
         ec == errc::connection_aborted || ec == errc::not_connected || ec == errc::timed_out ||
         ec == errc::host_unreachable || ec == errc::network_down || ec == errc::network_unreachable;
}

/// A tty's termios belong to the device, not to one open file: any program that
/// opens the same port can change them. pyserial sets VMIN = 0 and VTIME = 0,
/// and a non-canonical read then returns 0 bytes whenever no byte is waiting,
/// O_NONBLOCK or not (n_tty_read) — which Asio reports as EOF, the way a hung-up
/// tty reads. True, after putting back the VMIN = 1, VTIME = 0 that opening the
/// port set (Asio's open() calls cfmakeraw), if that was why `fd` read 0 bytes:
/// the port is still there. False if the tty is hung up (poll says POLLHUP) or
/// nothing was changed, so the 0 bytes mean what they always meant.
inline bool restore_blocking_reads(int fd) noexcept {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) < 0 || (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) return false;
  termios t{};
  if (::tcgetattr(fd, &t) != 0 || (t.c_lflag & ICANON) != 0 || t.c_cc[VMIN] != 0) return false;
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  return ::tcsetattr(fd, TCSANOW, &t) == 0;
}

}  // namespace detail

/// Implements link for an Asio stream that the caller has opened and configured.
/// `url` is what url() returns, for messages.
template <class Stream>
class stream_link final : public link {
 public:
  stream_link(Stream stream, std::string url)
      : stream_(std::move(stream)), url_(std::move(url)), tty_(::isatty(stream_.native_handle()) == 1) {
    // write_now() must never block; Asio makes the descriptor non-blocking
    // itself at its first operation, this only does it earlier.
    if (tty_) {
      const int flags = ::fcntl(stream_.native_handle(), F_GETFL);
      if (flags >= 0) ::fcntl(stream_.native_handle(), F_SETFL, flags | O_NONBLOCK);
    }
  }
  ~stream_link() override { close(); }

  boost::asio::any_io_executor get_executor() override { return stream_.get_executor(); }

  void async_read_some(std::span<std::uint8_t> buffer, handler h) override {
    if (refuse(h)) return;
    // The completion owns `lost_` and `open_`, not `this`: a handler may run after
    // the link is gone. While *open is true, `this` is alive (close() clears it,
    // and it runs on the executor, as this completion does).
    stream_.async_read_some(
        boost::asio::buffer(buffer.data(), buffer.size()),
        [this, buffer, h = std::move(h), lost = lost_, open = open_](boost::system::error_code ec, std::size_t n) mutable {
          if (ec == boost::asio::error::eof && *open && tty_ && detail::restore_blocking_reads(stream_.native_handle())) {
            async_read_some(buffer, std::move(h));  // another program's termios, not a vanished port
            return;
          }
          finish(h, *lost, ec, n);
        });
  }

  void async_write(std::span<const std::uint8_t> data, handler h) override {
    if (refuse(h)) return;
    *writing_ = true;
    boost::asio::async_write(stream_, boost::asio::buffer(data.data(), data.size()),
                             [h = std::move(h), lost = lost_, writing = writing_](boost::system::error_code ec,
                                                                                   std::size_t n) {
                               *writing = false;
                               finish(h, *lost, ec, n);
                             });
  }

  // A tty is written with write(2); anything else is a socket, written with
  // send(2) so that a closed peer gives EPIPE, not SIGPIPE.
  std::size_t write_now(std::span<const std::uint8_t> data) override {
    if (data.empty() || !stream_.is_open() || *lost_ || *writing_) return 0;
    const int fd = stream_.native_handle();
    const ssize_t n = tty_ ? ::write(fd, data.data(), data.size())
                           : ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }

  void close() override {
    *open_ = false;
    boost::system::error_code ignored;
    stream_.close(ignored);
  }

  bool is_open() const override { return stream_.is_open(); }
  const std::string& url() const override { return url_; }

  Stream& stream() { return stream_; }

 private:
  // Completes `h` at once, through the executor, if the link cannot start an
  // operation: closed, or lost before. Returns true if it did.
  bool refuse(handler& h) {
    boost::system::error_code ec;
    if (!stream_.is_open()) {
      ec = boost::asio::error::bad_descriptor;
    } else if (*lost_) {
      ec = make_error_code(link_errc::link_lost);
    } else {
      return false;
    }
    boost::asio::post(stream_.get_executor(), [h = std::move(h), ec] { h(ec, 0); });
    return true;
  }

  static void finish(const handler& h, bool& lost, boost::system::error_code ec, std::size_t n) {
    if (ec && detail::is_vanished(ec)) {
      lost = true;
      ec = make_error_code(link_errc::link_lost);
    }
    h(ec, n);
  }

  Stream stream_;
  std::string url_;
  std::shared_ptr<bool> lost_ = std::make_shared<bool>(false);
  std::shared_ptr<bool> open_ = std::make_shared<bool>(true);
  std::shared_ptr<bool> writing_ = std::make_shared<bool>(false);  // an async_write is in progress
  bool tty_;
};

}  // namespace comframe::transport
