// TCP client links (ser2net and the like), through boost::asio::ip::tcp.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>

#include "openers.hpp"
#include "comframe/transport/stream_link.hpp"

namespace comframe::transport::detail {

std::unique_ptr<link> open_tcp_link(boost::asio::io_context& io, const tcp_url& url, std::string url_text) {
  using boost::asio::ip::tcp;
  const auto fail = [&](const std::string& what) {
    throw link_error(link_errc::open_failed, "cannot open " + url_text + ": " + what);
  };

  boost::system::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec) fail("cannot resolve " + url.host + ": " + ec.message());

  tcp::socket socket(io);
  boost::asio::connect(socket, endpoints, ec);
  if (ec) fail(ec.message());
  // Frames are small and latency matters more than packet count.
  socket.set_option(tcp::no_delay(true), ec);
  if (ec) fail("cannot set TCP_NODELAY: " + ec.message());
  return std::make_unique<stream_link<tcp::socket>>(std::move(socket), std::move(url_text));
}

}  // namespace comframe::transport::detail
