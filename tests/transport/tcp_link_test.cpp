// TCP client links against a server in the test: bytes both ways, a server
// that goes away, and servers that are not there.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "comframe/transport/link.hpp"
#include "comframe/transport/link_error.hpp"
#include "transport/link_outcome.hpp"

namespace tcp_link_test {

namespace {

using namespace comframe::transport;
using test_support::outcome;
using test_support::run_until;
using boost::asio::ip::tcp;

// A one-connection TCP server on 127.0.0.1 and an ephemeral port.
class server {
 public:
  explicit server(boost::asio::io_context& io)
      : io_(io), acceptor_(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)), peer_(io) {}

  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

  // Accepts the connection that open_link made (it waits in the backlog).
  void accept() {
    outcome accepted;
    acceptor_.async_accept(peer_, [&](const boost::system::error_code& ec) { accepted.ec = ec; });
    run_until(io_, accepted);
    ASSERT_FALSE(*accepted.ec) << accepted.ec->message();
  }

  tcp::socket& peer() { return peer_; }

 private:
  boost::asio::io_context& io_;
  tcp::acceptor acceptor_;
  tcp::socket peer_;
};

const std::vector<std::uint8_t> payload{0x00, 0x01, 0x7E, 0xFF, 0x0D, 0x0A};

TEST(tcp_link, bytes_flow_both_ways) {
  boost::asio::io_context io;
  server srv(io);
  auto client = open_link(io, srv.url());
  srv.accept();
  EXPECT_TRUE(client->is_open());
  EXPECT_EQ(client->url(), srv.url());

  outcome wrote;
  client->async_write(payload, wrote.handler());
  std::vector<std::uint8_t> at_server(payload.size());
  outcome received;
  boost::asio::async_read(srv.peer(), boost::asio::buffer(at_server), received.handler());
  run_until(io, received);
  run_until(io, wrote);
  EXPECT_FALSE(*wrote.ec);
  EXPECT_EQ(wrote.bytes, payload.size());
  EXPECT_EQ(at_server, payload);

  outcome sent;
  boost::asio::async_write(srv.peer(), boost::asio::buffer(payload), sent.handler());
  std::vector<std::uint8_t> at_client;
  std::array<std::uint8_t, 64> buffer{};
  while (at_client.size() < payload.size()) {
    outcome read;
    client->async_read_some(buffer, read.handler());
    run_until(io, read);
    ASSERT_FALSE(*read.ec) << read.ec->message();
    at_client.insert(at_client.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(read.bytes));
  }
  EXPECT_EQ(at_client, payload);
}

// The link hides its socket, so find it the way a debugger would: the one
// descriptor of this process connected to the server's accepted peer.
int client_descriptor_of(tcp::socket& peer) {
  const auto client_end = peer.remote_endpoint();
  for (int fd = 0; fd < 1024; ++fd) {
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0 || address.ss_family != AF_INET) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    if (ntohs(in->sin_port) == client_end.port() && fd != peer.native_handle()) return fd;
  }
  return -1;
}

TEST(tcp_link, the_client_socket_has_tcp_nodelay_on) {
  boost::asio::io_context io;
  server srv(io);
  auto client = open_link(io, srv.url());
  srv.accept();
  const int fd = client_descriptor_of(srv.peer());
  ASSERT_GE(fd, 0) << "client socket not found";
  int nodelay = 0;
  socklen_t size = sizeof nodelay;
  ASSERT_EQ(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &size), 0);
  EXPECT_NE(nodelay, 0);
}

TEST(tcp_link, a_pending_read_ends_with_link_lost_when_the_server_closes) {
  boost::asio::io_context io;
  server srv(io);
  auto client = open_link(io, srv.url());
  srv.accept();
  std::array<std::uint8_t, 16> buffer{};
  outcome read;
  client->async_read_some(buffer, read.handler());
  srv.peer().close();
  run_until(io, read);
  EXPECT_TRUE(is_link_lost(*read.ec)) << read.ec->message();

  outcome again;
  client->async_read_some(buffer, again.handler());
  run_until(io, again);
  EXPECT_TRUE(is_link_lost(*again.ec)) << "a lost link stays lost";
  outcome wrote;
  client->async_write(payload, wrote.handler());
  run_until(io, wrote);
  EXPECT_TRUE(is_link_lost(*wrote.ec)) << "a lost link stays lost";
}

TEST(tcp_link, bytes_sent_before_the_server_closed_are_read_before_link_lost) {
  boost::asio::io_context io;
  server srv(io);
  auto client = open_link(io, srv.url());
  srv.accept();
  outcome sent;
  boost::asio::async_write(srv.peer(), boost::asio::buffer(payload), sent.handler());
  run_until(io, sent);
  srv.peer().close();

  std::vector<std::uint8_t> at_client;
  std::array<std::uint8_t, 64> buffer{};
  boost::system::error_code last;
  while (!last) {
    outcome read;
    client->async_read_some(buffer, read.handler());
    run_until(io, read);
    last = *read.ec;
    at_client.insert(at_client.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(read.bytes));
  }
  EXPECT_EQ(at_client, payload);
  EXPECT_TRUE(is_link_lost(last)) << last.message();
}

TEST(tcp_link, a_reset_connection_is_link_lost) {
  boost::asio::io_context io;
  server srv(io);
  auto client = open_link(io, srv.url());
  srv.accept();
  srv.peer().set_option(boost::asio::socket_base::linger(true, 0));  // close() now sends RST
  std::array<std::uint8_t, 16> buffer{};
  outcome read;
  client->async_read_some(buffer, read.handler());
  srv.peer().close();
  run_until(io, read);
  EXPECT_TRUE(is_link_lost(*read.ec)) << read.ec->message();
}

TEST(tcp_link, close_aborts_a_pending_read) {
  boost::asio::io_context io;
  server srv(io);
  auto client = open_link(io, srv.url());
  srv.accept();
  std::array<std::uint8_t, 16> buffer{};
  outcome read;
  client->async_read_some(buffer, read.handler());
  client->close();
  EXPECT_FALSE(client->is_open());
  run_until(io, read);
  EXPECT_EQ(*read.ec, boost::asio::error::operation_aborted);
}

TEST(tcp_link, a_refused_connection_is_an_open_error_naming_the_url_and_the_reason) {
  boost::asio::io_context io;
  std::string url;
  {
    server gone(io);  // a port that was free a moment ago and has no listener now
    url = gone.url();
  }
  try {
    open_link(io, url);
    FAIL() << "no error";
  } catch (const link_error& e) {
    EXPECT_EQ(e.kind(), link_errc::open_failed);
    EXPECT_EQ(e.id(), "transport.open_failed");
    EXPECT_EQ(std::string(e.what()), "[transport.open_failed] cannot open " + url + ": Connection refused");
  }
}

TEST(tcp_link, an_unknown_host_is_an_open_error_naming_the_host) {
  boost::asio::io_context io;
  // .invalid never resolves (RFC 2606); the resolver's own words vary by system.
  try {
    open_link(io, "tcp://comframe-test.invalid:4001");
    FAIL() << "no error";
  } catch (const link_error& e) {
    EXPECT_EQ(e.kind(), link_errc::open_failed);
    const std::string expected = "cannot open tcp://comframe-test.invalid:4001: cannot resolve comframe-test.invalid: ";
    EXPECT_EQ(e.detail().substr(0, expected.size()), expected) << e.what();
  }
}

}  // namespace

}  // namespace tcp_link_test
