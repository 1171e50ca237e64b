// frame_channel: the one frame pump. A counting fake link records every
// async_write (one per system call on a real stream link) and completes
// operations only when the test says so; the io_context is polled on the
// test's thread, so every count is exact.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "comframe/transport/frame_channel.hpp"
#include "comframe/transport/framing_spec.hpp"
#include "comframe/transport/link_error.hpp"

namespace frame_channel_test {

namespace {

using namespace comframe::transport;
using bytes = std::vector<std::uint8_t>;

// What the fake link did and what it waits for; shared, since the channel owns the link.
struct fake_state {
  std::vector<bytes> writes;  // each async_write's bytes: one system call each on a stream link
  std::vector<bytes> written_now;  // each write_now's bytes (a write without a completion)
  std::size_t now_budget = 0;      // bytes write_now accepts; 0: like a link without it
  link::handler write_handler;
  std::size_t write_size = 0;
  std::span<std::uint8_t> read_buffer;
  link::handler read_handler;
  bool open = true;
};

class counting_link final : public link {
 public:
  counting_link(boost::asio::io_context& io, std::shared_ptr<fake_state> s) : io_(io), s_(std::move(s)) {}
  ~counting_link() override { close(); }
  boost::asio::any_io_executor get_executor() override { return io_.get_executor(); }
  void async_read_some(std::span<std::uint8_t> buffer, handler h) override {
    s_->read_buffer = buffer;
    s_->read_handler = std::move(h);
  }
  void async_write(std::span<const std::uint8_t> data, handler h) override {
    s_->writes.emplace_back(data.begin(), data.end());
    s_->write_size = data.size();
    s_->write_handler = std::move(h);
  }
  std::size_t write_now(std::span<const std::uint8_t> data) override {
    const std::size_t n = std::min(data.size(), s_->now_budget);
    if (n == 0) return 0;
    s_->now_budget -= n;
    s_->written_now.emplace_back(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    return n;
  }
  void close() override {
    if (!s_->open) return;
    s_->open = false;
    for (auto* h : {&s_->read_handler, &s_->write_handler})
      if (*h) boost::asio::post(io_, [h = std::exchange(*h, nullptr)] { h(boost::asio::error::operation_aborted, 0); });
  }
  bool is_open() const override { return s_->open; }
  const std::string& url() const override { return url_; }

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<fake_state> s_;
  std::string url_ = "fake://counting";
};

frame_header request(std::uint16_t seq) { return {protocol_version, frame_kind::request, 0x10, seq}; }
frame_header response(std::uint16_t seq) { return {protocol_version, frame_kind::response, 0x10, seq}; }
const bytes payload{1, 2, 3, 4};

bytes concat(std::initializer_list<bytes> parts) {
  bytes all;
  for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

struct frame_channel_test : ::testing::Test {
  boost::asio::io_context io;
  std::shared_ptr<fake_state> state = std::make_shared<fake_state>();
  std::shared_ptr<frame_channel> channel =
      frame_channel::make(make_comframe_framing({direction::from_device, nullptr, default_max_payload_size}),
                          direction::from_device);

  // Runs what is ready (poll() stops an io_context that runs out of work: restart it).
  void pump() {
    io.restart();
    io.poll();
  }
  void open(bool resync = false) {
    channel->open(std::make_unique<counting_link>(io, state), resync);
    pump();
  }
  // The link delivers `data` to the pending read.
  void deliver(const bytes& data) {
    ASSERT_TRUE(state->read_handler) << "no read pending";
    ASSERT_LE(data.size(), state->read_buffer.size());
    std::copy(data.begin(), data.end(), state->read_buffer.begin());
    boost::asio::post(io, [h = std::exchange(state->read_handler, nullptr), n = data.size()] { h({}, n); });
    pump();
  }
  // The write in progress completes.
  void complete_write(boost::system::error_code ec = {}) {
    ASSERT_TRUE(state->write_handler) << "no write in progress";
    boost::asio::post(io, [h = std::exchange(state->write_handler, nullptr), n = state->write_size, ec] { h(ec, n); });
    pump();
  }
  void TearDown() override {
    channel->close();
    pump();
  }
};

TEST_F(frame_channel_test, a_frame_written_when_the_link_is_idle_goes_out_at_once) {
  open();
  EXPECT_TRUE(channel->write(request(1), payload));
  ASSERT_EQ(state->writes.size(), 1u);
  EXPECT_EQ(state->writes[0], encode_frame(request(1), payload));
}

TEST_F(frame_channel_test, frames_written_while_a_write_is_in_progress_go_out_together_in_one_write) {
  open();
  channel->write(request(1), payload);
  for (std::uint16_t seq = 2; seq <= 9; ++seq) channel->write(request(seq), payload);
  ASSERT_EQ(state->writes.size(), 1u);
  EXPECT_EQ(channel->queued_bytes(frame_channel::lane::normal), 8 * encode_frame(request(2), payload).size());
  complete_write();
  ASSERT_EQ(state->writes.size(), 2u);
  bytes expected;
  for (std::uint16_t seq = 2; seq <= 9; ++seq) expected = concat({expected, encode_frame(request(seq), payload)});
  EXPECT_EQ(state->writes[1], expected);
  complete_write();
  EXPECT_EQ(state->writes.size(), 2u);  // nothing waits: no empty write
}

TEST_F(frame_channel_test, replies_written_while_one_chunk_is_decoded_go_out_in_one_write) {
  channel->set_handlers({.frame = [&](const frame_view& f) { channel->write(response(f.header.sequence), f.payload); }});
  open();
  bytes chunk;
  for (std::uint16_t seq = 1; seq <= 8; ++seq) chunk = concat({chunk, encode_frame(request(seq), payload)});
  deliver(chunk);
  ASSERT_EQ(state->writes.size(), 1u);
  bytes expected;
  for (std::uint16_t seq = 1; seq <= 8; ++seq) expected = concat({expected, encode_frame(response(seq), payload)});
  EXPECT_EQ(state->writes[0], expected);
  EXPECT_EQ(channel->stats().frames, 8u);
}

TEST_F(frame_channel_test, frames_written_while_held_go_out_in_one_write_on_release) {
  open();
  channel->hold();
  for (std::uint16_t seq = 1; seq <= 3; ++seq) channel->write(request(seq), payload);
  EXPECT_EQ(state->writes.size(), 0u);
  channel->release();
  ASSERT_EQ(state->writes.size(), 1u);
  EXPECT_EQ(state->writes[0], concat({encode_frame(request(1), payload), encode_frame(request(2), payload),
                                      encode_frame(request(3), payload)}));
}

TEST_F(frame_channel_test, frames_on_the_first_lane_go_out_before_those_waiting_on_the_normal_lane) {
  open();
  const frame_header event{protocol_version, frame_kind::event, 0x20, 0};
  channel->write(event, payload);  // in progress
  channel->write(event, payload, frame_channel::lane::normal);
  channel->write(response(5), payload, frame_channel::lane::first);
  EXPECT_EQ(channel->writing_bytes(frame_channel::lane::normal), encode_frame(event, payload).size());
  complete_write();
  ASSERT_EQ(state->writes.size(), 2u);
  EXPECT_EQ(state->writes[1], concat({encode_frame(response(5), payload), encode_frame(event, payload)}));
  EXPECT_EQ(channel->writing_bytes(frame_channel::lane::first), encode_frame(response(5), payload).size());
}

TEST_F(frame_channel_test, admit_sees_the_lanes_without_the_new_frame_and_may_refuse_it) {
  open();
  channel->write(request(1), payload);  // in progress
  std::vector<std::size_t> asked;
  auto admit_none = [&](std::size_t wire) {
    asked.push_back(channel->queued_bytes(frame_channel::lane::normal));
    asked.push_back(wire);
    return false;
  };
  EXPECT_FALSE(channel->write(request(2), payload, frame_channel::lane::normal, admit_none));
  EXPECT_EQ(asked, (std::vector<std::size_t>{0, encode_frame(request(2), payload).size()}));
  EXPECT_EQ(channel->queued_bytes(frame_channel::lane::normal), 0u);
  complete_write();
  EXPECT_EQ(state->writes.size(), 1u);
}

TEST_F(frame_channel_test, a_resync_byte_goes_before_the_first_frame_after_open_only) {
  open(true);
  channel->write(request(1), payload);
  complete_write();
  channel->write(request(2), payload);
  ASSERT_EQ(state->writes.size(), 2u);
  EXPECT_EQ(state->writes[0], concat({bytes{0x00}, encode_frame(request(1), payload)}));
  EXPECT_EQ(state->writes[1], encode_frame(request(2), payload));
}

TEST_F(frame_channel_test, the_observer_sees_frames_read_refused_and_written_with_their_direction) {
  std::vector<std::string> seen;
  channel->observe_frames([&](const frame_record& r) {
    seen.push_back(std::string(to_string(r.dir)) + " " +
                   (r.error ? std::string(to_string(*r.error)) : std::string(to_string(r.header->kind))) + " " +
                   std::to_string(r.payload.size()));
  });
  open();
  auto broken = encode_frame(response(1), payload);
  broken[2] ^= 0x40;  // a CRC error
  deliver(concat({encode_frame(response(1), payload), broken}));
  channel->write(request(2), payload);
  EXPECT_EQ(seen, (std::vector<std::string>{"from_device response 4", "from_device crc " + std::to_string(broken.size() - 1),
                                            "to_device request 4"}));
  EXPECT_EQ(channel->stats().crc_errors, 1u);
  EXPECT_EQ(channel->stats().frames, 1u);
}

TEST_F(frame_channel_test, a_failed_write_lets_the_link_go_and_is_reported_once) {
  std::vector<std::string> failures;
  channel->set_handlers({.failed = [&](frame_channel::operation op, const boost::system::error_code& ec) {
    failures.push_back(std::string(op == frame_channel::operation::write ? "write " : "read ") + ec.message());
  }});
  open();
  channel->write(request(1), payload);
  channel->write(request(2), payload);  // waits
  complete_write(make_error_code(link_errc::link_lost));
  EXPECT_EQ(failures, (std::vector<std::string>{"write link lost"}));
  EXPECT_FALSE(channel->is_open());
  EXPECT_FALSE(state->open);
  EXPECT_FALSE(channel->write(request(3), payload));
  EXPECT_EQ(state->writes.size(), 1u);
  EXPECT_EQ(channel->queued_bytes(frame_channel::lane::normal), 0u);
}

TEST_F(frame_channel_test, a_new_link_keeps_the_counters_and_reset_framing_counts_a_partial_frame) {
  open();
  const auto f = encode_frame(response(1), payload);
  deliver(bytes(f.begin(), f.end() - 3));  // part of a frame
  channel->close();
  channel->reset_framing();
  pump();
  state = std::make_shared<fake_state>();
  open();
  deliver(f);
  EXPECT_EQ(channel->stats().truncated, 1u);
  EXPECT_EQ(channel->stats().frames, 1u);
}

TEST_F(frame_channel_test, a_write_the_link_takes_at_once_needs_no_completion_and_a_partial_one_ends_asynchronously) {
  state->now_budget = 1000;
  open();
  channel->write(request(1), payload);
  ASSERT_EQ(state->written_now.size(), 1u);
  EXPECT_EQ(state->written_now[0], encode_frame(request(1), payload));
  EXPECT_TRUE(state->writes.empty());
  EXPECT_EQ(channel->writing_bytes(frame_channel::lane::normal), 0u);
  // Three frames held together: the link takes 5 bytes at once, async_write the rest.
  state->now_budget = 5;
  channel->hold();
  for (std::uint16_t seq = 2; seq <= 4; ++seq) channel->write(request(seq), payload);
  channel->release();
  const bytes all = concat({encode_frame(request(2), payload), encode_frame(request(3), payload),
                            encode_frame(request(4), payload)});
  ASSERT_EQ(state->written_now.size(), 2u);
  ASSERT_EQ(state->writes.size(), 1u);
  EXPECT_EQ(concat({state->written_now[1], state->writes[0]}), all);
  EXPECT_EQ(state->written_now[1].size(), 5u);
  complete_write();
  EXPECT_EQ(state->writes.size(), 1u);
}

// ---- framings described in data: the silence between frames, the kept form ----

const char* silent_slip = R"({"delimiting": {"kind": "slip"}, "silence": 3.5,
  "header": {"type": {"struct": [{"name": "c", "type": "u8"}]}, "roles": {"command": "c"}},
  "check": {"type": "CRC-16/XMODEM"}})";

std::shared_ptr<frame_channel> spec_channel(const char* spec, std::uint32_t baud) {
  const auto s = parse_framing_spec(nlohmann::json::parse(spec));
  return frame_channel::make(make_framing(s, {.incoming = direction::from_device, .baud = baud}), direction::from_device);
}

TEST(frame_channel_silence, the_gap_is_silence_times_eleven_bits_over_baud_and_modbuss_1750_us_above_19200) {
  EXPECT_EQ(spec_channel(silent_slip, 9600)->silence_gap(), std::chrono::nanoseconds(4010416));  // 3.5 * 11 / 9600 s
  EXPECT_EQ(spec_channel(silent_slip, 38400)->silence_gap(), std::chrono::microseconds(1750));
  EXPECT_EQ(spec_channel(silent_slip, 0)->silence_gap(), std::chrono::nanoseconds(0));
}

TEST(frame_channel_silence, with_a_gap_frames_go_one_per_write_and_without_a_baud_rate_together) {
  for (const std::uint32_t baud : {0u, 115200u}) {
    boost::asio::io_context io;
    auto state = std::make_shared<fake_state>();
    auto ch = spec_channel(silent_slip, baud);
    std::size_t writing = 0;
    ch->set_handlers({.writing = [&] { ++writing; }});
    ch->open(std::make_unique<counting_link>(io, state));
    const frame_header h{.kind = frame_kind::request, .command = 1};
    std::vector<bytes> frames;
    ch->hold();
    for (std::uint8_t i = 0; i < 3; ++i) {
      const bytes p{i, 0xC0};
      ch->write(h, p);
      frames.emplace_back();
      ch->get_framing().encode(h, p, frames.back());
    }
    ch->release();
    // Each write completes; the io_context runs until the gap's timer has started the next one.
    for (int i = 0; i < 3 && state->write_handler; ++i) {
      boost::asio::post(io, [hd = std::exchange(state->write_handler, nullptr), n = state->write_size] { hd({}, n); });
      io.restart();
      io.run();
    }
    if (baud == 0) {
      ASSERT_EQ(state->writes.size(), 1u);
      EXPECT_EQ(state->writes[0], concat({frames[0], frames[1], frames[2]}));
      EXPECT_EQ(writing, 1u);
    } else {
      ASSERT_EQ(state->writes.size(), 3u);
      for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(state->writes[i], frames[i]);
      EXPECT_EQ(writing, 3u);
    }
    ch->close();
    io.restart();
    io.poll();
  }
}

// The gap counts from the last byte seen on the line, read or written: a frame
// answered as soon as the other side's frame arrived waits for the gap after
// that frame's last byte (a Modbus RTU device answering a request, a host
// sending its next request after a reply). Counted by silence_waits(), not timed.
TEST(frame_channel_silence, a_frame_written_right_after_bytes_were_read_waits_for_the_gap_on_both_sides) {
  const auto spec = parse_framing_spec(nlohmann::json::parse(silent_slip));
  for (const direction incoming : {direction::to_device, direction::from_device}) {
    SCOPED_TRACE(incoming == direction::to_device ? "device side" : "host side");
    const direction outgoing = incoming == direction::to_device ? direction::from_device : direction::to_device;
    boost::asio::io_context io;
    auto state = std::make_shared<fake_state>();
    state->now_budget = 1 << 20;  // write_now takes everything: each write is counted in written_now
    auto ch = frame_channel::make(make_framing(spec, {.incoming = incoming, .baud = 115200}), incoming);
    const frame_header in_header{.kind = incoming == direction::to_device ? frame_kind::request : frame_kind::response,
                                 .command = 7};
    const frame_header out_header{.kind = incoming == direction::to_device ? frame_kind::response : frame_kind::request,
                                  .command = 7};
    const bytes out_payload{9, 8};
    std::size_t frames_read = 0;
    ch->set_handlers({.frame = [&](const frame_view&) {
      ++frames_read;
      ch->write(out_header, out_payload);  // at once, as a device's handler does
    }});
    ch->open(std::make_unique<counting_link>(io, state));
    io.restart();
    io.poll();
    EXPECT_EQ(ch->silence_waits(), 0u);
    // The other side's frame arrives.
    bytes wire;
    make_framing(spec, {.incoming = outgoing})->encode(in_header, bytes{1, 2, 3}, wire);
    ASSERT_TRUE(state->read_handler);
    std::copy(wire.begin(), wire.end(), state->read_buffer.begin());
    boost::asio::post(io, [hd = std::exchange(state->read_handler, nullptr), n = wire.size()] { hd({}, n); });
    io.restart();
    io.poll_one();  // the read's completion only
    EXPECT_EQ(frames_read, 1u);
    // The answer waits for the gap after the last byte read: nothing written yet.
    EXPECT_TRUE(state->written_now.empty());
    EXPECT_TRUE(state->writes.empty());
    EXPECT_EQ(ch->silence_waits(), 1u);
    // The gap's timer sends it, whole.
    io.restart();
    io.run_one();
    bytes expected;
    ch->get_framing().encode(out_header, out_payload, expected);
    ASSERT_EQ(state->written_now.size(), 1u);
    EXPECT_EQ(state->written_now[0], expected);
    EXPECT_EQ(ch->silence_waits(), 1u);
    ch->close();
    io.restart();
    io.poll();
  }
}

// A line that never falls quiet (noise closer together than the gap) delays a
// frame by at most one gap past its first due time: the frames still go, one
// per write, each counted once in silence_waits(). At 300 baud the gap is
// 128 ms; the fake link's reads arrive back to back, far closer than that.
TEST(frame_channel_silence, bytes_read_without_pause_delay_frames_but_do_not_hold_them_for_ever) {
  boost::asio::io_context io;
  auto state = std::make_shared<fake_state>();
  state->now_budget = 1 << 20;  // write_now takes everything: each write is counted in written_now
  auto ch = spec_channel(silent_slip, 300);
  std::size_t refused = 0;
  ch->set_handlers({.refused = [&](frame_error, std::span<const std::uint8_t>) { ++refused; }});
  ch->open(std::make_unique<counting_link>(io, state));
  io.restart();
  io.poll();
  std::size_t noise_bytes = 0;
  const auto noise = [&] {  // one byte of line noise, read at once
    if (!state->read_handler) return;
    state->read_buffer[0] = 0x55;
    ++noise_bytes;
    boost::asio::post(io, [hd = std::exchange(state->read_handler, nullptr)] { hd({}, 1); });
  };
  noise();
  io.restart();
  io.poll();
  const frame_header h{.kind = frame_kind::request, .command = 1};
  std::vector<bytes> frames;
  ch->hold();
  for (std::uint8_t i = 0; i < 2; ++i) {
    const bytes p{i, 0xC0};
    ch->write(h, p);
    frames.emplace_back();
    ch->get_framing().encode(h, p, frames.back());
  }
  ch->release();
  EXPECT_TRUE(state->written_now.empty());  // the first waits for the gap after the noise
  // Noise without pause until both frames went out (a watchdog of 20 gaps, never reached with the bound).
  const auto watchdog = std::chrono::steady_clock::now() + 20 * ch->silence_gap();
  while (state->written_now.size() < 2 && std::chrono::steady_clock::now() < watchdog) {
    noise();
    io.restart();
    io.poll();
  }
  ASSERT_EQ(state->written_now.size(), 2u) << "after " << noise_bytes << " bytes of noise";
  EXPECT_EQ(state->written_now[0], frames[0]);
  EXPECT_EQ(state->written_now[1], frames[1]);
  EXPECT_EQ(ch->silence_waits(), 2u);  // each frame counted once, however often the noise pushed it
  EXPECT_GT(noise_bytes, 2u);
  EXPECT_EQ(ch->queued_bytes(frame_channel::lane::normal), 0u);
  ch->close();
  io.restart();
  io.poll();
}

TEST(frame_channel_kept_form, records_carry_the_kept_form_of_frames_sent_and_received) {
  boost::asio::io_context io;
  auto state = std::make_shared<fake_state>();
  auto ch = spec_channel(silent_slip, 0);
  std::vector<bytes> kept;
  std::vector<direction> dirs;
  ch->observe_frames([&](const frame_record& r) {
    kept.emplace_back(r.bytes.begin(), r.bytes.end());
    dirs.push_back(r.dir);
  });
  ch->open(std::make_unique<counting_link>(io, state));
  io.restart();
  io.poll();
  const frame_header h{.kind = frame_kind::request, .command = 0xC0};
  ch->write(h, bytes{0xDB});
  bytes expected;
  ch->get_framing().write_kept(h, bytes{0xDB}, expected);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0], expected);
  EXPECT_EQ(expected[0], 0xC0);  // de-stuffed: no SLIP escapes in the kept form
  EXPECT_EQ(dirs[0], direction::to_device);
  // A reply arrives (a device's framing encodes it).
  auto device = make_framing(parse_framing_spec(nlohmann::json::parse(silent_slip)), {.incoming = direction::to_device});
  bytes wire;
  device->encode({.kind = frame_kind::response, .command = 0xC0}, bytes{0xDB}, wire);
  ASSERT_TRUE(state->read_handler);
  std::copy(wire.begin(), wire.end(), state->read_buffer.begin());
  boost::asio::post(io, [hd = std::exchange(state->read_handler, nullptr), n = wire.size()] { hd({}, n); });
  io.restart();
  io.poll();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(dirs[1], direction::from_device);
  EXPECT_EQ(kept[1], expected);  // the same header, payload and check
  ch->close();
  io.restart();
  io.poll();
}

}  // namespace

}  // namespace frame_channel_test
