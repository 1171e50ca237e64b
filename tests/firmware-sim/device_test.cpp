// A simulated device served on a loopback link, talked to by the host session:
// typed handlers, error replies, sends, events and the built-in describe.
#include <gtest/gtest.h>

#include "comframe/devices/session.hpp"
#include "comframe/firmware_sim/device_host.hpp"
#include "devices/scripted_peer.hpp"

namespace device_test {

namespace {

using namespace comframe;
using namespace std::chrono_literals;
using devices::request_errc;
using firmware_sim::device;
using firmware_sim::device_error;

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

using GetInfo = devices::command<1, core::null, Info, "get_info">;
using SetLed = devices::command<2, Led, core::null, "set_led">;
using Add = devices::command<3, std::array<std::int32_t, 2>, std::int32_t, "add">;
using Missing = devices::command<4, core::null, core::null, "missing">;
using Tick = devices::event<0x100, std::uint32_t, "tick">;

devices::profile thermo_profile() { return devices::profile::of<GetInfo, SetLed, Add, Missing, Tick>("thermo", "1.0"); }

struct simulated : ::testing::Test {
  test::io_thread t;
  std::string url = "loop://" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  device dev{thermo_profile()};
  std::array<std::array<std::uint8_t, 3>, 8> leds{};
  std::unique_ptr<devices::session> host;
  std::unique_ptr<firmware_sim::device_host> sim;

  void SetUp() override {
    dev.on<GetInfo>([](const core::null&) { return Info{{'t', 'h', 'e', 'r', 'm', 'o'}, 4242}; });
    dev.on<SetLed>([this](const Led& led) {
      if (led.index >= leds.size())
        throw device_error(devices::error_code::out_of_range,
                           "LED index " + std::to_string(led.index) + " is outside 0..7");
      leds[led.index] = led.rgb;
      return core::null{};
    });
    dev.on_json("add", [](const nlohmann::json& args) { return args[0].get<int>() + args[1].get<int>(); });
  }
  void start(devices::session_options o = {}) {
    host = std::make_unique<devices::session>(t.io, url, std::move(o));
    sim = std::make_unique<firmware_sim::device_host>(t.io, transport::open_link(t.io, url), dev);
  }
  void TearDown() override {
    host.reset();
    sim.reset();
  }
};

TEST_F(simulated, answers_typed_requests_through_its_handlers) {
  start();
  EXPECT_EQ(host->request<GetInfo>({}).serial, 4242u);
  host->request<SetLed>({3, {10, 20, 30}});
  EXPECT_EQ(leds[3], (std::array<std::uint8_t, 3>{10, 20, 30}));
  EXPECT_EQ(host->request<Add>({40, 2}), 42);
  EXPECT_EQ(sim->stats().replies, 3u);
}

TEST_F(simulated, a_handler_that_throws_device_error_answers_with_its_code_and_message) {
  start();
  try {
    host->request<SetLed>({8, {}});
    FAIL();
  } catch (const devices::request_error& e) {
    EXPECT_EQ(e.device_code(), devices::error_code::out_of_range);
    EXPECT_STREQ(e.what(), "[devices.device_error] set_led: device error 3 (out_of_range): LED index 8 is outside 0..7");
  }
}

TEST_F(simulated, a_command_without_a_handler_and_an_unknown_id_get_unknown_command) {
  start();
  try {
    host->request<Missing>({});
    FAIL();
  } catch (const devices::request_error& e) {
    EXPECT_EQ(e.device_code(), devices::error_code::unknown_command);
    EXPECT_STREQ(e.what(), "[devices.device_error] missing: device error 1 (unknown_command): command missing has no handler in this device");
  }
  std::promise<std::string> got;
  host->async_request_raw(0x777, {}, [&](std::exception_ptr e, std::span<const std::uint8_t>) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      got.set_value(x.what());
    }
  });
  EXPECT_EQ(got.get_future().get(), "[devices.device_error] command 0x0777: device error 1 (unknown_command): no command with id 1911");
}

TEST_F(simulated, a_request_whose_payload_does_not_decode_gets_bad_request_naming_the_problem) {
  start();
  std::promise<std::string> got;
  host->async_request_raw(SetLed::id, {1, 2}, [&](std::exception_ptr e, std::span<const std::uint8_t>) {
    try {
      std::rethrow_exception(e);
    } catch (const devices::request_error& x) {
      got.set_value(std::to_string(x.device_code()) + " " + x.what());
    }
  });
  EXPECT_EQ(got.get_future().get(),
            "2 [devices.device_error] command 0x0002: device error 2 (bad_request): [core.size] at byte 2: the input ends, but the value takes exactly 4 bytes (2 given)");
}

TEST_F(simulated, a_send_runs_the_handler_and_gets_no_reply) {
  start();
  host->send<SetLed>({5, {1, 1, 1}});
  EXPECT_EQ(host->request<GetInfo>({}).serial, 4242u);  // the send was handled before this request
  EXPECT_EQ(leds[5], (std::array<std::uint8_t, 3>{1, 1, 1}));
  EXPECT_EQ(host->stats().late_replies, 0u);
  EXPECT_EQ(sim->stats().replies, 1u);
}

TEST_F(simulated, events_it_emits_reach_the_host_in_order) {
  start();
  std::mutex m;
  std::vector<std::uint32_t> ticks;
  std::promise<void> all;
  host->on_event<Tick>([&](const std::uint32_t& n) {
    std::lock_guard lock(m);
    ticks.push_back(n);
    if (ticks.size() == 100) all.set_value();
  });
  EXPECT_EQ(host->request<GetInfo>({}).serial, 4242u);  // the handler is in place
  for (std::uint32_t i = 0; i < 100; ++i) sim->emit<Tick>(i);
  ASSERT_EQ(all.get_future().wait_for(30s), std::future_status::ready);
  for (std::uint32_t i = 0; i < 100; ++i) EXPECT_EQ(ticks[i], i);
}

TEST_F(simulated, the_host_fetches_the_devices_profile_through_describe) {
  devices::session_options small;
  small.max_payload_size = 64;  // many describe chunks
  start(small);
  const auto fetched = host->fetch_profile();
  EXPECT_EQ(fetched, dev.profile());
  EXPECT_EQ(fetched.hash(), dev.profile().hash());
  EXPECT_GT(host->stats().replies, 10u);
  EXPECT_TRUE(host->check_profile(dev.profile()).matches);
}

TEST_F(simulated, a_host_expecting_another_profile_hears_which_commands_differ) {
  using OtherAdd = devices::command<3, std::array<std::int16_t, 2>, std::int32_t, "add">;
  using Extra = devices::command<9, core::null, core::null, "reboot">;
  auto expected = std::make_shared<devices::profile>(
      devices::profile::of<GetInfo, SetLed, OtherAdd, Missing, Tick, Extra>("thermo", "1.0"));
  devices::session_options o;
  o.expected_profile = expected;
  std::promise<std::string> mismatch;
  start(o);
  host->on_link_state([&](devices::link_state s, const std::string& detail) {
    if (s == devices::link_state::profile_mismatch) mismatch.set_value(detail);
  });
  // The check runs on connect; the handler may be set after it began, so ask again to be sure of one report.
  const auto check = host->check_profile(*expected);
  EXPECT_FALSE(check.matches);
  EXPECT_EQ(check.differences, (std::vector<std::string>{"add", "reboot"}));
  auto f = mismatch.get_future();
  if (f.wait_for(5s) == std::future_status::ready) {
    EXPECT_EQ(f.get(), url + ": the device's profile differs from the expected one in: add, reboot");
  }
}

TEST_F(simulated, request_json_calls_a_command_of_a_profile_with_json_values) {
  start();
  const auto p = host->fetch_profile();
  EXPECT_EQ(host->request_json(p, "add", nlohmann::json::parse("[5, 6]")), nlohmann::json(11));
  EXPECT_EQ(host->request_json(p, "get_info", nullptr)["serial"], 4242);
  try {
    host->request_json(p, "ad", nullptr);
    FAIL();
  } catch (const comframe::error& e) {
    EXPECT_EQ(e.id(), "devices.unknown_command");
    EXPECT_STREQ(e.what(),
                 "[devices.unknown_command] the profile of thermo has no command \"ad\" (it has: get_info, set_led, add, missing, describe)");
  }
  EXPECT_THROW(host->request_json(p, "add", nlohmann::json::parse("[5]")), core::codec_error);
}

}  // namespace

// Sequence 0 is fire-and-forget: no reply of any kind, error replies included.
TEST(fire_and_forget, a_request_with_sequence_0_gets_no_reply_even_when_it_fails) {
  device dev{devices::profile::of<GetInfo, SetLed>("blinky", "1.0")};
  const std::vector<std::uint8_t> garbage{1};  // set_led's request needs 4 bytes
  transport::frame_header h{transport::protocol_version, transport::frame_kind::request, SetLed::id, 0};
  EXPECT_FALSE(dev.handle(h, garbage).has_value());
  h.command = 0x0077;  // no such command
  EXPECT_FALSE(dev.handle(h, {}).has_value());
  h.sequence = 5;  // the same requests with a sequence number are answered with errors
  auto r = dev.handle(h, {});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, transport::frame_kind::error);
  h.command = SetLed::id;
  r = dev.handle(h, garbage);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, transport::frame_kind::error);
}

namespace {

std::vector<std::uint8_t> describe_request(std::uint32_t offset, std::uint16_t max_bytes) {
  return core::encode(devices::builtin::describe_request{offset, max_bytes}, core::endian::little);
}

devices::builtin::describe_response describe_reply(const device& dev, std::uint32_t offset, std::uint16_t max_bytes) {
  const transport::frame_header h{transport::protocol_version, transport::frame_kind::request,
                                  devices::builtin::describe::id, 1};
  const auto r = dev.handle(h, describe_request(offset, max_bytes));
  EXPECT_TRUE(r.has_value() && r->kind == transport::frame_kind::response);
  return core::decode<devices::builtin::describe_response>(r.value().payload, core::endian::little);
}

}  // namespace

// One describe reply carries at most 4084 bytes of text (the payload limit less
// hash and total): a larger max_bytes is clamped, never refused.
TEST(describe, clamps_max_bytes_to_one_reply_and_answers_an_offset_past_the_end_with_an_empty_chunk) {
  nlohmann::json doc = {{"comframe_profile", 1}, {"device", "big"}, {"commands", nlohmann::json::array()}};
  for (int i = 1; i <= 200; ++i)
    doc["commands"].push_back({{"id", i},
                               {"name", "a_command_with_a_rather_long_name_" + std::to_string(i)},
                               {"request", "null"},
                               {"response", "u32"}});
  const device dev{devices::profile::from_json(doc)};
  const std::string text = dev.profile().to_json().dump();
  ASSERT_GT(text.size(), 8192u);

  auto r = describe_reply(dev, 0, 65535);
  EXPECT_EQ(r.hash, dev.profile().hash());
  EXPECT_EQ(r.total, text.size());
  EXPECT_EQ(r.chunk.size(), 4084u);
  EXPECT_EQ(std::string(r.chunk.begin(), r.chunk.end()), text.substr(0, 4084));
  EXPECT_EQ(devices::builtin::max_describe_chunk(transport::default_max_payload_size), 4084u);

  r = describe_reply(dev, static_cast<std::uint32_t>(text.size() - 10), 65535);  // never past the end
  EXPECT_EQ(std::string(r.chunk.begin(), r.chunk.end()), text.substr(text.size() - 10));

  for (const std::uint32_t offset : {static_cast<std::uint32_t>(text.size()), 0xFFFFFFFFu}) {
    r = describe_reply(dev, offset, 100);
    EXPECT_EQ(r.hash, dev.profile().hash());
    EXPECT_EQ(r.total, text.size());
    EXPECT_TRUE(r.chunk.empty()) << offset;
  }
}

// describe and error replies are little-endian whatever the profile's byte
// order (a host reads them before it knows that order); the profile's own
// payloads follow the profile.
TEST(big_endian_device, answers_describe_and_errors_in_little_endian_and_its_own_payloads_in_big_endian) {
  device dev{devices::profile::of<GetInfo, Add, Missing>("bigdev", "1.0", core::endian::big)};
  dev.on_json("add", [](const nlohmann::json& args) { return args[0].get<int>() + args[1].get<int>(); });

  const auto d = describe_reply(dev, 0, 0);
  EXPECT_EQ(d.hash, dev.profile().hash());
  EXPECT_EQ(d.total, dev.profile().to_json().dump().size());

  transport::frame_header h{transport::protocol_version, transport::frame_kind::request, Missing::id, 5};
  const auto e = dev.handle(h, {});
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, transport::frame_kind::error);
  ASSERT_GE(e->payload.size(), 2u);
  EXPECT_EQ(e->payload[0], devices::error_code::unknown_command & 0xFF);  // code, little-endian
  EXPECT_EQ(e->payload[1], devices::error_code::unknown_command >> 8);

  h.command = Add::id;
  const std::vector<std::uint8_t> forty_and_two{0, 0, 0, 40, 0, 0, 0, 2};
  const auto a = dev.handle(h, forty_and_two);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->payload, (std::vector<std::uint8_t>{0, 0, 0, 42}));

  // And a host that knows nothing of the device gets all of it right.
  test::io_thread t;
  const std::string url = "loop://big_endian_device";
  auto host = std::make_unique<devices::session>(t.io, url);
  auto sim = std::make_unique<firmware_sim::device_host>(t.io, transport::open_link(t.io, url), dev);
  const auto p = host->fetch_profile();
  EXPECT_EQ(p.payload_endian(), core::endian::big);
  EXPECT_EQ(p.hash(), dev.profile().hash());
  EXPECT_EQ(host->request_json(p, "add", nlohmann::json::parse("[40, 2]")), nlohmann::json(42));
  try {
    host->request_json(p, "missing", nullptr);
    FAIL() << "no error reply";
  } catch (const devices::request_error& err) {
    EXPECT_EQ(err.kind(), request_errc::device_error);
    EXPECT_EQ(err.device_code(), devices::error_code::unknown_command);
    EXPECT_STREQ(err.what(), "[devices.device_error] missing: device error 1 (unknown_command): command missing has no handler in this device");
  }
  host.reset();
  sim.reset();
}

}  // namespace device_test
