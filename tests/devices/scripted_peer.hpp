// Test support: the device end of a link, scripted by the test. It decodes the
// frames the host sends and lets the test answer each request as it likes —
// correctly, late, with the wrong sequence number, with an error — or write
// raw bytes. Everything runs on the io_context given; the test's own thread
// talks to it through the thread-safe members.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>

#include "comframe/transport/frame.hpp"
#include "comframe/transport/link.hpp"

namespace comframe::test {

class scripted_peer {
 public:
  using request_handler = std::function<void(scripted_peer&, const transport::frame_header&, std::vector<std::uint8_t>)>;

  scripted_peer(boost::asio::io_context& io, std::unique_ptr<transport::link> link, request_handler on_request)
      : io_(io), link_(std::move(link)), on_request_(std::move(on_request)), buffer_(4096) {
    boost::asio::post(io_, [this] { read(); });
  }
  ~scripted_peer() {
    // Close on the io thread, then wait until the handlers of the cancelled
    // operations (queued by close) have run: they use this object.
    auto done = std::make_shared<std::promise<void>>();
    auto finished = done->get_future();
    boost::asio::post(io_, [this, done] {
      if (link_) link_->close();
      boost::asio::post(io_, [done] { done->set_value(); });
    });
    finished.wait();
  }

  /// Writes a frame (from any thread, or from a handler).
  void write(transport::frame_kind kind, std::uint16_t command, std::uint16_t sequence,
             std::vector<std::uint8_t> payload) {
    write_raw(transport::encode_frame({transport::protocol_version, kind, command, sequence}, payload));
  }
  void write_raw(std::vector<std::uint8_t> bytes) {
    boost::asio::post(io_, [this, bytes = std::move(bytes)]() mutable {
      queue_.push_back(std::move(bytes));
      if (queue_.size() == 1) write_next();
    });
  }
  /// Writes after `delay` (from the io thread or any thread).
  void write_later(std::chrono::milliseconds delay, transport::frame_kind kind, std::uint16_t command,
                   std::uint16_t sequence, std::vector<std::uint8_t> payload) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
    timer->async_wait([this, timer, kind, command, sequence, payload = std::move(payload)](auto) mutable {
      write(kind, command, sequence, std::move(payload));
    });
  }
  /// Closes the device end: the host sees its port vanish.
  void close() {
    boost::asio::post(io_, [this] {
      if (link_) link_->close();
    });
  }

  /// Waits (with a generous watchdog) until `n` requests have arrived.
  bool wait_for_requests(std::size_t n, std::chrono::seconds watchdog = std::chrono::seconds(30)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, watchdog, [&] { return received_.size() >= n; });
  }
  std::vector<transport::frame_header> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  void read() {
    link_->async_read_some(buffer_, [this](const boost::system::error_code& ec, std::size_t n) {
      if (ec) return;
      decoder_.feed(std::span<const std::uint8_t>(buffer_.data(), n), [&](const transport::frame_view& f) {
        {
          std::lock_guard lock(mutex_);
          received_.push_back(f.header);
        }
        cv_.notify_all();
        if (on_request_) on_request_(*this, f.header, std::vector<std::uint8_t>(f.payload.begin(), f.payload.end()));
      });
      read();
    });
  }
  void write_next() {
    link_->async_write(queue_.front(), [this](const boost::system::error_code& ec, std::size_t) {
      queue_.pop_front();
      if (!ec && !queue_.empty()) write_next();
      if (ec) queue_.clear();
    });
  }

  boost::asio::io_context& io_;
  std::unique_ptr<transport::link> link_;
  request_handler on_request_;
  std::vector<std::uint8_t> buffer_;
  transport::frame_decoder decoder_;
  std::deque<std::vector<std::uint8_t>> queue_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<transport::frame_header> received_;
};

/// An io_context running on its own thread for the length of a test.
struct io_thread {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~io_thread() {
    work.reset();
    io.stop();
    thread.join();
  }
};

}  // namespace comframe::test
