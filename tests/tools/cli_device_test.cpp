// `comframe call` and `comframe monitor` against a simulated device served on a
// real pseudo-terminal by this test process; the CLI runs as a child process.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <fstream>
#include <filesystem>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>

#include "comframe/firmware_sim/device_host.hpp"
#include "devices/scripted_peer.hpp"
#include "support/process.hpp"
#include "support/pty.hpp"

// The device's types at file scope, so that the profile names them Info and Led.
namespace {
struct Info {
  std::array<char, 8> name;
  std::uint32_t serial;
};
BOOST_DESCRIBE_STRUCT(Info, (), (name, serial))
struct Led {
  std::uint8_t index;
  std::array<std::uint8_t, 3> rgb;
};
BOOST_DESCRIBE_STRUCT(Led, (), (index, rgb))
}  // namespace

namespace cli_device_test {

namespace {

using namespace comframe;
using test::run;
namespace fs = std::filesystem;
const std::string cli = COMFRAME_CLI;

using GetInfo = devices::command<1, core::null, Info, "get_info">;
using SetLed = devices::command<2, Led, core::null, "set_led">;
using Tick = devices::event<0x100, std::uint32_t, "tick">;

struct served_device : ::testing::Test {
  test::io_thread t;
  test::pty_device pty;
  firmware_sim::device dev{devices::profile::of<GetInfo, SetLed, Tick>("blinky", "2.1")};
  std::unique_ptr<firmware_sim::device_host> host;
  std::string profile_file;

  void SetUp() override {
    dev.on<GetInfo>([](const core::null&) { return Info{{'b', 'l', 'i', 'n', 'k', 'y'}, 99}; });
    dev.on<SetLed>([](const Led& led) {
      if (led.index > 3) throw firmware_sim::device_error(devices::error_code::out_of_range, "only LEDs 0..3");
      return core::null{};
    });
    host = std::make_unique<firmware_sim::device_host>(t.io, std::make_unique<test::pty_link>(t.io, pty.master), dev);
    profile_file = testing::TempDir() + "blinky-" + std::to_string(::getpid()) + ".profile.json";
    std::ofstream(profile_file) << dev.profile().dump();
  }
  void TearDown() override { host.reset(); }

  // Resolves when the device receives its first frame: the monitor is then observing.
  std::future<void> first_request() {
    auto seen = std::make_shared<std::promise<void>>();
    auto once = std::make_shared<std::once_flag>();
    host->observe_frames([seen, once](const devices::frame_record& r) {
      if (r.dir == devices::direction::to_device) std::call_once(*once, [&] { seen->set_value(); });
    });
    return seen->get_future();
  }
};

TEST_F(served_device, call_prints_the_typed_reply_as_json_fetching_the_profile_from_the_device) {
  auto r = run({cli, "call", pty.slave_path, "get_info"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["serial"], 99);
  EXPECT_EQ(r.err, "");
}

TEST_F(served_device, call_with_a_profile_file_sends_json_arguments) {
  auto r = run({cli, "call", pty.slave_path, "set_led", R"({"index": 1, "rgb": [255, 0, 0]})", "--profile", profile_file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "null\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(served_device, call_reports_a_device_error_with_its_code) {
  auto r = run({cli, "call", pty.slave_path, "set_led", R"({"index": 9, "rgb": [0, 0, 0]})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe call: [devices.device_error] set_led: device error 3 (out_of_range): only LEDs 0..3\n");
}

TEST_F(served_device, call_names_bad_arguments_and_unknown_commands) {
  auto r = run({cli, "call", pty.slave_path, "set_led", R"({"index": 1})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe call: the arguments do not fit set_led's request: [core.json_key] rgb: missing (strict mode "
                   "needs every field)\n");
  r = run({cli, "call", pty.slave_path, "set_led"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("comframe call: set_led takes arguments of type"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("set_led takes arguments of type Led: {index: u8, rgb: u8[3]}\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("for example: comframe call " + pty.slave_path + R"( set_led '{"index":0,"rgb":[0,0,0]}')"),
            std::string::npos)
      << r.err;
  r = run({cli, "call", pty.slave_path, "reboot"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe call: no command \"reboot\" in the profile of blinky (it has: get_info, set_led, describe)\n");
  r = run({cli, "call", pty.slave_path, "set_led", "{index: 1}"});
  EXPECT_EQ(r.err, "comframe call: the arguments are not valid JSON (at byte 2)\n");
}

TEST_F(served_device, call_refuses_arguments_that_give_a_key_twice_and_sends_nothing) {
  auto r = run({cli, "call", pty.slave_path, "set_led", R"({"index": 1, "rgb": [1, 2, 3], "index": 7})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "comframe call: the arguments: [core.json_syntax] duplicate key \"index\"\n");
}

TEST_F(served_device, call_warns_when_the_profile_file_differs_from_the_devices) {
  using OtherLed = devices::command<2, std::array<std::uint8_t, 5>, core::null, "set_led">;
  std::ofstream(profile_file) << devices::profile::of<GetInfo, OtherLed, Tick>("blinky", "2.1").dump();
  // Without --check a profile file is trusted and nothing but the request is sent.
  auto r = run({cli, "call", pty.slave_path, "get_info", "--profile", profile_file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  r = run({cli, "call", pty.slave_path, "get_info", "--profile", profile_file, "--check"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "warning: the device's profile differs from " + profile_file + " in: set_led\n");
}

TEST_F(served_device, address_needs_a_profile_whose_framing_has_addresses) {
  for (const char* with_file : {"", "file"}) {
    std::vector<std::string> args{cli, "call", pty.slave_path, "get_info", "--address", "3"};
    if (*with_file) args.insert(args.end(), {"--profile", profile_file});  // comframe's framing: no addresses
    const auto r = run(args);
    EXPECT_EQ(r.exit_code, 1) << with_file;
    EXPECT_EQ(r.err, "comframe call: --address 3: comframe's own framing has no device addresses; --address needs a "
                     "profile whose framing has an address field (--profile FILE, docs/framing.md)\n")
        << with_file;
  }
  EXPECT_EQ(host->stats().requests, 0u);  // refused before anything was sent
}

TEST_F(served_device, call_on_a_port_that_does_not_exist_or_a_silent_one_fails_clearly) {
  auto r = run({cli, "call", "/dev/comframe-nonexistent", "get_info"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe call: [transport.open_failed] cannot open /dev/comframe-nonexistent: No such file or directory\n");
  test::pty_device silent;  // nobody answers on this one
  r = run({cli, "call", silent.slave_path, "get_info", "--timeout", "100"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe call: cannot fetch the device's profile (give one with --profile FILE: a device that speaks its own protocol cannot answer describe): [devices.timeout] describe: no reply "
                   "within the timeout (nothing arrived), after 2 attempts\n");
  r = run({cli, "call", silent.slave_path, "get_info", "--timeout", "0"});
  EXPECT_EQ(r.exit_code, 2);
}

// The profile cache: a fetched profile is kept by its hash; the next call asks
// the device for the hash alone (max_bytes 0). `comframe profile` writes the text.
TEST_F(served_device, a_fetched_profile_is_cached_by_hash_and_the_next_call_asks_only_for_the_hash) {
  std::mutex m;
  std::vector<std::uint16_t> describe_max_bytes;  // of each describe request the device received
  host->observe_frames([&](const devices::frame_record& r) {
    if (r.dir != devices::direction::to_device || !r.header || r.header->command != devices::builtin::describe::id)
      return;
    const auto req = core::decode<devices::builtin::describe_request>(r.payload, core::endian::little);
    std::lock_guard lock(m);
    describe_max_bytes.push_back(req.max_bytes);
  });
  auto describes = [&] {
    std::lock_guard lock(m);
    return std::exchange(describe_max_bytes, {});
  };
  const fs::path cache = fs::path(std::getenv("XDG_CACHE_HOME")) / "comframe" / "profiles";
  fs::remove_all(cache);
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.json", static_cast<unsigned long long>(dev.profile().hash()));

  auto r = run({cli, "call", pty.slave_path, "get_info"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto asked = describes();
  ASSERT_GE(asked.size(), 2u);  // the hash, then the text
  EXPECT_EQ(asked[0], 0);
  std::ifstream cached(cache / name);
  ASSERT_TRUE(cached) << (cache / name);
  EXPECT_EQ(devices::profile::parse(std::string(std::istreambuf_iterator<char>(cached), {})), dev.profile());

  r = run({cli, "call", pty.slave_path, "get_info"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(describes(), (std::vector<std::uint16_t>{0}));

  const std::string out = testing::TempDir() + "blinky-fetched-" + std::to_string(::getpid()) + ".json";
  r = run({cli, "profile", pty.slave_path, "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(describes(), (std::vector<std::uint16_t>{0}));
  std::ifstream written(out);
  EXPECT_EQ(devices::profile::parse(std::string(std::istreambuf_iterator<char>(written), {})), dev.profile());

  r = run({cli, "profile", pty.slave_path, "--no-cache"});  // to stdout, fetched again
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(devices::profile::parse(r.out), dev.profile());
  EXPECT_GE(describes().size(), 2u);

  // A cache file that does not hold the profile of its hash is not trusted.
  std::ofstream(cache / name) << R"({"comframe_profile":1,"device":"impostor","commands":[]})";
  r = run({cli, "call", pty.slave_path, "get_info"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(describes().size(), 2u);
}

// Bytes left on the line without a delimiter (noise, half a frame from an
// earlier program) would merge with the first request: comframe sends a 0x00 first.
TEST_F(served_device, noise_left_on_the_line_does_not_spoil_the_first_request) {
  {
    const int fd = ::open(pty.slave_path.c_str(), O_RDWR | O_NOCTTY);
    ASSERT_GE(fd, 0);
    const std::uint8_t noise[] = {0x11, 0x22, 0x33, 0x7F, 0x05};
    ASSERT_EQ(::write(fd, noise, sizeof noise), static_cast<ssize_t>(sizeof noise));
    ::close(fd);
  }
  auto r = run({cli, "call", pty.slave_path, "get_info", "--profile", profile_file, "--timeout", "5000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["serial"], 99);
}

// A device that answers every frame with a broken one: the timeout says so. The
// broken frame's header, still readable, names another sequence number, so it
// is no broken reply to the request: each describe attempt waits out its
// timeout, and the last error says what arrived.
TEST(broken_device, a_timeout_says_that_frames_arrived_broken) {
  test::pty_device pty;
  std::atomic<bool> done = false;
  std::thread device([&] {
    while (!done) {
      pollfd p{pty.master, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      std::uint8_t buf[256];
      const ssize_t n = ::read(pty.master, buf, sizeof buf);
      for (ssize_t i = 0; i < n; ++i)
        if (buf[i] == 0 && i > 0) {  // a frame ended: answer with a bad CRC
          const std::uint8_t broken[] = {0x0D, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x00};
          (void)!::write(pty.master, broken, sizeof broken);
        }
    }
  });
  const std::string profile = testing::TempDir() + "broken-" + std::to_string(::getpid()) + ".profile.json";
  std::ofstream(profile) << devices::profile::of<GetInfo>("blinky", "2.1").dump();
  auto r = run({cli, "call", pty.slave_path, "get_info", "--profile", profile, "--timeout", "300"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe call: [devices.timeout] get_info: no reply within the timeout (1 frame arrived broken)\n");
  r = run({cli, "call", pty.slave_path, "get_info", "--timeout", "300"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe call: cannot fetch the device's profile (give one with --profile FILE: a device that speaks its own protocol cannot answer describe): [devices.timeout] describe: no "
                   "reply within the timeout (1 frame arrived broken), after 12 attempts\n");
  done = true;
  device.join();
}

TEST_F(served_device, monitor_prints_every_frame_as_a_json_line_with_decoded_payloads) {
  auto listening = first_request();
  std::thread emitter([&] {
    // The monitor observes before it sends its first request, so events after that request are seen.
    if (listening.wait_for(std::chrono::seconds(30)) != std::future_status::ready) return;
    for (std::uint32_t i = 0; i < 3; ++i) host->emit<Tick>(i);
    host->emit(0x300, {1, 2});  // an event the profile does not know
  });
  auto r = run({cli, "monitor", pty.slave_path, "--json", "--count", "4"});
  emitter.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> lines;
  for (std::size_t at = 0; at < r.out.size();) {
    const auto end = r.out.find('\n', at);
    lines.push_back(nlohmann::json::parse(r.out.substr(at, end - at)));
    at = end + 1;
  }
  ASSERT_EQ(lines.size(), 4u) << r.out;
  for (std::uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(lines[i]["dir"], "in");
    EXPECT_EQ(lines[i]["kind"], "event");
    EXPECT_EQ(lines[i]["event"], "tick");
    EXPECT_EQ(lines[i]["payload"], i);
    EXPECT_EQ(lines[i]["time"].get<std::string>().size(), 27u);  // 2026-11-22T03:04:05.123456Z
  }
  EXPECT_EQ(lines[3]["payload_error"], "not in the profile");
  EXPECT_EQ(lines[3]["payload_hex"], "01 02");
  EXPECT_NE(r.err.find("monitor: frames "), std::string::npos) << r.err;
}

// The garbage goes on the line once the monitor is watching (its banner is out):
// written at the monitor's first request instead, it raced with the --check
// exchange and, once in a few hundred runs under load, was never seen.
std::string monitor_output_for_garbage(served_device& t, std::vector<std::string> extra) {
  std::vector<std::string> args{cli, "monitor", t.pty.slave_path, "--profile", t.profile_file, "--check", "--count", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  test::child_process mon(args);
  EXPECT_TRUE(mon.wait_for_line("monitor: " + t.pty.slave_path + " (blinky 2.1)")) << mon.output();
  const std::uint8_t garbage[] = {0x05, 0x11, 0x22, 0x33, 0x44, 0x00};
  EXPECT_EQ(::write(t.pty.master, garbage, sizeof garbage), static_cast<ssize_t>(sizeof garbage));
  EXPECT_TRUE(mon.wait_for_line("monitor: frames ")) << mon.output();
  EXPECT_EQ(mon.stop(SIGTERM), 0) << mon.output();
  return mon.output();
}

TEST_F(served_device, monitor_reports_a_broken_frame_with_its_error_and_raw_bytes) {
  const std::string out = monitor_output_for_garbage(*this, {"--json"});
  const auto brace = out.find("\n{");
  ASSERT_NE(brace, std::string::npos) << out;
  const auto j = nlohmann::json::parse(out.substr(brace + 1, out.find('\n', brace + 1) - brace - 1));
  EXPECT_EQ(j["error"], "too_short");
  EXPECT_EQ(j["raw"], "05 11 22 33 44");
}

TEST_F(served_device, monitor_shows_a_broken_frame_as_one_readable_line_with_why_and_its_bytes) {
  const std::string out = monitor_output_for_garbage(*this, {});
  const std::string tail = " < refused frame (too_short): 5 raw bytes 05 11 22 33 44\n";
  const auto at = out.find(tail);
  ASSERT_NE(at, std::string::npos) << out;
  ASSERT_GE(at, 27u) << out;
  EXPECT_EQ(out[at - 1], 'Z') << out;  // the line starts with its UTC time, 2026-11-22T03:04:05.123456Z
  EXPECT_TRUE(at == 27 || out[at - 28] == '\n') << out;
}

TEST_F(served_device, monitor_with_a_profile_file_sends_nothing_to_the_device_unless_asked_to_check) {
  std::atomic<int> to_device = 0;
  host->observe_frames([&](const devices::frame_record& r) {
    if (r.dir == devices::direction::to_device) ++to_device;
  });
  test::child_process mon({cli, "monitor", pty.slave_path, "--profile", profile_file, "--count", "1"});
  ASSERT_TRUE(mon.wait_for_line("monitor: " + pty.slave_path + " (blinky 2.1)")) << mon.output();
  host->emit<Tick>(7);
  ASSERT_TRUE(mon.wait_for_line("monitor: frames 1")) << mon.output();
  EXPECT_EQ(mon.stop(SIGTERM), 0) << mon.output();
  EXPECT_NE(mon.output().find(" < event tick seq=0 7\n"), std::string::npos) << mon.output();
  EXPECT_EQ(to_device, 0);
}

TEST_F(served_device, monitor_prints_one_readable_line_per_frame_by_default) {
  auto listening = first_request();
  std::thread emitter([&] {
    if (listening.wait_for(std::chrono::seconds(30)) != std::future_status::ready) return;
    host->emit<Tick>(41);
    host->emit(0x300, {1, 2});
  });
  auto r = run({cli, "monitor", pty.slave_path, "--profile", profile_file, "--check", "--count", "2"});
  emitter.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < r.out.size();) {
    const auto end = r.out.find('\n', at);
    lines.push_back(r.out.substr(at, end - at));
    at = end + 1;
  }
  ASSERT_EQ(lines.size(), 2u) << r.out;
  // "2026-11-22T05:00:32.123456Z < event tick seq=0 41"
  std::vector<std::string> tails;
  for (const auto& l : lines) {
    EXPECT_EQ(l[26], 'Z') << l;
    tails.push_back(l.size() > 27 ? l.substr(27) : l);
  }
  EXPECT_EQ(tails, (std::vector<std::string>{" < event tick seq=0 41",
                                             " < event id 0x0300 seq=0 (2 bytes: not in the profile)"}));
  EXPECT_NE(r.err.find("monitor: frames "), std::string::npos) << r.err;
}

}  // namespace

}  // namespace cli_device_test
