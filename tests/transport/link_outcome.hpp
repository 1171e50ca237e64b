// Test support for link tests: record what an operation's handler got, and
// run the io_context on the test thread until it has — with a watchdog, never
// a sleep, and never an upper bound on time as an assertion.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <optional>

#include "comframe/transport/link.hpp"

namespace comframe::transport::test_support {

/// Generous: link operations here finish in milliseconds unless something hangs.
inline constexpr std::chrono::seconds watchdog{10};

/// The outcome of one operation, once its handler has run.
struct outcome {
  std::optional<boost::system::error_code> ec;  ///< set when the handler ran
  std::size_t bytes = 0;

  link::handler handler() {
    return [this](const boost::system::error_code& e, std::size_t n) {
      ec = e;
      bytes = n;
    };
  }
};

/// Runs `io` until `done`'s handler ran; fails the test if the watchdog fires
/// first or `io` runs out of work.
inline void run_until(boost::asio::io_context& io, const outcome& done) {
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + watchdog;
  while (!done.ec && !io.stopped() && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(done.ec) << (io.stopped() ? "the io_context ran out of work before the handler ran"
                                         : "the handler did not run within the watchdog");
}

}  // namespace comframe::transport::test_support
