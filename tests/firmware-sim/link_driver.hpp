// Test support: drives a transport::link from the test's thread. Every
// operation is started on the link's io_context and waited for with a
// generous watchdog, so a hang fails the test instead of blocking it.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <vector>

#include "comframe/transport/link.hpp"

namespace comframe::test {

inline constexpr std::chrono::seconds watchdog{30};

struct read_result {
  boost::system::error_code ec;
  std::vector<std::uint8_t> bytes;
};

class link_driver {
 public:
  link_driver(boost::asio::io_context& io, std::unique_ptr<transport::link> l) : io_(io), link_(std::move(l)) {}
  ~link_driver() {
    run([this](auto done) {
      link_->close();
      done();
    });
  }

  transport::link& link() { return *link_; }

  /// Writes all of `bytes`; returns the handler's error.
  boost::system::error_code write(std::vector<std::uint8_t> bytes) {
    auto data = std::make_shared<std::vector<std::uint8_t>>(std::move(bytes));
    boost::system::error_code result;
    run([&, data](auto done) {
      link_->async_write(*data, [&, data, done](const boost::system::error_code& ec, std::size_t) {
        result = ec;
        done();
      });
    });
    return result;
  }

  /// Reads until `n` bytes arrived or an error; returns what arrived and the error.
  read_result read(std::size_t n) {
    read_result r;
    auto buffer = std::make_shared<std::vector<std::uint8_t>>(4096);
    run([&, buffer](auto done) { read_more(r, n, buffer, done); });
    return r;
  }

  /// One read: what the first completion delivers.
  read_result read_some() {
    read_result r;
    auto buffer = std::make_shared<std::vector<std::uint8_t>>(4096);
    run([&, buffer](auto done) {
      link_->async_read_some(*buffer, [&, buffer, done](const boost::system::error_code& ec, std::size_t got) {
        r.ec = ec;
        r.bytes.assign(buffer->begin(), buffer->begin() + static_cast<std::ptrdiff_t>(got));
        done();
      });
    });
    return r;
  }

  /// Runs `start(done)` on the io_context and waits until it calls done().
  template <class F>
  void run(F start) {
    auto finished = std::make_shared<std::promise<void>>();
    auto f = finished->get_future();
    boost::asio::post(io_, [start = std::move(start), finished]() mutable {
      start([finished] { finished->set_value(); });
    });
    if (f.wait_for(watchdog) != std::future_status::ready) {
      ADD_FAILURE() << "watchdog: a link operation did not complete";
      std::abort();  // the pending handler refers to this frame
    }
  }

 private:
  template <class Done>
  void read_more(read_result& r, std::size_t n, std::shared_ptr<std::vector<std::uint8_t>> buffer, Done done) {
    if (r.bytes.size() >= n) return done();
    link_->async_read_some(*buffer, [this, &r, n, buffer, done](const boost::system::error_code& ec, std::size_t got) {
      r.bytes.insert(r.bytes.end(), buffer->begin(), buffer->begin() + static_cast<std::ptrdiff_t>(got));
      if (ec) {
        r.ec = ec;
        return done();
      }
      read_more(r, n, buffer, done);
    });
  }

  boost::asio::io_context& io_;
  std::unique_ptr<transport::link> link_;
};

inline std::vector<std::uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

}  // namespace comframe::test
