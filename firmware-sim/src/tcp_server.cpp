#include "comframe/firmware_sim/tcp_server.hpp"

#include <boost/asio/write.hpp>

#include "comframe/core/error.hpp"
#include "comframe/transport/link_error.hpp"

namespace comframe::firmware_sim {

namespace {

// One accepted connection as a transport::link.
class socket_link : public transport::link {
 public:
  explicit socket_link(boost::asio::ip::tcp::socket socket) : socket_(std::move(socket)) {
    boost::system::error_code ec;
    const auto peer = socket_.remote_endpoint(ec);
    url_ = ec ? std::string("tcp client") : "tcp client " + peer.address().to_string() + ":" + std::to_string(peer.port());
    socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  }
  boost::asio::any_io_executor get_executor() override { return socket_.get_executor(); }
  void async_read_some(std::span<std::uint8_t> buffer, handler h) override {
    socket_.async_read_some(boost::asio::buffer(buffer.data(), buffer.size()),
                            [h = std::move(h)](const boost::system::error_code& ec, std::size_t n) { h(map(ec), n); });
  }
  void async_write(std::span<const std::uint8_t> data, handler h) override {
    boost::asio::async_write(socket_, boost::asio::buffer(data.data(), data.size()),
                             [h = std::move(h)](const boost::system::error_code& ec, std::size_t n) { h(map(ec), n); });
  }
  void close() override {
    boost::system::error_code ec;
    socket_.close(ec);
  }
  bool is_open() const override { return socket_.is_open(); }
  const std::string& url() const override { return url_; }

 private:
  // A host that went away is link_lost, as on every comframe link.
  static boost::system::error_code map(const boost::system::error_code& ec) {
    namespace err = boost::asio::error;
    if (ec == err::eof || ec == err::connection_reset || ec == err::broken_pipe || ec == err::connection_aborted)
      return transport::make_error_code(transport::link_errc::link_lost);
    return ec;
  }
  boost::asio::ip::tcp::socket socket_;
  std::string url_;
};

}  // namespace

tcp_server::tcp_server(boost::asio::io_context& io, const std::string& host, std::uint16_t port)
    : io_(io), acceptor_(io) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) throw comframe::error("firmware_sim.tcp", "cannot listen on " + host + ": not an IP address");
  const boost::asio::ip::tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
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
    handler(std::make_unique<socket_link>(std::move(socket)));
  });
}

void tcp_server::close() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

}  // namespace comframe::firmware_sim
