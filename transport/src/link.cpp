// open_link(): parse the URL, then hand it to the opener of its scheme.
#include "comframe/transport/link.hpp"

#include <string>
#include <variant>

#include "openers.hpp"

namespace comframe::transport {

namespace {

std::unique_ptr<link> open_parsed(boost::asio::io_context& io, const link_url& url, std::string url_text) {
  if (const auto* serial = std::get_if<serial_url>(&url)) {
    return detail::open_serial_link(io, *serial, std::move(url_text));
  }
  if (const auto* tcp = std::get_if<tcp_url>(&url)) {
    return detail::open_tcp_link(io, *tcp, std::move(url_text));
  }
  return detail::open_loop_link(io, std::get<loop_url>(url), std::move(url_text));
}

}  // namespace

std::unique_ptr<link> open_link(boost::asio::io_context& io, std::string_view url) {
  return open_parsed(io, parse_url(url), std::string(url));
}

std::unique_ptr<link> open_link(boost::asio::io_context& io, const link_url& url) {
  return open_parsed(io, url, to_string(url));
}

}  // namespace comframe::transport
