#include "comframe/firmware_sim/tcp_server.hpp"

#include <fcntl.h>

#include "comframe/core/error.hpp"
#include "comframe/transport/stream_link.hpp"

namespace comframe::firmware_sim {

namespace {

// Asio opens sockets without close-on-exec: a program the simulator runs
// (`--exec`) would keep the listening socket, or a host's connection, open.
void close_on_exec(int fd) { ::fcntl(fd, F_SETFD, FD_CLOEXEC); }

// One accepted connection as a link: the same stream_link every TCP link is,
// so a host that went away is link_lost by the same rule.
std::unique_ptr<transport::link> accepted_link(boost::asio::ip::tcp::socket socket) {
  close_on_exec(socket.native_handle());
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  std::string url =
      ec ? std::string("tcp client") : "tcp client " + peer.address().to_string() + ":" + std::to_string(peer.port());
  socket.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  return std::make_unique<transport::stream_link<boost::asio::ip::tcp::socket>>(std::move(socket), std::move(url));
}

}  // namespace

tcp_server::tcp_server(boost::asio::io_context& io, const std::string& host, std::uint16_t port)
    : acceptor_(io) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) throw comframe::error("firmware_sim.tcp", "cannot listen on " + host + ": not an IP address");
  const boost::asio::ip::tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) close_on_exec(acceptor_.native_handle());
  if (!ec) acceptor_.set_option(boost::asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(1, ec);
  if (ec)
    throw comframe::error("firmware_sim.tcp", "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  port_ = acceptor_.local_endpoint().port();
}

void tcp_server::async_accept(std::function<void(std::unique_ptr<transport::link>)> handler) {
  acceptor_.async_accept([this, handler = std::move(handler)](const boost::system::error_code& ec,
                                                              boost::asio::ip::tcp::socket socket) mutable {
    if (ec == boost::asio::error::operation_aborted) return;
    if (ec) return async_accept(std::move(handler));  // a failed accept: keep listening
    handler(accepted_link(std::move(socket)));
  });
}

void tcp_server::close() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

}  // namespace comframe::firmware_sim
