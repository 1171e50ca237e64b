// comframe/firmware_sim/tcp_server.hpp — serves a simulated device on a TCP
// port, as ser2net serves a real one: a host connects with tcp://HOST:PORT.
//
//   firmware_sim::tcp_server server(io, "127.0.0.1", 0);          // 0: any free port
//   std::cout << "port: tcp://127.0.0.1:" << server.port() << "\n";
//   server.async_accept([&](std::unique_ptr<transport::link> link) { … serve it … });
//
// One host at a time: accept the next connection when the current one ends.
// The links report a closed or reset connection as link_lost.
//
// Thread safety: use it from its io_context's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "comframe/transport/link.hpp"

namespace comframe::firmware_sim {

class tcp_server {
 public:
  /// Listens on host:port (port 0 picks a free one). Throws comframe::error
  /// "firmware_sim.tcp" naming the address and the OS reason.
  tcp_server(boost::asio::io_context& io, const std::string& host, std::uint16_t port);
  /// The port listened on.
  std::uint16_t port() const noexcept { return port_; }
  /// Calls `handler` with a link for the next host that connects.
  void async_accept(std::function<void(std::unique_ptr<transport::link>)> handler);
  void close();

 private:
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
};

}  // namespace comframe::firmware_sim
