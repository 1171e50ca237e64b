// device_host's queues and counters: replies go out ahead of queued events, both
// backlogs are bounded (what does not fit is dropped and counted), frames of
// the wrong kind are counted. Asserted by bytes and counts, never by the clock:
// a hand-driven link completes writes only when the test says, and a real pty
// stands for a host that writes requests and reads nothing.
#include "comframe/firmware_sim/device_host.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <deque>

#include "comframe/firmware_sim/fault_injector.hpp"
#include "comframe/firmware_sim/pty_port.hpp"
#include "devices/scripted_peer.hpp"
#include "firmware-sim/link_driver.hpp"

namespace device_host_test {

namespace {

using namespace comframe;
using namespace std::chrono_literals;
using transport::frame_kind;

struct Led {
  std::uint8_t index;
  std::array<std::uint8_t, 3> rgb;
};
BOOST_DESCRIBE_STRUCT(Led, (), (index, rgb))
using SetLed = devices::command<2, Led, core::null, "set_led">;
using Tick = devices::event<0x100, std::uint32_t, "tick">;

firmware_sim::device make_device() {
  firmware_sim::device dev(devices::profile::of<SetLed, Tick>("board", "1.0"));
  dev.on<SetLed>([](const Led& led) {
    if (led.index > 7) throw firmware_sim::device_error(devices::error_code::out_of_range, "LED index outside 0..7");
    return core::null{};
  });
  return dev;
}

std::vector<std::uint8_t> frame(frame_kind kind, std::uint16_t command, std::uint16_t sequence,
                                std::vector<std::uint8_t> payload = {}) {
  return transport::encode_frame({transport::protocol_version, kind, command, sequence}, payload);
}
std::vector<std::uint8_t> set_led_request(std::uint16_t sequence, std::uint8_t index) {
  return frame(frame_kind::request, SetLed::id, sequence, core::encode(Led{index, {1, 2, 3}}, core::endian::little));
}
const std::size_t tick_frame_bytes = frame(frame_kind::event, Tick::id, 0, {0, 0, 0, 0}).size();

// A link driven by hand from the test: reads wait until deliver() gives them
// bytes; writes are recorded and complete only on complete_write().
struct hand_link : transport::link {
  boost::asio::io_context& io;
  std::string name = "hand";
  handler pending_read;
  std::span<std::uint8_t> read_buffer;
  handler pending_write;
  std::vector<std::vector<std::uint8_t>> writes;  // every write's bytes, in order
  explicit hand_link(boost::asio::io_context& i) : io(i) {}
  boost::asio::any_io_executor get_executor() override { return io.get_executor(); }
  void async_read_some(std::span<std::uint8_t> b, handler h) override {
    read_buffer = b;
    pending_read = std::move(h);
  }
  void async_write(std::span<const std::uint8_t> d, handler h) override {
    writes.emplace_back(d.begin(), d.end());
    pending_write = std::move(h);
  }
  void close() override {
    for (handler* h : {&pending_read, &pending_write}) {
      if (!*h) continue;
      boost::asio::post(io, [h = std::move(*h)] { h(boost::asio::error::operation_aborted, 0); });
      *h = nullptr;
    }
  }
  bool is_open() const override { return true; }
  const std::string& url() const override { return name; }
};

struct hand_driven : ::testing::Test {
  test::io_thread t;
  firmware_sim::device dev = make_device();
  hand_link* line = nullptr;
  std::unique_ptr<firmware_sim::device_host> host;

  void start(firmware_sim::device_host_options o) {
    auto l = std::make_unique<hand_link>(t.io);
    line = l.get();
    host = std::make_unique<firmware_sim::device_host>(t.io, std::move(l), dev, o);
    settle();
  }
  void TearDown() override { host.reset(); }
  // Runs after everything posted before it (emits, reads, completions).
  void settle() {
    for (int i = 0; i < 3; ++i) {
      std::promise<void> done;
      boost::asio::post(t.io, [&] { done.set_value(); });
      ASSERT_EQ(done.get_future().wait_for(test::watchdog), std::future_status::ready);
    }
  }
  template <class F>
  void on_io(F f) {
    std::promise<void> done;
    boost::asio::post(t.io, [&] {
      f();
      done.set_value();
    });
    ASSERT_EQ(done.get_future().wait_for(test::watchdog), std::future_status::ready);
    settle();
  }
  void deliver(const std::vector<std::uint8_t>& bytes) {
    on_io([&] {
      ASSERT_TRUE(line->pending_read);
      ASSERT_LE(bytes.size(), line->read_buffer.size());
      std::copy(bytes.begin(), bytes.end(), line->read_buffer.begin());
      auto h = std::move(line->pending_read);
      line->pending_read = nullptr;
      h({}, bytes.size());
    });
  }
  void complete_write() {
    on_io([&] {
      ASSERT_TRUE(line->pending_write);
      auto h = std::move(line->pending_write);
      line->pending_write = nullptr;
      h({}, line->writes.back().size());
    });
  }
  std::size_t writes() {
    std::size_t n = 0;
    on_io([&] { n = line->writes.size(); });
    return n;
  }
  std::vector<std::uint8_t> write_at(std::size_t i) {
    std::vector<std::uint8_t> w;
    on_io([&] { w = line->writes.at(i); });
    return w;
  }
};

// Counts the event frames' wire bytes in `bytes` before the first frame that is not an event.
std::size_t event_bytes_before_first_reply(std::span<const std::uint8_t> bytes, transport::frame_kind& first_other) {
  transport::frame_decoder decoder;
  std::size_t consumed = 0, events = 0;
  bool found = false;
  for (std::size_t i = 0; i < bytes.size() && !found; ++i) {
    decoder.feed(bytes.subspan(i, 1), [&](const transport::frame_view& f) {
      if (f.header.kind == frame_kind::event) {
        events += i + 1 - consumed;
        consumed = i + 1;
      } else {
        first_other = f.header.kind;
        found = true;
      }
    });
  }
  return events;
}

TEST_F(hand_driven, a_reply_goes_out_ahead_of_queued_events_behind_at_most_the_event_backlog) {
  start({.baud = 115200});  // 20 ms of line time: 230 bytes, 14 tick frames of 16
  ASSERT_EQ(firmware_sim::event_backlog_bytes(115200), 230u);
  ASSERT_EQ(tick_frame_bytes, 16u);
  for (std::uint32_t i = 0; i < 1000; ++i) host->emit<Tick>(i);
  settle();
  auto st = host->stats();
  EXPECT_EQ(st.events, 14u);  // one in the write in progress, 13 waiting: 224 bytes
  EXPECT_EQ(st.events_dropped, 986u);
  EXPECT_EQ(st.event_backlog_peak_bytes, 224u);
  ASSERT_EQ(writes(), 1u);
  EXPECT_EQ(write_at(0).size(), tick_frame_bytes);

  // A request arrives while events wait: its reply leaves with the next write, ahead of them.
  deliver(set_led_request(7, 1));
  complete_write();
  ASSERT_EQ(writes(), 2u);
  const auto second = write_at(1);
  frame_kind first_other = frame_kind::event;
  EXPECT_EQ(event_bytes_before_first_reply(second, first_other), 0u);
  EXPECT_EQ(first_other, frame_kind::response);
  EXPECT_EQ(second.size(), frame(frame_kind::response, SetLed::id, 7).size() + 13 * tick_frame_bytes);
  // Event bytes the device sent between the request's arrival and its reply:
  // the write in progress, one frame, within the bound.
  EXPECT_LE(write_at(0).size(), firmware_sim::event_backlog_bytes(115200));

  // An error reply jumps the queue too.
  for (std::uint32_t i = 0; i < 100; ++i) host->emit<Tick>(i);
  settle();
  deliver(set_led_request(8, 9));
  complete_write();
  const auto third = write_at(2);
  first_other = frame_kind::event;
  EXPECT_EQ(event_bytes_before_first_reply(third, first_other), 0u);
  EXPECT_EQ(first_other, frame_kind::error);
  st = host->stats();
  EXPECT_EQ(st.replies, 2u);
  EXPECT_EQ(st.error_replies, 1u);
  EXPECT_LE(st.event_backlog_peak_bytes, 230u);
}

TEST_F(hand_driven, on_a_slow_line_one_event_frame_goes_out_when_none_waits) {
  start({.baud = 9600});  // 20 ms: 19 bytes, room for one 16-byte tick frame, not two
  ASSERT_EQ(firmware_sim::event_backlog_bytes(9600), 19u);
  for (std::uint32_t i = 0; i < 10; ++i) host->emit<Tick>(i);
  settle();
  const auto st = host->stats();
  EXPECT_EQ(st.events, 1u);
  EXPECT_EQ(st.events_dropped, 9u);
  EXPECT_EQ(st.event_backlog_peak_bytes, 16u);
}

TEST_F(hand_driven, an_event_frame_larger_than_the_bound_goes_out_alone) {
  start({.baud = 300});  // 20 ms: 0 bytes
  ASSERT_EQ(firmware_sim::event_backlog_bytes(300), 0u);
  for (std::uint32_t i = 0; i < 3; ++i) host->emit<Tick>(i);
  settle();
  EXPECT_EQ(host->stats().events, 1u);
  complete_write();
  host->emit<Tick>(3);
  settle();
  EXPECT_EQ(host->stats().events, 2u);
  EXPECT_EQ(host->stats().events_dropped, 2u);
}

TEST_F(hand_driven, without_a_baud_the_event_backlog_is_4_KiB) {
  start({});
  for (std::uint32_t i = 0; i < 1000; ++i) host->emit<Tick>(i);
  settle();
  const auto st = host->stats();
  EXPECT_EQ(st.events, 4096u / 16u);
  EXPECT_EQ(st.events_dropped, 1000u - 4096u / 16u);
  EXPECT_EQ(st.event_backlog_peak_bytes, 4096u);
}

TEST_F(hand_driven, replies_beyond_the_reply_backlog_are_dropped_and_counted) {
  start({.max_reply_backlog_bytes = 100});
  const std::size_t reply_bytes = frame(frame_kind::response, SetLed::id, 1).size();
  // The first request alone, so that its reply is the write in progress; the
  // replies to requests that arrive together go out together (one write).
  deliver(set_led_request(1, 1));
  std::vector<std::uint8_t> requests;
  for (std::uint16_t seq = 2; seq <= 20; ++seq) {
    const auto r = set_led_request(seq, 1);
    requests.insert(requests.end(), r.begin(), r.end());
  }
  deliver(requests);
  auto st = host->stats();
  EXPECT_EQ(st.requests, 20u);
  EXPECT_EQ(st.replies, 1u);  // the write in progress
  EXPECT_LE(st.reply_backlog_peak_bytes, 100u);
  // Each time the next reply did not fit, the waiting ones made room for it: the newest wait.
  complete_write();
  st = host->stats();
  EXPECT_EQ(st.replies + st.replies_dropped, 20u);
  const auto second = write_at(1);
  transport::frame_decoder decoder;
  std::vector<std::uint16_t> sequences;
  decoder.feed(second, [&](const transport::frame_view& f) { sequences.push_back(f.header.sequence); });
  ASSERT_FALSE(sequences.empty());
  EXPECT_EQ(sequences.back(), 20u);
  EXPECT_EQ(st.replies, 1u + sequences.size());
  EXPECT_LE(second.size(), 100u - reply_bytes);
}

// Replies held back by a long `late` wait outside the write queues, but no
// more than max_reply_backlog_bytes of them: those beyond are dropped and counted.
TEST_F(hand_driven, replies_held_back_late_stay_within_the_reply_backlog) {
  auto faults = std::make_shared<firmware_sim::fault_injector>(firmware_sim::parse_faults("late=1000000,seed=1"));
  start({.max_reply_backlog_bytes = 100, .faults = faults});
  const std::size_t reply_bytes = frame(frame_kind::response, SetLed::id, 1).size();
  const std::size_t fit = 100 / reply_bytes;
  ASSERT_GT(fit, 0u);
  ASSERT_LT(fit, 20u);
  std::vector<std::uint8_t> requests;
  for (std::uint16_t seq = 1; seq <= 20; ++seq) {
    const auto r = set_led_request(seq, 1);
    requests.insert(requests.end(), r.begin(), r.end());
  }
  deliver(requests);
  const auto st = host->stats();
  EXPECT_EQ(st.requests, 20u);
  EXPECT_EQ(st.replies, 0u);                 // none sent yet: all late
  EXPECT_EQ(st.replies_dropped, 20u - fit);  // only `fit` replies' bytes are held
  EXPECT_EQ(faults->stats().replies_late, 20u);
  EXPECT_EQ(writes(), 0u);
}

TEST_F(hand_driven, frames_of_the_wrong_kind_are_ignored_and_counted) {
  start({});
  std::vector<std::uint8_t> bytes;
  for (auto kind : {frame_kind::response, frame_kind::event, frame_kind::error}) {
    const auto f = frame(kind, SetLed::id, 3, {1, 2});
    bytes.insert(bytes.end(), f.begin(), f.end());
  }
  deliver(bytes);
  const auto st = host->stats();
  EXPECT_EQ(st.wrong_kind, 3u);
  EXPECT_EQ(st.requests, 0u);
  EXPECT_EQ(st.replies, 0u);
  EXPECT_EQ(st.decoder.errors(), 0u);
  EXPECT_EQ(writes(), 0u);
}

// --- a real pty: a host that writes requests and reads nothing ---

struct raw_host {
  int fd = -1;
  std::size_t frames_seen = 0;
  explicit raw_host(const std::string& path) {
    fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("open " + path);
    termios tio{};
    ::tcgetattr(fd, &tio);
    ::cfmakeraw(&tio);
    ::tcsetattr(fd, TCSANOW, &tio);
  }
  ~raw_host() { ::close(fd); }
  void write_all(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      ASSERT_GT(n, 0) << std::strerror(errno);
      bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
  }
  // Reads and decodes until a frame with this sequence number arrives; nullopt after the watchdog.
  std::optional<transport::frame_header> wait_for_reply(std::uint16_t sequence) {
    transport::frame_decoder decoder;
    std::optional<transport::frame_header> found;
    const auto deadline = std::chrono::steady_clock::now() + test::watchdog;
    std::uint8_t buf[4096];
    while (!found && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) continue;
      decoder.feed(std::span(buf, static_cast<std::size_t>(n)), [&](const transport::frame_view& f) {
        ++frames_seen;
        if (f.header.sequence == sequence && f.header.kind != frame_kind::event) found = f.header;
      });
    }
    return found;
  }
};

TEST(device_host_on_a_pty, a_host_that_reads_nothing_meets_a_bounded_reply_backlog_and_the_next_host_is_answered) {
  test::io_thread t;
  firmware_sim::device dev = make_device();
  firmware_sim::pty_port port(t.io, {.link_path = {}, .unread_timeout_ms = 50ms});
  firmware_sim::device_host_options o;
  o.max_reply_backlog_bytes = 16 * 1024;
  auto host = std::make_unique<firmware_sim::device_host>(t.io, port.link(), dev, o);
  const std::string path = port.path();

  // Describe requests for the whole profile: each reply is the profile's text.
  const auto describe = [](std::uint16_t seq) {
    return frame(frame_kind::request, devices::builtin::describe::id, seq,
                 core::encode(devices::builtin::describe_request{0, 2000}, core::endian::little));
  };
  constexpr std::uint16_t sent = 5000;
  {
    raw_host greedy(path);
    std::vector<std::uint8_t> all;
    for (std::uint16_t seq = 1; seq <= sent; ++seq) {
      const auto r = describe(seq);
      all.insert(all.end(), r.begin(), r.end());
    }
    greedy.write_all(all);
    // Every request is answered or its reply dropped: wait for the count (the device reads on).
    const auto deadline = std::chrono::steady_clock::now() + test::watchdog;
    firmware_sim::host_stats st;
    while ((st = host->stats()).replies + st.replies_dropped < sent && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
    EXPECT_EQ(st.requests, sent);
    EXPECT_EQ(st.replies + st.replies_dropped, sent);
    EXPECT_GT(st.replies_dropped, 0u);
    EXPECT_LE(st.reply_backlog_peak_bytes, o.max_reply_backlog_bytes);
  }  // the host leaves without reading

  // The next host's request is answered (behind at most the stale bytes).
  raw_host next(path);
  next.write_all(describe(0xBEEF));
  const auto reply = next.wait_for_reply(0xBEEF);
  ASSERT_TRUE(reply) << "no reply to the next host's request; requests " << host->stats().requests << " replies "
                     << host->stats().replies << " dropped " << host->stats().replies_dropped << " frames read "
                     << next.frames_seen << " flushed " << port.stats().bytes_flushed_unread;
  EXPECT_EQ(reply->kind, frame_kind::response);
  EXPECT_LE(host->stats().reply_backlog_peak_bytes, o.max_reply_backlog_bytes);
  host.reset();
  port.close();
}

}  // namespace

}  // namespace device_host_test
