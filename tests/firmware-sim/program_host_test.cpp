// program_host: a real program (cat, sh, sleep) as the device behind a
// loopback link: bytes relayed unchanged both ways, frames tapped and counted,
// the program's end reported, stop() ending and reaping it.
#include "comframe/firmware_sim/program_host.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "comframe/core/error.hpp"
#include "comframe/firmware_sim/fault_injector.hpp"
#include "comframe/transport/frame.hpp"
#include "comframe/transport/loopback.hpp"

namespace program_host_test {

namespace {

using namespace comframe;
using namespace std::chrono_literals;
using firmware_sim::program_host;
using firmware_sim::program_options;

// An io_context running on a thread of its own until stop_io().
struct io_thread {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread runner{[this] { io.run(); }};
  ~io_thread() { stop_io(); }
  void stop_io() {
    work.reset();
    io.stop();
    if (runner.joinable()) runner.join();
  }
};

// Reads from `l` until `want` bytes arrived (or 30 s passed, a watchdog).
std::vector<std::uint8_t> read_bytes(boost::asio::io_context& io, transport::link& l, std::size_t want) {
  auto got = std::make_shared<std::vector<std::uint8_t>>();
  auto done = std::make_shared<std::promise<void>>();
  auto buffer = std::make_shared<std::array<std::uint8_t, 512>>();
  auto step = std::make_shared<std::function<void()>>();
  *step = [&l, got, done, buffer, step, want] {
    l.async_read_some(*buffer, [got, done, buffer, step, want](const boost::system::error_code& ec, std::size_t n) {
      got->insert(got->end(), buffer->begin(), buffer->begin() + static_cast<std::ptrdiff_t>(n));
      if (ec || got->size() >= want) {
        done->set_value();
        *step = nullptr;
        return;
      }
      (*step)();
    });
  };
  boost::asio::post(io, [step] { (*step)(); });
  done->get_future().wait_for(30s);
  return *got;
}

void write_bytes(boost::asio::io_context& io, transport::link& l, const std::vector<std::uint8_t>& bytes) {
  std::promise<void> done;
  boost::asio::post(io, [&] { l.async_write(bytes, [&](const boost::system::error_code&, std::size_t) { done.set_value(); }); });
  done.get_future().wait_for(30s);
}

TEST(program_host, relays_the_bytes_both_ways_unchanged_and_counts_the_frames_in_them) {
  io_thread t;
  auto [host, device] = transport::make_loopback_pair(t.io);
  program_host cat(t.io, program_options{.program = "cat"});  // the device answers with what it got
  std::mutex m;
  std::vector<transport::direction> seen;
  cat.observe_frames([&](const devices::frame_record& r) {
    std::lock_guard lock(m);
    seen.push_back(r.dir);
  });
  cat.attach(std::move(device));

  auto bytes = transport::encode_frame({transport::protocol_version, transport::frame_kind::request, 2, 1},
                                       std::vector<std::uint8_t>{0, 1, 0});
  const std::vector<std::uint8_t> garbage{0x55, 0x66, 0x00};
  bytes.insert(bytes.end(), garbage.begin(), garbage.end());
  write_bytes(t.io, *host, bytes);
  EXPECT_EQ(read_bytes(t.io, *host, bytes.size()), bytes);

  const auto s = cat.stats();
  EXPECT_EQ(s.bytes_to_program, bytes.size());
  EXPECT_EQ(s.bytes_from_program, bytes.size());
  EXPECT_EQ(s.frames.requests, 1u);           // the host's request
  EXPECT_EQ(s.frames.decoder.errors(), 1u);   // the host's garbage
  EXPECT_EQ(s.program_decoder.frames, 1u);    // cat's copy of the request
  EXPECT_EQ(s.program_decoder.errors(), 1u);  // and of the garbage
  EXPECT_EQ(s.frames.replies, 0u);
  {
    std::lock_guard lock(m);
    EXPECT_EQ(std::count(seen.begin(), seen.end(), transport::direction::to_device), 2);
    EXPECT_EQ(std::count(seen.begin(), seen.end(), transport::direction::from_device), 2);
  }
  t.stop_io();
  EXPECT_EQ(cat.stop().rfind("cat ", 0), 0u);  // it ended (by SIGTERM, or by the end of its stdin)
  EXPECT_NE(::kill(cat.pid(), 0), 0) << "reaped";
}

TEST(program_host, a_plainly_wrapped_line_gets_the_never_fault_on_the_programs_replies) {
  io_thread t;
  auto [host, device] = transport::make_loopback_pair(t.io);
  auto faults = std::make_shared<firmware_sim::fault_injector>(firmware_sim::parse_faults("never=1,seed=1"));
  program_host cat(t.io, program_options{.program = "cat"});  // the device answers with what it got
  cat.attach(faults->wrap(std::move(device)));                // the default: replies found in the bytes

  // cat sends back a response (a reply: never drops it) and then a request (not a reply: it passes).
  const auto response = transport::encode_frame({transport::protocol_version, transport::frame_kind::response, 2, 1},
                                                std::vector<std::uint8_t>{7});
  const auto request = transport::encode_frame({transport::protocol_version, transport::frame_kind::request, 2, 2},
                                               std::vector<std::uint8_t>{0, 1, 0});
  auto bytes = response;
  bytes.insert(bytes.end(), request.begin(), request.end());
  write_bytes(t.io, *host, bytes);
  EXPECT_EQ(read_bytes(t.io, *host, request.size()), request);  // the reply's bytes never reach the host

  const auto f = faults->stats();
  EXPECT_EQ(f.replies, 1u);
  EXPECT_EQ(f.replies_dropped, 1u);
  EXPECT_EQ(cat.stats().bytes_from_program, bytes.size());
  t.stop_io();
  cat.stop();
}

TEST(program_host, reports_the_programs_exit_with_its_status) {
  io_thread t;
  std::promise<std::string> ended;
  program_host sh(t.io, program_options{.program = "sh", .args = {"-c", "exit 7"}});
  sh.on_ended([&](const std::string& why) { ended.set_value(why); });
  auto f = ended.get_future();
  ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(f.get(), "sh exited with status 7");
  t.stop_io();
  EXPECT_EQ(sh.stop(), "sh exited with status 7");
}

TEST(program_host, stop_sends_sigterm_then_sigkill_after_the_grace_and_reaps) {
  io_thread t;
  program_host sleeper(t.io, program_options{.program = "sleep", .args = {"100"}});
  program_host stubborn(t.io, program_options{.program = "sh",
                                              .args = {"-c", "trap '' TERM; echo ready; exec sleep 100"},
                                              .stop_grace_ms = 100ms});
  // "ready" (read and discarded: no line is attached) says SIGTERM is ignored from here on.
  const auto watchdog = std::chrono::steady_clock::now() + 30s;
  while (stubborn.stats().bytes_from_program < 6 && std::chrono::steady_clock::now() < watchdog)
    std::this_thread::sleep_for(1ms);
  ASSERT_EQ(stubborn.stats().bytes_discarded, 6u);
  t.stop_io();
  EXPECT_EQ(sleeper.stop(), "sleep was killed by signal 15 (SIGTERM)");
  EXPECT_EQ(stubborn.stop(), "sh was killed by signal 9 (SIGKILL)");
  EXPECT_EQ(stubborn.stop(), "sh was killed by signal 9 (SIGKILL)") << "idempotent";
  EXPECT_NE(::kill(sleeper.pid(), 0), 0);
  EXPECT_NE(::kill(stubborn.pid(), 0), 0);
}

// The program stops reading: a host fills its pipe, and one more read's worth
// waits to be written when the next host comes. That host's bytes reach the
// program after the first's, neither overwriting them nor written twice.
TEST(program_host, a_line_attached_while_a_write_waits_on_a_full_pipe_follows_it_unmixed) {
  int probe[2];
  ASSERT_EQ(::pipe(probe), 0);
  const auto pipe_bytes = static_cast<std::size_t>(::fcntl(probe[1], F_GETPIPE_SZ));
  ::close(probe[0]);
  ::close(probe[1]);
  const std::string flag = testing::TempDir() + "program-host-read-" + std::to_string(::getpid());
  std::filesystem::remove(flag);

  io_thread t;
  auto [first_host, first_device] = transport::make_loopback_pair(t.io, "first");
  auto [second_host, second_device] = transport::make_loopback_pair(t.io, "second");
  constexpr std::size_t chunk = 4096;
  program_host cat(t.io, program_options{.program = "sh",
                                         .args = {"-c", "while [ ! -e \"$0\" ]; do sleep 0.01; done; exec cat", flag},
                                         .read_buffer_bytes = chunk});
  cat.attach(std::move(first_device));
  std::vector<std::uint8_t> first(pipe_bytes + chunk);
  for (std::size_t i = 0; i < first.size(); ++i) first[i] = static_cast<std::uint8_t>(i % 251);
  write_bytes(t.io, *first_host, first);
  // Every byte read off the line, the last read's still being written: the pipe is full.
  const auto watchdog = std::chrono::steady_clock::now() + 30s;
  while (cat.stats().frames.decoder.bytes < first.size() && std::chrono::steady_clock::now() < watchdog)
    std::this_thread::sleep_for(1ms);
  ASSERT_EQ(cat.stats().frames.decoder.bytes, first.size());
  ASSERT_EQ(cat.stats().bytes_to_program, pipe_bytes);

  cat.attach(std::move(second_device));
  const std::vector<std::uint8_t> second(1000, 0xBB);
  write_bytes(t.io, *second_host, second);
  std::ofstream{flag};  // it reads, and echoes it all to the line now attached
  auto want = first;
  want.insert(want.end(), second.begin(), second.end());
  const auto got = read_bytes(t.io, *second_host, want.size());
  std::filesystem::remove(flag);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "the bytes reached the program mixed";
  EXPECT_EQ(cat.stats().bytes_to_program, want.size());
  t.stop_io();
  cat.stop();
}

// Linux reports an error on a pipe's write end once its reader is gone: the
// program's closing of its stdin is noticed with no byte to write to it.
TEST(program_host, a_program_that_closes_its_stdin_is_reported_without_a_write) {
  io_thread t;
  std::promise<std::string> ended;
  program_host sh(t.io, program_options{.program = "sh", .args = {"-c", "exec 0<&-; exec sleep 100"}, .stop_grace_ms = 100ms});
  sh.on_ended([&](const std::string& why) { ended.set_value(why); });
  auto f = ended.get_future();
  ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(f.get(), "sh closed its stdin");
  EXPECT_EQ(sh.stats().bytes_to_program, 0u);
  t.stop_io();
  EXPECT_EQ(sh.stop(), "sh was killed by signal 15 (SIGTERM)");
}

TEST(program_host, a_program_that_cannot_be_run_is_an_error_naming_it) {
  boost::asio::io_context io;
  try {
    program_host p(io, program_options{.program = "/nonexistent/fw"});
    FAIL() << "no error";
  } catch (const comframe::error& e) {
    EXPECT_EQ(e.id(), "firmware_sim.exec");
    EXPECT_STREQ(e.what(), "[firmware_sim.exec] cannot run /nonexistent/fw: No such file or directory");
  }
  EXPECT_THROW(program_host(io, program_options{}), comframe::usage_error);
}

}  // namespace

}  // namespace program_host_test
