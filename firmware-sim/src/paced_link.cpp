#include "comframe/firmware_sim/paced_link.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <vector>

#include "comframe/core/error.hpp"

namespace comframe::firmware_sim {

namespace {

using clock = std::chrono::steady_clock;
using boost::system::error_code;
using namespace std::chrono_literals;

// Long transfers move in chunks of about this much line time.
constexpr auto chunk_time = 1ms;
// An inner write slower than this beyond its line time is back pressure.
constexpr auto back_pressure_slack = 2ms;
// Bytes ready this soon after the line went idle keep the busy period going, so
// back-to-back writes keep the exact rate despite the latency of handlers.
constexpr auto continuation_slack = 1ms;

// One direction of the line. Bytes are numbered from 0 for the life of the
// link; a busy period starts at `start` with byte `first`, and byte i is due at
// start + ceil((i - first + 1) * 10 s / baud) — exact, whatever the chunking.
class line_schedule {
 public:
  explicit line_schedule(std::uint32_t baud) : baud_(baud) {}

  // Schedules n more bytes that are ready to leave at `now`. Bytes that come
  // within continuation_slack after the line went idle follow the last byte
  // directly, as on a UART whose next write is queued while the last byte is
  // shifted out; later ones start a new busy period.
  void add(std::size_t n, clock::time_point now) {
    if (count_ == first_ || now >= due(count_ - 1) + continuation_slack) {
      restart(now);
    } else if (count_ - first_ > (std::uint64_t{1} << 26)) {
      // Keep the products below small; the rounding of one due() per 2^26 bytes is below a nanosecond.
      const auto at = due(count_ - 1);
      start_ = at;
      first_ = count_;
    }
    count_ += n;
  }

  // The line was held up (back pressure): byte `next` and those after it leave from `now` on.
  void restart_at(std::uint64_t next, clock::time_point now) {
    start_ = now;
    first_ = next;
  }

  clock::time_point due(std::uint64_t index) const {
    if (index < first_) return start_;
    const std::uint64_t bits_ns = (index - first_ + 1) * std::uint64_t{10'000'000'000};
    return start_ + std::chrono::nanoseconds((bits_ns + baud_ - 1) / baud_);
  }

  // How many bytes (from index 0) have left the line by `now`.
  std::uint64_t due_count(clock::time_point now) const {
    if (count_ == first_ || now >= due(count_ - 1)) return count_;
    if (now <= start_) return first_;
    const auto elapsed_ns = static_cast<std::uint64_t>(std::chrono::nanoseconds(now - start_).count());
    return std::min(count_, first_ + elapsed_ns * baud_ / std::uint64_t{10'000'000'000});
  }

  std::uint64_t count() const noexcept { return count_; }

  // When to wake to move bytes [next, last]: at the last one's time if it is
  // near, else about chunk_time from now, never before the next one is due.
  clock::time_point wake(std::uint64_t next, std::uint64_t last, clock::time_point now) const {
    return std::min(due(last), std::max(due(next), now + chunk_time));
  }

 private:
  void restart(clock::time_point now) {
    start_ = now;
    first_ = count_;
  }

  std::uint64_t baud_;
  clock::time_point start_{};
  std::uint64_t first_ = 0;
  std::uint64_t count_ = 0;
};

struct paced_impl : std::enable_shared_from_this<paced_impl> {
  paced_impl(std::unique_ptr<transport::link> l, const paced_link_options& o)
      : inner(std::move(l)),
        url(inner->url()),
        tx(o.baud),
        tx_timer(inner->get_executor()),
        rx(o.baud),
        rx_timer(inner->get_executor()),
        read_ahead(o.read_buffer_bytes) {}

  std::unique_ptr<transport::link> inner;
  std::string url;
  bool open = true;

  // Writes.
  line_schedule tx;
  boost::asio::steady_timer tx_timer;
  struct user_write {
    std::span<const std::uint8_t> data;
    std::uint64_t base;  // line index of data[0]
    std::size_t sent = 0;
    transport::link::handler handler;
  };
  std::optional<user_write> wr;

  // Reads.
  line_schedule rx;
  boost::asio::steady_timer rx_timer;
  std::vector<std::uint8_t> read_ahead;  // the inner read's buffer
  std::deque<std::uint8_t> arrived;      // bytes read from inner, not yet delivered
  std::uint64_t delivered = 0;           // line index of arrived.front()
  bool inner_reading = false;
  bool rx_timer_armed = false;
  error_code inner_error;                // sticky once the inner read failed
  struct user_read {
    std::span<std::uint8_t> buffer;
    transport::link::handler handler;
  };
  std::optional<user_read> rd;

  void post(transport::link::handler h, error_code ec, std::size_t n) {
    boost::asio::post(inner->get_executor(), [h = std::move(h), ec, n] { h(ec, n); });
  }

  // --- writes ---

  void start_write(std::span<const std::uint8_t> data, transport::link::handler h) {
    const auto now = clock::now();
    const std::uint64_t base = tx.count();
    tx.add(data.size(), now);
    wr = user_write{data, base, 0, std::move(h)};
    arm_tx(now);
  }

  void arm_tx(clock::time_point now) {
    const auto& w = *wr;
    tx_timer.expires_at(tx.wake(w.base + w.sent, w.base + w.data.size() - 1, now));
    tx_timer.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec && self->open) self->send_due();
    });
  }

  void send_due() {
    if (!wr) return;
    const auto now = clock::now();
    auto& w = *wr;
    const std::uint64_t due = std::min<std::uint64_t>(tx.due_count(now) - w.base, w.data.size());
    if (due <= w.sent) return arm_tx(now);
    const auto chunk = w.data.subspan(w.sent, due - w.sent);
    inner->async_write(chunk, [self = shared_from_this(), started = now](const error_code& ec, std::size_t n) {
      self->on_written(started, ec, n);
    });
  }

  void on_written(clock::time_point started, const error_code& ec, std::size_t n) {
    if (!open || !wr) return;
    auto& w = *wr;
    w.sent += n;
    if (ec || w.sent == w.data.size()) {
      auto h = std::move(w.handler);
      const std::size_t sent = w.sent;
      wr.reset();
      return h(ec, sent);
    }
    const auto now = clock::now();
    if (now - started > back_pressure_slack && now > tx.due(w.base + w.sent - 1) + back_pressure_slack)
      tx.restart_at(w.base + w.sent, now);
    arm_tx(now);
  }

  // --- reads ---

  void read_inner() {
    if (inner_reading || inner_error || !open) return;
    const std::size_t room = read_ahead.size() > arrived.size() ? read_ahead.size() - arrived.size() : 0;
    if (room == 0) return;
    inner_reading = true;
    inner->async_read_some(std::span(read_ahead.data(), room), [self = shared_from_this()](const error_code& ec,
                                                                                            std::size_t n) {
      self->on_inner_read(ec, n);
    });
  }

  void on_inner_read(const error_code& ec, std::size_t n) {
    inner_reading = false;
    if (!open) return;
    if (n > 0) {
      rx.add(n, clock::now());
      arrived.insert(arrived.end(), read_ahead.begin(), read_ahead.begin() + static_cast<std::ptrdiff_t>(n));
    }
    if (ec) inner_error = ec;
    serve_read();
    read_inner();
  }

  void serve_read() {
    if (!rd || !open) return;
    const auto now = clock::now();
    const std::uint64_t due = rx.due_count(now) - delivered;
    if (due > 0) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(due, rd->buffer.size()));
      std::copy_n(arrived.begin(), n, rd->buffer.begin());
      arrived.erase(arrived.begin(), arrived.begin() + static_cast<std::ptrdiff_t>(n));
      delivered += n;
      auto h = std::move(rd->handler);
      rd.reset();
      post(std::move(h), {}, n);
      read_inner();
      return;
    }
    if (!arrived.empty()) {
      if (rx_timer_armed) return;
      rx_timer_armed = true;
      rx_timer.expires_at(rx.wake(delivered, delivered + arrived.size() - 1, now));
      rx_timer.async_wait([self = shared_from_this()](error_code ec) {
        self->rx_timer_armed = false;
        if (!ec) self->serve_read();
      });
      return;
    }
    if (inner_error) {
      auto h = std::move(rd->handler);
      rd.reset();
      post(std::move(h), inner_error, 0);
    }
  }

  void close() {
    if (!open) return;
    open = false;
    tx_timer.cancel();
    rx_timer.cancel();
    inner->close();
    const error_code aborted = boost::asio::error::operation_aborted;
    if (wr) post(std::move(wr->handler), aborted, wr->sent);
    if (rd) post(std::move(rd->handler), aborted, 0);
    wr.reset();
    rd.reset();
  }
};

class paced_link final : public transport::link {
 public:
  explicit paced_link(std::shared_ptr<paced_impl> impl) : impl_(std::move(impl)) {}
  ~paced_link() override { impl_->close(); }

  boost::asio::any_io_executor get_executor() override { return impl_->inner->get_executor(); }

  void async_read_some(std::span<std::uint8_t> buffer, handler h) override {
    if (!impl_->open) return impl_->post(std::move(h), boost::asio::error::bad_descriptor, 0);
    if (buffer.empty()) return impl_->post(std::move(h), {}, 0);
    impl_->rd = paced_impl::user_read{buffer, std::move(h)};
    impl_->serve_read();
    impl_->read_inner();
  }

  void async_write(std::span<const std::uint8_t> data, handler h) override {
    if (!impl_->open) return impl_->post(std::move(h), boost::asio::error::bad_descriptor, 0);
    if (data.empty()) return impl_->post(std::move(h), {}, 0);
    impl_->start_write(data, std::move(h));
  }

  void close() override { impl_->close(); }
  bool is_open() const override { return impl_->open; }
  const std::string& url() const override { return impl_->url; }

 private:
  std::shared_ptr<paced_impl> impl_;
};

}  // namespace

std::unique_ptr<transport::link> make_paced_link(std::unique_ptr<transport::link> inner, paced_link_options options) {
  if (!inner) throw usage_error("firmware_sim", "make_paced_link: no inner link");
  if (options.baud == 0) throw usage_error("firmware_sim", "make_paced_link: the baud must be positive");
  if (options.read_buffer_bytes == 0)
    throw usage_error("firmware_sim", "make_paced_link: read_buffer_bytes must be positive");
  auto impl = std::make_shared<paced_impl>(std::move(inner), options);
  // Read ahead from the start, so that bytes sent before the first read are
  // timed from their arrival, as on a real line.
  boost::asio::post(impl->inner->get_executor(), [weak = std::weak_ptr<paced_impl>(impl)] {
    if (auto self = weak.lock()) self->read_inner();
  });
  return std::make_unique<paced_link>(std::move(impl));
}

}  // namespace comframe::firmware_sim
