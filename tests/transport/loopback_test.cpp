// In-process loopback pairs, made directly and through loop:// URLs.
#include "comframe/transport/loopback.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <numeric>
#include <vector>

#include "comframe/transport/link.hpp"
#include "comframe/transport/link_error.hpp"
#include "transport/link_outcome.hpp"

namespace loopback_test {

namespace {

using namespace comframe::transport;
using comframe::transport::test_support::outcome;
using comframe::transport::test_support::run_until;

std::vector<std::uint8_t> bytes(std::initializer_list<std::uint8_t> list) { return list; }

TEST(loopback, bytes_written_on_one_end_are_read_on_the_other_in_both_directions) {
  boost::asio::io_context io;
  auto [a, b] = make_loopback_pair(io);
  const auto ping = bytes({1, 2, 3});
  const auto pong = bytes({0xFF, 0x00});

  outcome wrote;
  a->async_write(ping, wrote.handler());
  std::array<std::uint8_t, 16> buffer{};
  outcome read;
  b->async_read_some(buffer, read.handler());
  run_until(io, read);
  run_until(io, wrote);
  EXPECT_FALSE(*wrote.ec);
  EXPECT_EQ(wrote.bytes, 3u);
  EXPECT_FALSE(*read.ec);
  ASSERT_EQ(read.bytes, 3u);
  EXPECT_EQ(std::vector(buffer.begin(), buffer.begin() + 3), ping);

  outcome read_back;
  a->async_read_some(buffer, read_back.handler());  // pending before the write
  outcome wrote_back;
  b->async_write(pong, wrote_back.handler());
  run_until(io, read_back);
  EXPECT_FALSE(*read_back.ec);
  ASSERT_EQ(read_back.bytes, 2u);
  EXPECT_EQ(std::vector(buffer.begin(), buffer.begin() + 2), pong);
}

TEST(loopback, handlers_never_run_inside_the_initiating_call) {
  boost::asio::io_context io;
  auto [a, b] = make_loopback_pair(io);
  const auto data = bytes({7});
  outcome wrote;
  a->async_write(data, wrote.handler());
  EXPECT_FALSE(wrote.ec);
  std::array<std::uint8_t, 4> buffer{};
  outcome read;
  b->async_read_some(buffer, read.handler());
  EXPECT_FALSE(read.ec);
  run_until(io, read);
  EXPECT_FALSE(*read.ec);
}

// A pair's completions run in batches, but a ping-pong that never ends does not
// keep the io_context's other work waiting: a posted handler runs within one
// batch (64 completions: here 64 reads of one byte, each answered with write_now).
TEST(loopback, an_endless_ping_pong_lets_a_posted_handler_run_within_one_batch) {
  boost::asio::io_context io;
  auto [a, b] = make_loopback_pair(io);
  std::array<std::uint8_t, 1> byte{1};
  std::array<std::uint8_t, 1> buffer_a{}, buffer_b{};
  std::uint64_t exchanges = 0;
  std::uint64_t exchanges_when_posted_ran = 0;
  bool stop = false;
  std::function<void(comframe::transport::link&, std::span<std::uint8_t>)> echo = [&](comframe::transport::link& self,
                                                                                   std::span<std::uint8_t> buffer) {
    self.async_read_some(buffer, [&, buffer, s = &self](const boost::system::error_code& ec, std::size_t n) {
      if (ec || stop) return;
      ASSERT_EQ(n, 1u);
      ++exchanges;
      EXPECT_EQ(s->write_now(byte), 1u);  // straight to the peer's pending read
      echo(*s, buffer);
    });
  };
  echo(*a, buffer_a);
  echo(*b, buffer_b);
  ASSERT_EQ(a->write_now(byte), 1u);
  io.poll_one();  // the first batch is under way
  boost::asio::post(io, [&] {
    exchanges_when_posted_ran = exchanges;
    stop = true;
  });
  const std::uint64_t before = exchanges;
  while (!stop) io.run_one();
  EXPECT_GT(exchanges_when_posted_ran, before);
  EXPECT_LE(exchanges_when_posted_ran - before, 64u);
  a->close();
  b->close();
  io.restart();
  io.run();
}

TEST(loopback, a_read_takes_at_most_the_buffer_and_leaves_the_rest_for_the_next) {
  boost::asio::io_context io;
  auto [a, b] = make_loopback_pair(io);
  const auto data = bytes({1, 2, 3, 4, 5});
  outcome wrote;
  a->async_write(data, wrote.handler());
  std::array<std::uint8_t, 2> small{};
  outcome first;
  b->async_read_some(small, first.handler());
  run_until(io, first);
  EXPECT_EQ(first.bytes, 2u);
  EXPECT_EQ(small[1], 2);
  std::array<std::uint8_t, 8> big{};
  outcome second;
  b->async_read_some(big, second.handler());
  run_until(io, second);
  EXPECT_EQ(second.bytes, 3u);
  EXPECT_EQ(big[2], 5);
}

TEST(loopback, a_write_larger_than_the_buffer_completes_as_the_reader_drains_it) {
  boost::asio::io_context io;
  auto [a, b] = make_loopback_pair(io);
  std::vector<std::uint8_t> data(loopback_capacity_bytes * 3 + 17);
  std::iota(data.begin(), data.end(), std::uint8_t{0});
  outcome wrote;
  a->async_write(data, wrote.handler());

  std::vector<std::uint8_t> received;
  std::array<std::uint8_t, 4096> buffer{};
  while (received.size() < data.size()) {
    outcome read;
    b->async_read_some(buffer, read.handler());
    run_until(io, read);
    ASSERT_FALSE(*read.ec) << read.ec->message();
    received.insert(received.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(read.bytes));
    if (received.size() < data.size() - loopback_capacity_bytes) {
      EXPECT_FALSE(wrote.ec) << "the write completed before the reader made room";
    }
  }
  run_until(io, wrote);
  EXPECT_FALSE(*wrote.ec);
  EXPECT_EQ(wrote.bytes, data.size());
  EXPECT_EQ(received, data);
}

TEST(loopback, closing_one_end_ends_the_peers_pending_read_with_link_lost) {
  boost::asio::io_context io;
  auto [a, b] = make_loopback_pair(io);
  std::array<std::uint8_t, 4> buffer{};
  outcome read;
  b->async_read_some(buffer, read.handler());
  a->close();
  run_until(io, read);
  EXPECT_TRUE(is_link_lost(*read.ec)) << read.ec->message();
  EXPECT_EQ(*read.ec, link_errc::link_lost);
  EXPECT_EQ(read.ec->message(), "link lost");
  EXPECT_FALSE(a->is_open());
  EXPECT_TRUE(b->is_open());
}

TEST(loopback, bytes_sent_before_the_peer_closed_are_read_before_link_lost) {
  boost::asio::io_context io;
  auto [a, b] = make_loopback_pair(io);
  const auto data = bytes({9, 8});
  outcome wrote;
  a->async_write(data, wrote.handler());
  run_until(io, wrote);
  a.reset();  // destroying an end closes it

  std::array<std::uint8_t, 4> buffer{};
  outcome first;
  b->async_read_some(buffer, first.handler());
  run_until(io, first);
  EXPECT_FALSE(*first.ec);
  EXPECT_EQ(first.bytes, 2u);
  outcome second;
  b->async_read_some(buffer, second.handler());
  run_until(io, second);
  EXPECT_TRUE(is_link_lost(*second.ec));
  outcome again;
  b->async_read_some(buffer, again.handler());
  run_until(io, again);
  EXPECT_TRUE(is_link_lost(*again.ec)) << "a lost link stays lost";
}

TEST(loopback, writing_to_a_closed_peer_fails_with_link_lost) {
  boost::asio::io_context io;
  auto [a, b] = make_loopback_pair(io);
  b->close();
  const auto data = bytes({1});
  outcome wrote;
  a->async_write(data, wrote.handler());
  run_until(io, wrote);
  EXPECT_TRUE(is_link_lost(*wrote.ec));
}

TEST(loopback, a_write_waiting_for_room_fails_with_link_lost_when_the_reader_closes) {
  boost::asio::io_context io;
  auto [a, b] = make_loopback_pair(io);
  std::vector<std::uint8_t> data(loopback_capacity_bytes + 10);
  outcome wrote;
  a->async_write(data, wrote.handler());
  b->close();
  run_until(io, wrote);
  EXPECT_TRUE(is_link_lost(*wrote.ec));
  EXPECT_EQ(wrote.bytes, loopback_capacity_bytes);
}

TEST(loopback, close_aborts_the_own_pending_read) {
  boost::asio::io_context io;
  auto [a, b] = make_loopback_pair(io);
  std::array<std::uint8_t, 4> buffer{};
  outcome read;
  a->async_read_some(buffer, read.handler());
  a->close();
  run_until(io, read);
  EXPECT_EQ(*read.ec, boost::asio::error::operation_aborted);
}

TEST(loopback, operations_on_a_closed_end_fail_with_bad_descriptor) {
  boost::asio::io_context io;
  auto [a, b] = make_loopback_pair(io);
  a->close();
  a->close();  // closing twice is harmless
  std::array<std::uint8_t, 4> buffer{};
  outcome read;
  a->async_read_some(buffer, read.handler());
  run_until(io, read);
  EXPECT_EQ(*read.ec, boost::asio::error::bad_descriptor);
  outcome wrote;
  a->async_write(buffer, wrote.handler());
  run_until(io, wrote);
  EXPECT_EQ(*wrote.ec, boost::asio::error::bad_descriptor);
}

TEST(loopback, a_second_read_while_one_is_pending_is_refused) {
  boost::asio::io_context io;
  auto [a, b] = make_loopback_pair(io);
  std::array<std::uint8_t, 4> buffer{};
  outcome first;
  a->async_read_some(buffer, first.handler());
  outcome second;
  a->async_read_some(buffer, second.handler());
  run_until(io, second);
  EXPECT_EQ(*second.ec, boost::asio::error::already_started);
  EXPECT_FALSE(first.ec);
}

TEST(loopback, both_ends_report_their_url_and_executor) {
  boost::asio::io_context io;
  auto [a, b] = make_loopback_pair(io, "bench");
  EXPECT_EQ(a->url(), "loop://bench");
  EXPECT_EQ(b->url(), "loop://bench");
  EXPECT_TRUE(a->get_executor() == boost::asio::any_io_executor(io.get_executor()));
}

TEST(loopback, opening_a_loop_url_twice_gives_the_two_ends_of_one_pair) {
  boost::asio::io_context io;
  auto a = open_link(io, "loop://two-ends");
  auto b = open_link(io, "loop://two-ends");
  EXPECT_EQ(a->url(), "loop://two-ends");
  const auto data = bytes({0x42});
  outcome wrote;
  b->async_write(data, wrote.handler());
  std::array<std::uint8_t, 4> buffer{};
  outcome read;
  a->async_read_some(buffer, read.handler());
  run_until(io, read);
  EXPECT_FALSE(*read.ec);
  ASSERT_EQ(read.bytes, 1u);
  EXPECT_EQ(buffer[0], 0x42);
}

TEST(loopback, a_third_open_of_a_name_starts_a_new_pair) {
  boost::asio::io_context io;
  auto a = open_link(io, "loop://reused");
  auto b = open_link(io, "loop://reused");
  auto c = open_link(io, "loop://reused");
  auto d = open_link(io, "loop://reused");
  const auto data = bytes({5});
  outcome wrote;
  c->async_write(data, wrote.handler());
  std::array<std::uint8_t, 4> buffer{};
  outcome read;
  d->async_read_some(buffer, read.handler());
  run_until(io, read);
  EXPECT_EQ(read.bytes, 1u);
}

TEST(loopback, a_side_a_closed_before_side_b_came_does_not_hand_a_dead_pair_to_the_next_opener) {
  boost::asio::io_context io;
  auto stale = open_link(io, "loop://stale");
  stale->close();
  auto a = open_link(io, "loop://stale");
  auto b = open_link(io, "loop://stale");
  const auto data = bytes({1});
  outcome wrote;
  a->async_write(data, wrote.handler());
  run_until(io, wrote);
  EXPECT_FALSE(*wrote.ec);

  auto gone = open_link(io, "loop://gone");
  gone.reset();
  auto c = open_link(io, "loop://gone");
  auto d = open_link(io, "loop://gone");
  outcome wrote_again;
  c->async_write(data, wrote_again.handler());
  run_until(io, wrote_again);
  EXPECT_FALSE(*wrote_again.ec);
}

TEST(loopback, side_b_must_use_the_io_context_of_side_a) {
  boost::asio::io_context io;
  boost::asio::io_context other;
  auto a = open_link(io, "loop://split");
  try {
    open_link(other, "loop://split");
    FAIL() << "no error";
  } catch (const link_error& e) {
    EXPECT_EQ(e.kind(), link_errc::open_failed);
    EXPECT_EQ(e.id(), "transport.open_failed");
    EXPECT_STREQ(e.what(), "[transport.open_failed] cannot open loop://split: side A of this pair runs on another io_context");
  }
}

}  // namespace

}  // namespace loopback_test
