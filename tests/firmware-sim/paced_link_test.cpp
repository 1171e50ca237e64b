// Baud emulation over a loopback pair: bytes take at least their line time, in
// both directions. Asserted as counts: by any moment, no more bytes have
// arrived than the line rate allows since the first byte was offered. How close
// a long stream comes to the exact rate is timing, measured by
// bench/sim_bench.cpp (paced_link/*), not asserted here.
#include "comframe/firmware_sim/paced_link.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "comframe/transport/loopback.hpp"
#include "devices/scripted_peer.hpp"
#include "firmware-sim/link_driver.hpp"

namespace paced_link_test {

namespace {

using namespace comframe;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using test::link_driver;

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  std::iota(v.begin(), v.end(), std::uint8_t{0});
  return v;
}

double seconds(clock_type::duration d) { return std::chrono::duration<double>(d).count(); }

// Writes `total` bytes as writes of `chunk` bytes, each started when the one
// before completed, and records when the last byte arrived at the other end.
struct stream_result {
  double write_s = 0;    // from the first write until the last write completed
  double arrive_s = 0;   // from the first write until the last byte was read
  std::vector<std::uint8_t> received;
  // The largest excess, over all reads, of the bytes received so far over the
  // bytes the line can carry in the time elapsed (elapsed x baud / 10; measured
  // after the read, so never short). At most 0 on a line that is never faster
  // than its baud.
  double worst_excess_bytes = -1e300;
};

// Bytes a line of `bytes_per_second` can carry in `elapsed_s` seconds.
double line_capacity(double bytes_per_second, double elapsed_s) { return bytes_per_second * elapsed_s; }

stream_result stream(test::io_thread& t, transport::link& writer, transport::link& reader, std::size_t total,
                     std::size_t chunk, double bytes_per_second) {
  const auto data = pattern(total);
  stream_result r;
  std::promise<void> written, arrived;
  std::vector<std::uint8_t> buffer(4096);
  const auto start = clock_type::now();
  std::function<void(std::size_t)> write_from = [&](std::size_t offset) {
    if (offset == total) {
      r.write_s = seconds(clock_type::now() - start);
      return written.set_value();
    }
    const std::size_t n = std::min(chunk, total - offset);
    writer.async_write(std::span(data).subspan(offset, n), [&, offset, n](const boost::system::error_code& ec, std::size_t) {
      EXPECT_FALSE(ec) << ec.message();
      write_from(offset + n);
    });
  };
  std::function<void()> read_more = [&] {
    reader.async_read_some(buffer, [&](const boost::system::error_code& ec, std::size_t n) {
      r.received.insert(r.received.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
      const double elapsed = seconds(clock_type::now() - start);
      r.worst_excess_bytes = std::max(r.worst_excess_bytes,
                                      static_cast<double>(r.received.size()) - line_capacity(bytes_per_second, elapsed));
      if (ec || r.received.size() >= total) {
        r.arrive_s = seconds(clock_type::now() - start);
        return arrived.set_value();
      }
      read_more();
    });
  };
  boost::asio::post(t.io, [&] {
    write_from(0);
    read_more();
  });
  auto w = written.get_future();
  auto a = arrived.get_future();
  if (w.wait_for(test::watchdog) != std::future_status::ready || a.wait_for(test::watchdog) != std::future_status::ready) {
    ADD_FAILURE() << "watchdog: the stream did not complete";
    std::abort();
  }
  EXPECT_EQ(r.received, data);
  return r;
}

struct paced : ::testing::Test {
  test::io_thread t;
  std::unique_ptr<transport::link> line;  // the paced end
  std::unique_ptr<transport::link> peer;  // the plain end
  void make(std::uint32_t baud) {
    auto pair = transport::make_loopback_pair(t.io);
    line = firmware_sim::make_paced_link(std::move(pair.a), baud);
    peer = std::move(pair.b);
  }
  void TearDown() override {
    std::promise<void> closed;
    boost::asio::post(t.io, [&] {
      line.reset();
      peer.reset();
      closed.set_value();
    });
    closed.get_future().wait();
  }
};

TEST_F(paced, written_bytes_take_their_line_time_across_small_writes) {
  make(38400);  // 3840 bytes/s
  const auto r = stream(t, *line, *peer, 2400, 24, 3840.0);  // 100 writes, 0.625 s of line time
  EXPECT_GE(r.arrive_s, 2400 / 3840.0);
  EXPECT_GE(r.write_s, 2400 / 3840.0);
  EXPECT_LE(r.worst_excess_bytes, 0.0) << "more bytes arrived than 3840 bytes/s allow";
}

TEST_F(paced, read_bytes_arrive_no_faster_than_the_line_rate) {
  make(38400);
  const auto r = stream(t, *peer, *line, 2400, 2400, 3840.0);  // written at once on the plain end
  EXPECT_GE(r.arrive_s, 2400 / 3840.0);
  EXPECT_LE(r.worst_excess_bytes, 0.0) << "more bytes arrived than 3840 bytes/s allow";
}

TEST_F(paced, a_fast_line_never_delivers_more_than_its_rate_allows_over_a_long_stream) {
  make(921600);  // 92160 bytes/s
  const std::size_t total = 46080;  // 0.5 s
  const auto r = stream(t, *line, *peer, total, total, 92160.0);
  EXPECT_GE(r.arrive_s, 0.5);
  EXPECT_LE(r.worst_excess_bytes, 0.0) << "more bytes arrived than 92160 bytes/s allow";
}

TEST_F(paced, a_short_write_completes_after_its_line_time) {
  make(9600);
  const auto r = stream(t, *line, *peer, 12, 12, 960.0);
  EXPECT_GE(r.write_s, 12 / 960.0);
  EXPECT_GE(r.arrive_s, 12 / 960.0);
  EXPECT_LE(r.worst_excess_bytes, 0.0);
}

TEST_F(paced, both_directions_are_paced_independently) {
  make(19200);
  auto data = pattern(1200);  // 0.625 s each way
  std::promise<double> out_done, in_done;
  std::vector<std::uint8_t> got_out, got_in, buf_out(4096), buf_in(4096);
  const auto start = clock_type::now();
  std::function<void()> read_peer = [&] {
    peer->async_read_some(buf_out, [&](const boost::system::error_code& ec, std::size_t n) {
      got_out.insert(got_out.end(), buf_out.begin(), buf_out.begin() + static_cast<std::ptrdiff_t>(n));
      if (ec || got_out.size() >= data.size()) return out_done.set_value(seconds(clock_type::now() - start));
      read_peer();
    });
  };
  std::function<void()> read_line = [&] {
    line->async_read_some(buf_in, [&](const boost::system::error_code& ec, std::size_t n) {
      got_in.insert(got_in.end(), buf_in.begin(), buf_in.begin() + static_cast<std::ptrdiff_t>(n));
      if (ec || got_in.size() >= data.size()) return in_done.set_value(seconds(clock_type::now() - start));
      read_line();
    });
  };
  boost::asio::post(t.io, [&] {
    line->async_write(data, [](const boost::system::error_code&, std::size_t) {});
    peer->async_write(data, [](const boost::system::error_code&, std::size_t) {});
    read_peer();
    read_line();
  });
  auto out_f = out_done.get_future();
  auto in_f = in_done.get_future();
  ASSERT_EQ(out_f.wait_for(test::watchdog), std::future_status::ready);
  ASSERT_EQ(in_f.wait_for(test::watchdog), std::future_status::ready);
  const double out_s = out_f.get();
  const double in_s = in_f.get();
  EXPECT_EQ(got_out, data);
  EXPECT_EQ(got_in, data);
  // Each direction takes at least its own line time. That the two overlap
  // (full duplex: about one line time in all, not two) is timing, measured
  // by bench/sim_bench.cpp (paced_link/duplex).
  EXPECT_GE(out_s, 1200 / 1920.0);
  EXPECT_GE(in_s, 1200 / 1920.0);
}

TEST_F(paced, bytes_that_arrived_before_the_peer_closed_are_read_then_link_lost) {
  make(115200);
  link_driver plain(t.io, std::move(peer));
  ASSERT_FALSE(plain.write(pattern(100)));
  plain.run([&](auto done) {
    plain.link().close();
    done();
  });
  link_driver paced_end(t.io, std::move(line));
  const auto r = paced_end.read(1000);
  EXPECT_EQ(r.bytes, pattern(100));
  EXPECT_TRUE(transport::is_link_lost(r.ec)) << r.ec.message();
}

TEST_F(paced, close_aborts_a_pending_write_and_read) {
  make(300);  // 30 bytes/s: a 300-byte write takes 10 s
  const auto data = pattern(300);
  std::promise<boost::system::error_code> write_ec, read_ec;
  std::vector<std::uint8_t> buffer(16);
  boost::asio::post(t.io, [&] {
    line->async_write(data, [&](const boost::system::error_code& ec, std::size_t) { write_ec.set_value(ec); });
    line->async_read_some(buffer, [&](const boost::system::error_code& ec, std::size_t) { read_ec.set_value(ec); });
    line->close();
    EXPECT_FALSE(line->is_open());
  });
  auto w = write_ec.get_future();
  auto r = read_ec.get_future();
  ASSERT_EQ(w.wait_for(test::watchdog), std::future_status::ready);
  ASSERT_EQ(r.wait_for(test::watchdog), std::future_status::ready);
  EXPECT_EQ(w.get(), boost::asio::error::operation_aborted);
  EXPECT_EQ(r.get(), boost::asio::error::operation_aborted);
}

TEST(paced_link, refuses_a_baud_of_zero) {
  boost::asio::io_context io;
  auto pair = transport::make_loopback_pair(io);
  EXPECT_THROW(firmware_sim::make_paced_link(std::move(pair.a), 0u), comframe::usage_error);
}

}  // namespace

}  // namespace paced_link_test
