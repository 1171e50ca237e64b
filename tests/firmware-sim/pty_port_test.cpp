// The simulator's pseudo-terminal: real ptys opened by transport::open_link as
// a host would, the symlink's life, reopen and disconnect.
#include "comframe/firmware_sim/pty_port.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "comframe/core/error.hpp"
#include "devices/scripted_peer.hpp"
#include "firmware-sim/link_driver.hpp"

namespace pty_port_test {

namespace {

using namespace comframe;
using namespace std::chrono_literals;
using namespace std::string_view_literals;
using firmware_sim::pty_options;
using firmware_sim::pty_port;
using test::bytes_of;
using test::link_driver;
namespace fs = std::filesystem;

fs::path temp_link(const std::string& stem) {
  const auto p = fs::path(::testing::TempDir()) / ("comframe-" + stem + "-" + std::to_string(::getpid()));
  fs::remove(p);
  return p;
}

TEST(pty_port, a_host_link_on_the_slave_path_talks_to_the_port_link) {
  test::io_thread t;
  pty_port port(t.io);
  EXPECT_TRUE(port.path().starts_with("/dev/pts/")) << port.path();
  EXPECT_EQ(port.host_path(), port.path());
  link_driver device(t.io, port.link());
  link_driver host(t.io, transport::open_link(t.io, port.path()));

  ASSERT_FALSE(host.write(bytes_of("ping\0\n\r\x11"sv)));  // raw: no line editing, no CR/LF mapping, no XON/XOFF
  EXPECT_EQ(device.read(8).bytes, bytes_of("ping\0\n\r\x11"sv));
  ASSERT_FALSE(device.write(bytes_of("pong\r\n")));
  EXPECT_EQ(host.read(6).bytes, bytes_of("pong\r\n"));
}

TEST(pty_port, the_symlink_points_at_the_pty_and_is_removed_on_destruction) {
  test::io_thread t;
  const auto path = temp_link("symlink");
  {
    pty_port port(t.io, {.link_path = path.string()});
    ASSERT_TRUE(fs::is_symlink(path));
    EXPECT_EQ(fs::read_symlink(path).string(), port.path());
    EXPECT_EQ(port.host_path(), path.string());
    link_driver device(t.io, port.link());
    EXPECT_EQ(device.link().url(), path.string());
    link_driver host(t.io, transport::open_link(t.io, path.string()));
    ASSERT_FALSE(device.write(bytes_of("via the link")));
    EXPECT_EQ(host.read(12).bytes, bytes_of("via the link"));
  }
  EXPECT_FALSE(fs::exists(fs::symlink_status(path)));
}

TEST(pty_port, close_removes_the_symlink_and_fails_the_device_link_with_link_lost) {
  test::io_thread t;
  const auto path = temp_link("close");
  pty_port port(t.io, {.link_path = path.string()});
  link_driver device(t.io, port.link());
  port.close();
  EXPECT_FALSE(port.is_open());
  EXPECT_FALSE(fs::exists(fs::symlink_status(path)));
  EXPECT_EQ(port.path(), "");
  EXPECT_TRUE(transport::is_link_lost(device.read_some().ec));
  EXPECT_TRUE(transport::is_link_lost(device.write(bytes_of("x"))));
}

TEST(pty_port, refuses_to_replace_a_path_that_is_not_a_symlink) {
  test::io_thread t;
  const auto path = temp_link("regular");
  std::ofstream(path) << "precious";
  try {
    pty_port port(t.io, {.link_path = path.string()});
    FAIL() << "expected an error";
  } catch (const comframe::error& e) {
    EXPECT_EQ(e.id(), "firmware_sim.pty");
    EXPECT_EQ(std::string(e.what()), "[firmware_sim.pty] cannot create the link " + path.string() + ": it exists and is not a symbolic link");
  }
  std::ifstream in(path);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
  fs::remove(path);
}

TEST(pty_port, replaces_a_stale_symlink) {
  test::io_thread t;
  const auto path = temp_link("stale");
  fs::create_symlink("/dev/pts/does-not-exist", path);
  pty_port port(t.io, {.link_path = path.string()});
  EXPECT_EQ(fs::read_symlink(path).string(), port.path());
}

TEST(pty_port, a_host_may_close_the_slave_and_open_it_again) {
  test::io_thread t;
  pty_port port(t.io);
  link_driver device(t.io, port.link());
  {
    link_driver host(t.io, transport::open_link(t.io, port.path()));
    ASSERT_FALSE(host.write(bytes_of("one")));
    EXPECT_EQ(device.read(3).bytes, bytes_of("one"));
  }
  link_driver host(t.io, transport::open_link(t.io, port.path()));
  ASSERT_FALSE(host.write(bytes_of("two")));
  EXPECT_EQ(device.read(3).bytes, bytes_of("two"));
  ASSERT_FALSE(device.write(bytes_of("back")));
  EXPECT_EQ(host.read(4).bytes, bytes_of("back"));
}

TEST(pty_port, reopen_loses_the_old_host_link_and_a_new_pty_behind_the_symlink_works) {
  test::io_thread t;
  const auto path = temp_link("reopen");
  pty_port port(t.io, {.link_path = path.string()});
  link_driver device(t.io, port.link());
  const std::string first = port.path();
  link_driver old_host(t.io, transport::open_link(t.io, path.string()));

  port.reopen();
  EXPECT_NE(port.path(), first);
  EXPECT_EQ(fs::read_symlink(path).string(), port.path());
  EXPECT_TRUE(transport::is_link_lost(old_host.read_some().ec));

  // The device's link followed the port: the same link serves the new pty.
  link_driver new_host(t.io, transport::open_link(t.io, path.string()));
  ASSERT_FALSE(new_host.write(bytes_of("again")));
  EXPECT_EQ(device.read(5).bytes, bytes_of("again"));
  ASSERT_FALSE(device.write(bytes_of("hello")));
  EXPECT_EQ(new_host.read(5).bytes, bytes_of("hello"));
  EXPECT_EQ(port.stats().ptys_opened, 2u);
}

TEST(pty_port, disconnect_removes_the_symlink_for_the_gap_and_comes_back_behind_it) {
  test::io_thread t;
  const auto path = temp_link("disconnect");
  pty_port port(t.io, {.link_path = path.string()});
  link_driver device(t.io, port.link());
  link_driver old_host(t.io, transport::open_link(t.io, path.string()));

  std::promise<std::string> back;
  const auto started = std::chrono::steady_clock::now();
  port.disconnect(200ms, [&](const std::string& p) { back.set_value(p); });
  EXPECT_FALSE(fs::exists(fs::symlink_status(path)));
  EXPECT_EQ(port.path(), "");
  EXPECT_TRUE(port.is_open());
  EXPECT_TRUE(transport::is_link_lost(old_host.read_some().ec));
  ASSERT_FALSE(device.write(bytes_of("into the void")));  // completes: the bytes leave on a dead line
  EXPECT_EQ(port.stats().bytes_discarded, 13u);

  auto f = back.get_future();
  ASSERT_EQ(f.wait_for(test::watchdog), std::future_status::ready);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 200ms);
  const std::string new_path = f.get();
  EXPECT_EQ(port.path(), new_path);
  EXPECT_EQ(fs::read_symlink(path).string(), new_path);
  link_driver new_host(t.io, transport::open_link(t.io, path.string()));
  ASSERT_FALSE(device.write(bytes_of("back")));
  EXPECT_EQ(new_host.read(4).bytes, bytes_of("back"));
}

TEST(pty_port, device_output_that_no_host_reads_is_discarded_after_the_unread_timeout) {
  test::io_thread t;
  pty_port port(t.io, {.link_path = {}, .unread_timeout_ms = 50ms});
  link_driver device(t.io, port.link());
  // Far more than the pty holds; without the timeout the write would wait forever.
  ASSERT_FALSE(device.write(std::vector<std::uint8_t>(160 * 1024, 0x55)));
  EXPECT_GT(port.stats().bytes_flushed_unread, 0u);
}

TEST(pty_port, only_one_link_may_be_open_at_a_time) {
  test::io_thread t;
  pty_port port(t.io);
  auto first = std::make_unique<link_driver>(t.io, port.link());
  try {
    port.link();
    FAIL() << "expected an error";
  } catch (const comframe::error& e) {
    EXPECT_EQ(std::string(e.what()), "[firmware_sim.pty] the pty port " + port.path() + " already has an open link");
  }
  first.reset();  // closes it
  link_driver second(t.io, port.link());
  EXPECT_TRUE(second.link().is_open());
}

}  // namespace

}  // namespace pty_port_test
