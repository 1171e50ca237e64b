// Private: one opener per URL scheme; open_link() (link.cpp) picks one.
// Each throws link_error (open_failed) naming the port and the OS reason.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

#include "comframe/transport/link.hpp"
#include "comframe/transport/url.hpp"

namespace comframe::transport::detail {

/// serial_link.cpp. `url_text` becomes the link's url().
std::unique_ptr<link> open_serial_link(boost::asio::io_context& io, const serial_url& url, std::string url_text);

/// tcp_link.cpp.
std::unique_ptr<link> open_tcp_link(boost::asio::io_context& io, const tcp_url& url, std::string url_text);

/// loopback_link.cpp: side A or B of the pair registered under url.name.
std::unique_ptr<link> open_loop_link(boost::asio::io_context& io, const loop_url& url, std::string url_text);

}  // namespace comframe::transport::detail
