// Test support: the device end of a real pseudo-terminal, as a transport::link
// over the master side, so a device or a scripted peer can serve on it while
// the code under test (or a child process) opens the slave path.
#pragma once

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <utility>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>
#include <stdexcept>
#include <string>

#include "comframe/transport/link.hpp"
#include "support/pty_master.hpp"

namespace comframe::test {

// Keeps a descriptor of the slave side open: with none open, Linux fails reads
// on the master with EIO until the host opens the slave by its path.
struct pty_device {
  int master = -1;
  int slave = -1;
  std::string slave_path;
  pty_device() {
    auto m = open_pty_master();
    master = m.fd;
    slave_path = std::move(m.slave_path);
    slave = ::open(slave_path.c_str(), O_RDWR | O_NOCTTY);
    termios raw{};
    if (slave < 0 || ::tcgetattr(slave, &raw) != 0) {
      ::close(master);
      throw std::runtime_error("cannot open the pty's slave " + slave_path);
    }
    cfmakeraw(&raw);
    ::tcsetattr(slave, TCSANOW, &raw);
  }
  ~pty_device() { close(slave); }
  pty_device(const pty_device&) = delete;
  pty_device& operator=(const pty_device&) = delete;
};

// The master side as a link; it owns (and closes) the master descriptor.
struct pty_link : transport::link {
  boost::asio::posix::stream_descriptor stream;
  std::string name = "pty-master";
  pty_link(boost::asio::io_context& io, int fd) : stream(io, fd) {}
  boost::asio::any_io_executor get_executor() override { return stream.get_executor(); }
  void async_read_some(std::span<std::uint8_t> b, handler h) override {
    stream.async_read_some(boost::asio::buffer(b.data(), b.size()), std::move(h));
  }
  void async_write(std::span<const std::uint8_t> d, handler h) override {
    boost::asio::async_write(stream, boost::asio::buffer(d.data(), d.size()), std::move(h));
  }
  void close() override {
    boost::system::error_code ec;
    stream.close(ec);
  }
  bool is_open() const override { return stream.is_open(); }
  const std::string& url() const override { return name; }
};

}  // namespace comframe::test
