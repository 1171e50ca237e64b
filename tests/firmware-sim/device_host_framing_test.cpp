// device_host on a framing other than comframe's: its own device address,
// requests for other addresses ignored and counted, broadcasts run and never
// answered, every request answered where frames carry no sequence number, and
// replies that copy the request's command and address — against a real
// devices::session over the loopback link. The framing is the test framing
// (tests/devices/test_framing.hpp): comframe's bytes with the traits of a
// device protocol (no sequence numbers, an address, replies by address and command).
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "comframe/devices/session.hpp"
#include "comframe/firmware_sim/device_host.hpp"
#include "comframe/transport/framing_spec.hpp"
#include "devices/scripted_peer.hpp"
#include "devices/test_framing.hpp"

namespace device_host_framing_test {

namespace {

using namespace comframe;
using namespace std::chrono_literals;

struct Led {
  std::uint8_t index;
  std::array<std::uint8_t, 3> rgb;
};
BOOST_DESCRIBE_STRUCT(Led, (), (index, rgb))
using SetLed = devices::command<2, Led, core::null, "set_led">;
using Echo = devices::command<3, std::uint32_t, std::uint32_t, "echo">;

transport::framing_traits bus_traits() {
  transport::framing_traits t;
  t.replies = transport::reply_match::address_command;
  t.max_sequence = 0;
  t.has_address = true;
  t.default_address = 1;
  t.broadcast_address = 0;
  t.describe = false;
  t.name = "test";
  return t;
}

struct bus_fixture : ::testing::Test {
  test::io_thread t;
  std::string url = "loop://" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::atomic<int> leds_set = 0;
  firmware_sim::device dev{devices::profile::of<SetLed, Echo>("board", "1.0")};
  std::unique_ptr<firmware_sim::device_host> device;

  void SetUp() override {
    dev.on<SetLed>([this](const Led& led) {
      if (led.index > 7) throw firmware_sim::device_error(devices::error_code::out_of_range, "LED index outside 0..7");
      ++leds_set;
      return core::null{};
    });
    dev.on<Echo>([](std::uint32_t v) { return v; });
  }
  // The device (address 5) is served first, so the session's link finds it.
  std::unique_ptr<devices::session> host(std::uint16_t address) {
    if (!device) {
      firmware_sim::device_host_options d;
      d.framing = test::traits_framing::factory(bus_traits(), false);
      d.address = 5;
      device = std::make_unique<firmware_sim::device_host>(t.io, transport::open_link(t.io, url), dev, std::move(d));
    }
    devices::session_options o;
    o.framing = test::traits_framing::factory(bus_traits(), false);
    o.address = address;
    o.timeout = 200ms;
    return std::make_unique<devices::session>(t.io, url, o);
  }
  void TearDown() override { device.reset(); }
};

TEST_F(bus_fixture, the_device_answers_requests_for_its_address_copying_command_and_address) {
  auto s = host(5);
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_EQ(s->request<Echo>(40 + i), 40 + i);  // no sequence numbers: all answered
  EXPECT_EQ(s->request<SetLed>({1, {2, 3, 4}}), core::null{});
  EXPECT_EQ(leds_set, 1);
  const auto st = device->stats();
  EXPECT_EQ(st.requests, 4u);
  EXPECT_EQ(st.replies, 4u);
  EXPECT_EQ(st.other_address, 0u);
  EXPECT_EQ(s->stats().mismatched_replies, 0u);  // every reply came from address 5 with the request's command
  EXPECT_EQ(device->framing_traits().replies, transport::reply_match::address_command);
}

TEST_F(bus_fixture, requests_for_another_address_are_ignored_and_counted) {
  auto s = host(6);
  try {
    s->request<Echo>(1);
    FAIL() << "answered";
  } catch (const devices::request_error& e) {
    EXPECT_EQ(e.kind(), devices::request_errc::timeout);
  }
  const auto st = device->stats();
  EXPECT_EQ(st.other_address, 1u);
  EXPECT_EQ(st.requests, 0u);
  EXPECT_EQ(st.replies, 0u);
}

TEST_F(bus_fixture, a_broadcast_runs_on_the_device_and_is_never_answered) {
  auto s = host(0);
  EXPECT_EQ(s->request<SetLed>({1, {2, 3, 4}}), core::null{});  // completes when written
  EXPECT_EQ(s->stats().broadcasts, 1u);
  for (int i = 0; i < 3000 && leds_set == 0; ++i) std::this_thread::sleep_for(1ms);  // watchdog, not a measurement
  EXPECT_EQ(leds_set, 1);
  const auto st = device->stats();
  EXPECT_EQ(st.broadcasts, 1u);
  EXPECT_EQ(st.requests, 1u);
  EXPECT_EQ(st.replies, 0u);
}

TEST_F(bus_fixture, an_error_reply_is_written_by_the_framing_and_read_back_with_its_code) {
  auto s = host(5);
  try {
    s->request<SetLed>({9, {0, 0, 0}});
    FAIL() << "no error";
  } catch (const devices::request_error& e) {
    EXPECT_EQ(e.kind(), devices::request_errc::device_error);
    EXPECT_EQ(e.device_code(), devices::error_code::out_of_range);
    EXPECT_STREQ(e.what(), "[devices.device_error] set_led: device error 3 (LED index outside 0..7)");
  }
  EXPECT_EQ(device->stats().error_replies, 1u);
}

// A reply the framing cannot encode (here longer than the vendor frame's u8
// length field) is dropped and counted; the device keeps serving.
TEST(device_host_on_a_spec_framing, a_reply_the_framing_cannot_carry_is_dropped_and_the_device_keeps_serving) {
  using Fill = devices::command<7, std::uint16_t, std::vector<std::uint8_t>, "fill">;
  test::io_thread t;
  const std::string url = "loop://a_reply_the_framing_cannot_carry";
  auto spec = std::make_shared<const transport::framing_spec>(transport::parse_framing_spec(nlohmann::json::parse(R"({
    "delimiting": {"kind": "length", "sync": "AA55", "counts": "payload"},
    "header": {"type": {"struct": [{"name": "len", "type": "u8"}, {"name": "cmd", "type": "u8"}]},
               "roles": {"length": "len", "command": "cmd"}},
    "check": {"type": "CRC-16/IBM-3740", "endian": "big"}})")));
  firmware_sim::device dev{devices::profile::of<Fill>("filler", "1.0")};
  dev.on<Fill>([](std::uint16_t n) { return std::vector<std::uint8_t>(n, 0x5A); });
  firmware_sim::device_host_options d;
  d.framing = transport::framing_factory_for(spec);
  auto device = std::make_unique<firmware_sim::device_host>(t.io, transport::open_link(t.io, url), dev, std::move(d));
  devices::session_options o;
  o.framing = transport::framing_factory_for(spec);
  o.timeout = 300ms;
  devices::session s(t.io, url, o);
  try {
    (void)s.request<Fill>(300);  // 300 bytes: more than a u8 length says
    FAIL() << "answered";
  } catch (const devices::request_error& e) {
    EXPECT_EQ(e.kind(), devices::request_errc::timeout);
  }
  EXPECT_EQ(s.request<Fill>(3), (std::vector<std::uint8_t>{0x5A, 0x5A, 0x5A}));
  const auto st = device->stats();
  EXPECT_EQ(st.unsendable, 1u);
  EXPECT_EQ(st.requests, 2u);
  EXPECT_EQ(st.replies, 1u);
  device.reset();
}

}  // namespace

}  // namespace device_host_framing_test
