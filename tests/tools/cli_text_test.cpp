// What the command line prints of a device's text: a hostile device on a real
// pseudo-terminal sends control characters, a NUL with text after it and a
// bidirectional override in its error messages, its name and its events; the
// CLI runs as a child process and the test checks the exact bytes it prints.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "comframe/firmware_sim/device.hpp"
#include "devices/scripted_peer.hpp"
#include "support/process.hpp"
#include "support/pty.hpp"

namespace cli_text_test {

namespace {

using namespace comframe;
using namespace std::string_literals;
using test::run;
const std::string cli = COMFRAME_CLI;

struct Info {
  std::uint32_t serial;
};
BOOST_DESCRIBE_STRUCT(Info, (), (serial))
struct Led {
  std::uint8_t index;
  std::array<std::uint8_t, 3> rgb;
};
BOOST_DESCRIBE_STRUCT(Led, (), (index, rgb))
struct Note {
  std::array<char, 12> label;
};
BOOST_DESCRIBE_STRUCT(Note, (), (label))
struct Place {  // fields not in alphabetical order
  std::uint8_t y;
  std::uint8_t x;
};
BOOST_DESCRIBE_STRUCT(Place, (), (y, x))
enum class mode : std::uint8_t { off, on };
BOOST_DESCRIBE_ENUM(mode, off, on)
struct Status {
  Place place;
  std::array<mode, 2> modes;
  std::vector<char> remark;
};
BOOST_DESCRIBE_STRUCT(Status, (), (place, modes, remark))
using GetInfo = devices::command<1, core::null, Info, "get_info">;
using SetLed = devices::command<2, Led, core::null, "set_led">;
using NoteEvent = devices::event<0x100, Note, "note">;
using StatusEvent = devices::event<0x101, Status, "status">;

// Sets the terminal's title, rings its bell, returns to the line's start to
// write over it, hides text behind a NUL and reverses what follows.
const std::string hostile = "\x1b]0;owned\x07\rforged\0after nul \xe2\x80\xae"s;
const std::string hostile_shown = R"(\x1b]0;owned\x07\rforged\x00after nul \u202e)";

std::vector<std::uint8_t> error_payload(std::uint16_t code, const std::string& message) {
  return core::encode(devices::error_payload{code, {message.begin(), message.end()}}, core::endian::little);
}

// Answers describe from a real profile whose name and version hold control
// characters, get_info with a 300-byte error message and everything else with
// the hostile one.
struct hostile_device : ::testing::Test {
  test::io_thread t;
  test::pty_device pty;
  firmware_sim::device dev{devices::profile::of<GetInfo, SetLed, NoteEvent, StatusEvent>("evil\x1b[2Jdev", "1.0\x07")};
  std::unique_ptr<test::scripted_peer> peer;

  void SetUp() override {
    peer = std::make_unique<test::scripted_peer>(
        t.io, std::make_unique<test::pty_link>(t.io, pty.master),
        [this](test::scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
          using transport::frame_kind;
          if (h.command == devices::builtin::describe::id) {
            if (auto r = dev.handle(h, payload)) p.write(r->kind, h.command, h.sequence, std::move(r->payload));
          } else if (h.command == GetInfo::id) {
            p.write(frame_kind::error, h.command, h.sequence, error_payload(5, std::string(300, 'x')));
          } else {
            p.write(frame_kind::error, h.command, h.sequence, error_payload(3, hostile));
          }
        });
  }
  void TearDown() override { peer.reset(); }

  // Once the CLI has sent its first request (it is then observing), sends an
  // unsolicited error reply and a note event.
  std::thread send_frames_after_first_request() {
    return std::thread([this] {
      if (!peer->wait_for_requests(1)) return;
      peer->write(transport::frame_kind::error, SetLed::id, 9, error_payload(3, hostile));
      Note n{};
      const std::string label = "ab\x1b[2Jc\0zz"s;  // then NUL padding
      std::copy(label.begin(), label.end(), n.label.begin());
      peer->write(transport::frame_kind::event, NoteEvent::id, 0, core::encode(n, core::endian::little));
      const Status st{{1, 2}, {mode::on, mode::off}, {}};
      peer->write(transport::frame_kind::event, StatusEvent::id, 0, core::encode(st, core::endian::little));
    });
  }

  // `comframe monitor` with `args`, while the device sends its frames.
  test::run_result monitor(std::vector<std::string> args) {
    auto sender = send_frames_after_first_request();
    args.insert(args.begin(), {cli, "monitor", pty.slave_path});
    auto r = run(args);
    sender.join();
    return r;
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < text.size();) {
    const auto end = text.find('\n', at);
    lines.push_back(text.substr(at, end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return lines;
}

TEST_F(hostile_device, call_escapes_control_characters_in_a_device_error_and_shows_what_follows_a_nul) {
  auto r = run({cli, "call", pty.slave_path, "set_led", R"({"index": 1, "rgb": [1, 2, 3]})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "comframe call: [devices.device_error] set_led: device error 3 (out_of_range): " + hostile_shown + "\n");
}

TEST_F(hostile_device, call_says_where_a_long_device_message_was_cut) {
  auto r = run({cli, "call", pty.slave_path, "get_info"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe call: [devices.device_error] get_info: device error 5 (internal): " + std::string(256, 'x') +
                       "... (cut: 256 of 300 bytes shown)\n");
}

TEST_F(hostile_device, call_escapes_the_devices_name_in_its_errors) {
  auto r = run({cli, "call", pty.slave_path, "reboot"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, R"(comframe call: no command "reboot" in the profile of evil\x1b[2Jdev (it has: get_info, set_led, describe))"
                   "\n");
}

// What follows the timestamp on each line.
std::vector<std::string> tails_of(const std::string& text) {
  std::vector<std::string> tails;
  for (const auto& l : lines_of(text)) tails.push_back(l.size() > 27 ? l.substr(27) : l);
  return tails;
}

TEST_F(hostile_device, monitor_escapes_the_devices_text_in_its_readable_lines_and_its_banner) {
  auto r = monitor({"--count", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto tails = tails_of(r.out);
  ASSERT_EQ(tails.size(), 2u) << r.out;
  EXPECT_EQ(tails, (std::vector<std::string>{" < error set_led seq=9 code=3 message=\"" + hostile_shown + "\"",
                                             R"( < event note seq=0 label="ab\x1b[2Jc\x00zz")"}));
  EXPECT_NE(r.err.find("monitor: " + pty.slave_path + R"( (evil\x1b[2Jdev 1.0\x07), Ctrl-C to stop)" + "\n"),
            std::string::npos)
      << r.err;
}

TEST_F(hostile_device, monitor_writes_nested_fields_in_field_order_and_only_characters_as_text) {
  auto r = monitor({"--count", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto tails = tails_of(r.out);
  ASSERT_EQ(tails.size(), 3u) << r.out;
  EXPECT_EQ(tails[2], R"( < event status seq=0 place={y=1 x=2} modes=["on","off"] remark="")");
}

TEST_F(hostile_device, monitor_json_lines_are_ascii_with_the_devices_text_escaped) {
  auto r = monitor({"--json", "--count", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto time = nlohmann::json::parse(r.out).at("time").get<std::string>();
  EXPECT_EQ(r.out, R"({"command":"set_led","command_id":2,"dir":"in","kind":"error","payload":{"code":3,"message":)"
                   R"("\u001b]0;owned\u0007\rforged\u0000after nul \u202e"},"seq":9,"time":")" +
                       time + "\"}\n");
}

}  // namespace

}  // namespace cli_text_test
