// The host session against a scripted device: over the in-process loopback and
// over real pseudo-terminals.
#include <gtest/gtest.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>

#include "comframe/devices/bridge_feed.hpp"
#include "comframe/transport/frame_parse.hpp"
#include "comframe/devices/frame_json.hpp"
#include "comframe/devices/session.hpp"
#include "devices/scripted_peer.hpp"
#include "support/pty.hpp"

namespace {

using namespace comframe;
using namespace std::chrono_literals;
using devices::request_errc;
using devices::session;
using test::io_thread;
using test::scripted_peer;
using transport::frame_kind;

struct Info {
  std::array<char, 8> name;
  std::uint32_t serial;
  bool operator==(const Info&) const = default;
};
BOOST_DESCRIBE_STRUCT(Info, (), (name, serial))
struct Led {
  std::uint8_t index;
  std::array<std::uint8_t, 3> rgb;
};
BOOST_DESCRIBE_STRUCT(Led, (), (index, rgb))
struct Sample {
  std::uint32_t n;
  std::vector<std::int16_t> temps;
};
BOOST_DESCRIBE_STRUCT(Sample, (), (n, temps))

using GetInfo = devices::command<1, core::null, Info, "get_info">;
using Echo = devices::command<2, std::uint32_t, std::uint32_t, "echo">;
using SetLed = devices::command<3, Led, core::null, "set_led">;
using Telemetry = devices::event<0x100, Sample, "telemetry">;

std::vector<std::uint8_t> le(std::uint32_t v) { return core::encode(v, core::endian::little); }

// A device that answers get_info and echo correctly, and set_led with an
// out-of-range error for index > 7.
void well_behaved(scripted_peer& peer, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
  if (h.kind != frame_kind::request) return;
  switch (h.command) {
    case GetInfo::id:
      peer.write(frame_kind::response, h.command, h.sequence, core::encode(Info{{'t', 'h', 'e', 'r', 'm', 'o'}, 77}));
      return;
    case Echo::id:
      peer.write(frame_kind::response, h.command, h.sequence, payload);
      return;
    case SetLed::id: {
      const auto led = core::decode<Led>(payload, core::endian::little);
      if (led.index > 7) {
        const std::string msg = "LED index " + std::to_string(led.index) + " is outside 0..7";
        peer.write(frame_kind::error, h.command, h.sequence,
                   core::encode(devices::error_payload{devices::error_code::out_of_range, {msg.begin(), msg.end()}},
                                core::endian::little));
      } else {
        peer.write(frame_kind::response, h.command, h.sequence, {});
      }
      return;
    }
    default:
      peer.write(frame_kind::error, h.command, h.sequence,
                 core::encode(devices::error_payload{devices::error_code::unknown_command, {}}, core::endian::little));
  }
}

struct loopback_fixture : ::testing::Test {
  io_thread t;
  std::string url = "loop://" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::unique_ptr<session> host;
  std::unique_ptr<scripted_peer> peer;

  void start(scripted_peer::request_handler h, devices::session_options o = {}) {
    host = std::make_unique<session>(t.io, url, o);
    peer = std::make_unique<scripted_peer>(t.io, transport::open_link(t.io, url), std::move(h));
  }
  void TearDown() override {
    host.reset();
    peer.reset();
  }
};

template <class F>
request_errc error_kind_of(F&& f) {
  try {
    f();
  } catch (const devices::request_error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no request_error";
  return request_errc::closed;
}

TEST_F(loopback_fixture, a_typed_request_returns_the_typed_reply) {
  start(well_behaved);
  const Info info = host->request<GetInfo>({});
  EXPECT_EQ(std::string(info.name.data()), "thermo");
  EXPECT_EQ(info.serial, 77u);
  EXPECT_EQ(host->request<Echo>(0xdeadbeef), 0xdeadbeefu);
  EXPECT_EQ(host->stats().replies, 2u);
}

TEST_F(loopback_fixture, pipelined_requests_each_get_their_own_reply_even_out_of_order) {
  std::vector<transport::frame_header> held;
  std::vector<std::vector<std::uint8_t>> payloads;
  start([&](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
    held.push_back(h);
    payloads.push_back(std::move(payload));
    if (held.size() == 8)  // answer all eight, last first
      for (std::size_t i = 8; i-- > 0;) p.write(frame_kind::response, held[i].command, held[i].sequence, payloads[i]);
  });
  std::vector<std::future<std::uint32_t>> futures;
  for (std::uint32_t i = 0; i < 8; ++i) futures.push_back(host->request_async<Echo>(1000 + i));
  for (std::uint32_t i = 0; i < 8; ++i) EXPECT_EQ(futures[i].get(), 1000 + i);
}

TEST_F(loopback_fixture, a_timeout_leaves_the_session_usable) {
  std::atomic<bool> answer = false;
  start([&](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
    if (answer) p.write(frame_kind::response, h.command, h.sequence, payload);
  });
  try {
    host->request<Echo>(1, 50ms);
    FAIL() << "no timeout";
  } catch (const devices::request_error& e) {
    EXPECT_EQ(e.kind(), request_errc::timeout);
    EXPECT_EQ(e.id(), "devices.timeout");
    EXPECT_STREQ(e.what(), "[devices.timeout] echo: no reply within the timeout (nothing arrived)");
  }
  answer = true;  // the peer reads `answer` on the io thread only after this request is written
  EXPECT_EQ(host->request<Echo>(2), 2u);
  EXPECT_EQ(host->stats().timeouts, 1u);
}

TEST_F(loopback_fixture, a_late_reply_is_counted_and_dropped_never_handed_to_the_next_request) {
  std::vector<transport::frame_header> seen;
  start([&](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
    seen.push_back(h);
    if (seen.size() == 2) {
      // First the reply to the request that already timed out, then the right one.
      p.write(frame_kind::response, seen[0].command, seen[0].sequence, le(111));
      p.write(frame_kind::response, h.command, h.sequence, payload);
    }
  });
  EXPECT_EQ(error_kind_of([&] { host->request<Echo>(111, 30ms); }), request_errc::timeout);
  EXPECT_EQ(host->request<Echo>(222), 222u);
  EXPECT_EQ(host->stats().late_replies, 1u);
}

TEST_F(loopback_fixture, a_reply_with_an_unknown_sequence_number_is_counted_and_dropped) {
  start([](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
    p.write(frame_kind::response, h.command, static_cast<std::uint16_t>(h.sequence + 500), le(999));
    p.write(frame_kind::response, h.command, h.sequence, payload);
  });
  EXPECT_EQ(host->request<Echo>(5), 5u);
  EXPECT_EQ(host->stats().late_replies, 1u);
}

TEST_F(loopback_fixture, a_reply_for_another_command_is_not_handed_over) {
  start([](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
    p.write(frame_kind::response, GetInfo::id, h.sequence, core::encode(Info{}));  // right sequence, wrong command
    p.write(frame_kind::response, h.command, h.sequence, payload);
  });
  EXPECT_EQ(host->request<Echo>(6), 6u);
  EXPECT_EQ(host->stats().mismatched_replies, 1u);
}

TEST_F(loopback_fixture, an_error_reply_raises_device_error_with_the_devices_code) {
  start(well_behaved);
  try {
    host->request<SetLed>({9, {1, 2, 3}});
    FAIL() << "no error";
  } catch (const devices::request_error& e) {
    EXPECT_EQ(e.kind(), request_errc::device_error);
    EXPECT_EQ(e.device_code(), devices::error_code::out_of_range);
    EXPECT_STREQ(e.what(), "[devices.device_error] set_led: device error 3 (out_of_range): LED index 9 is outside 0..7");
  }
  EXPECT_NO_THROW(host->request<SetLed>({2, {1, 2, 3}}));
  EXPECT_EQ(host->stats().error_replies, 1u);
}

TEST_F(loopback_fixture, a_reply_that_does_not_decode_is_a_bad_reply) {
  start([](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t>) {
    p.write(frame_kind::response, h.command, h.sequence, {1, 2, 3});  // 3 bytes for a u32
  });
  try {
    host->request<Echo>(1);
    FAIL();
  } catch (const devices::request_error& e) {
    EXPECT_EQ(e.kind(), request_errc::bad_reply);
    EXPECT_STREQ(e.what(), "[devices.bad_reply] the reply to echo does not decode: [core.size] at byte 3: the input ends, but the value takes exactly 4 bytes (3 given)");
  }
}

TEST_F(loopback_fixture, events_reach_their_handler_alongside_requests_and_unhandled_ones_are_counted) {
  start(well_behaved);
  std::promise<Sample> got;
  host->on_event<Telemetry>([&](const Sample& s) { got.set_value(s); });
  EXPECT_EQ(host->request<Echo>(1), 1u);  // the handler is registered before this request is answered
  peer->write(frame_kind::event, 0x200, 0, {});  // no handler for 0x200
  peer->write(frame_kind::event, Telemetry::id, 0, core::encode(Sample{7, {2150, -40}}));
  auto f = got.get_future();
  ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
  const Sample s = f.get();
  EXPECT_EQ(s.n, 7u);
  EXPECT_EQ(s.temps, (std::vector<std::int16_t>{2150, -40}));
  EXPECT_EQ(host->request<Echo>(2), 2u);  // the 0x200 event was processed before this reply
  EXPECT_EQ(host->stats().unhandled_events, 1u);
  EXPECT_EQ(host->stats().events, 1u);
}

TEST_F(loopback_fixture, send_writes_the_command_and_expects_no_reply) {
  start(nullptr);
  host->send<SetLed>({1, {9, 9, 9}});
  ASSERT_TRUE(peer->wait_for_requests(1));
  const auto h = peer->received().at(0);
  EXPECT_EQ(h.command, SetLed::id);
  EXPECT_EQ(h.kind, frame_kind::request);
  EXPECT_EQ(host->stats().sends, 1u);
}

TEST_F(loopback_fixture, garbage_on_the_link_is_counted_and_the_next_frame_still_arrives) {
  start([](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
    p.write_raw({0x13, 0x37, 0xff, 0x00, 0x05, 0x01, 0x00});
    p.write(frame_kind::response, h.command, h.sequence, payload);
  });
  EXPECT_EQ(host->request<Echo>(42), 42u);
  EXPECT_EQ(host->stats().decoder.errors(), 2u);
}

TEST_F(loopback_fixture, losing_the_link_fails_pending_requests_and_is_reported) {
  std::promise<std::string> lost;
  devices::session_options no_reconnect;
  no_reconnect.reconnect = false;
  start(nullptr, no_reconnect);
  host->on_link_state([&](devices::link_state s, const std::string& why) {
    if (s == devices::link_state::lost) lost.set_value(why);
  });
  auto pending = host->request_async<Echo>(1, 30s);
  ASSERT_TRUE(peer->wait_for_requests(1));
  peer->close();
  EXPECT_EQ(error_kind_of([&] { pending.get(); }), request_errc::link_lost);
  auto why = lost.get_future();
  ASSERT_EQ(why.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(why.get(), url + ": link lost");
  EXPECT_FALSE(host->connected());
  EXPECT_EQ(error_kind_of([&] { host->request<Echo>(2); }), request_errc::not_connected);
  EXPECT_EQ(host->stats().link_losses, 1u);
}

TEST_F(loopback_fixture, a_blocking_call_from_a_handler_is_refused_instead_of_deadlocking) {
  start(well_behaved);
  std::promise<std::string> result;
  host->on_event<Telemetry>([&](const Sample&) {
    try {
      host->request<Echo>(1);
      result.set_value("no error");
    } catch (const comframe::error& e) {
      result.set_value(e.id());
    }
  });
  EXPECT_EQ(host->request<Echo>(1), 1u);
  peer->write(frame_kind::event, Telemetry::id, 0, core::encode(Sample{1, {}}));
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(f.get(), "devices.usage");
}

TEST_F(loopback_fixture, closing_the_session_fails_what_is_pending) {
  start(nullptr);
  auto pending = host->request_async<Echo>(1, 30s);
  ASSERT_TRUE(peer->wait_for_requests(1));
  host.reset();
  EXPECT_EQ(error_kind_of([&] { pending.get(); }), request_errc::closed);
}

TEST(session, opening_a_port_that_does_not_exist_is_a_clear_error) {
  try {
    session s("/dev/comframe-no-such-port");
    FAIL();
  } catch (const comframe::error& e) {
    EXPECT_EQ(e.id(), "transport.open_failed");
    EXPECT_NE(std::string(e.what()).find("/dev/comframe-no-such-port"), std::string::npos) << e.what();
  }
}

// ---- real pseudo-terminals ---------------------------------------------------

using test::pty_device;
using test::pty_link;

TEST(session_on_a_pty, talks_to_a_scripted_device_through_a_real_pseudo_terminal) {
  io_thread t;
  pty_device dev;
  scripted_peer peer(t.io, std::make_unique<pty_link>(t.io, dev.master), well_behaved);
  session host(t.io, dev.slave_path);
  EXPECT_EQ(host.request<GetInfo>({}).serial, 77u);
  std::vector<std::future<std::uint32_t>> f;
  for (std::uint32_t i = 0; i < 8; ++i) f.push_back(host.request_async<Echo>(i * 3));
  for (std::uint32_t i = 0; i < 8; ++i) EXPECT_EQ(f[i].get(), i * 3);
}

TEST(session_on_a_pty, reconnects_when_a_new_pty_appears_behind_the_same_symlink) {
  io_thread t;
  const auto link_path = std::filesystem::path(::testing::TempDir()) / ("comframe-reconnect-" + std::to_string(getpid()));
  std::filesystem::remove(link_path);

  auto first = std::make_unique<pty_device>();
  std::filesystem::create_symlink(first->slave_path, link_path);
  auto peer = std::make_unique<scripted_peer>(t.io, std::make_unique<pty_link>(t.io, first->master), well_behaved);

  std::mutex m;
  std::condition_variable cv;
  std::vector<devices::link_state> states;
  devices::session_options quick;
  quick.reconnect_initial = 10ms;
  quick.reconnect_max = 100ms;
  session host(t.io, link_path.string(), quick);
  host.on_link_state([&](devices::link_state s, const std::string&) {
    std::lock_guard lock(m);
    states.push_back(s);
    cv.notify_all();
  });
  EXPECT_EQ(host.request<Echo>(1), 1u);

  // The device goes away: its pty closes and the symlink points nowhere.
  std::filesystem::remove(link_path);
  peer.reset();  // closes the master
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 30s, [&] {
      return std::find(states.begin(), states.end(), devices::link_state::lost) != states.end();
    }));
  }
  EXPECT_EQ(error_kind_of([&] { host.request<Echo>(2); }), request_errc::not_connected);

  // It comes back on a new pty behind the same symlink.
  auto second = std::make_unique<pty_device>();
  std::filesystem::create_symlink(second->slave_path, link_path);
  peer = std::make_unique<scripted_peer>(t.io, std::make_unique<pty_link>(t.io, second->master), well_behaved);
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 30s, [&] {
      return std::find(states.begin(), states.end(), devices::link_state::reconnected) != states.end();
    }));
  }
  EXPECT_EQ(host.request<Echo>(3), 3u);
  EXPECT_EQ(host.stats().reconnects, 1u);
  EXPECT_EQ(host.stats().link_losses, 1u);
  std::filesystem::remove(link_path);
}

}  // namespace

namespace bridge_tests {

using namespace comframe::transport;
using namespace comframe::transport::bridge;

std::string bridge_name() {
  return "test-session-" + std::to_string(::getpid()) + "-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

TEST_F(loopback_fixture, a_session_with_a_bridge_publishes_every_frame_its_profile_and_the_latest_event) {
  auto expected = std::make_shared<const devices::profile>(devices::profile::of<GetInfo, Echo, Telemetry>("dev"));
  auto bridge = std::make_shared<publisher>(bridge_name().substr(0, 64));
  subscriber tap(bridge->name());
  devices::session_options o;
  o.bridge = std::make_shared<devices::bridge_feed>(bridge, 7);
  o.expected_profile = expected;
  start(well_behaved, o);
  EXPECT_EQ(host->request<Echo>(42u), 42u);
  peer->write(frame_kind::event, Telemetry::id, 0, core::encode(Sample{5, {1, -2}}, core::endian::little));
  peer->write_raw({0x05, 0x01, 0x02, 0x03, 0x04, 0x00});  // four bytes: too short to be a frame

  // The profile check's describe exchange comes first; then the echo, the event, the refused frame.
  std::vector<record> seen;
  std::vector<std::vector<std::uint8_t>> bytes;
  std::vector<nlohmann::json> decoded;
  while (seen.empty() || !(seen.back().flags & refused)) {
    const auto r = tap.next(std::chrono::seconds(30));
    ASSERT_EQ(r.status, read_status::record);
    EXPECT_EQ(r.lost, 0u);
    EXPECT_EQ(r.rec.link_id, 7);
    seen.push_back(r.rec);
    bytes.emplace_back(r.rec.bytes.begin(), r.rec.bytes.end());
    // The decoded view, while the record's bytes are valid (until the next read).
    decoded.push_back(devices::frame_json(*expected, devices::stored_frame(r.rec)));
  }
  auto find = [&](frame_kind kind, std::uint16_t command) -> std::optional<frame_view> {
    for (std::size_t i = 0; i < seen.size(); ++i) {
      auto f = parse_frame(bytes[i]);
      if (f && f->header.kind == kind && f->header.command == command) return *f;
    }
    return std::nullopt;
  };
  const auto request = find(frame_kind::request, Echo::id);
  const auto response = find(frame_kind::response, Echo::id);
  const auto event = find(frame_kind::event, Telemetry::id);
  ASSERT_TRUE(request && response && event);
  EXPECT_EQ(core::decode<std::uint32_t>(response->payload, core::endian::little), 42u);
  EXPECT_EQ(seen.back().error, frame_error::too_short);
  EXPECT_EQ(bytes.back(), (std::vector<std::uint8_t>{0x05, 0x01, 0x02, 0x03, 0x04}));
  EXPECT_EQ(seen.back().dir, direction::from_device);

  // The profile on the bridge, and the frames decoded by name with it.
  const auto p = devices::profile_on_bridge(tap);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p, *expected);
  auto find_json = [&](const char* kind, const char* key, const char* name) {
    for (const auto& j : decoded)
      if (j.value("kind", "") == kind && j.value(key, "") == name) return j;
    ADD_FAILURE() << "no " << kind << " " << name << " in " << nlohmann::json(decoded).dump();
    return nlohmann::json::object();
  };
  const auto echo_reply = find_json("response", "command", "echo");
  EXPECT_EQ(echo_reply["payload"], 42) << echo_reply;
  EXPECT_EQ(echo_reply["dir"], "in");
  EXPECT_EQ(find_json("request", "command", "echo")["dir"], "out");
  EXPECT_EQ(find_json("event", "event", "telemetry")["payload"], (nlohmann::json{{"n", 5}, {"temps", {1, -2}}}));
  EXPECT_EQ(decoded.back()["error"], "too_short");
  EXPECT_EQ(decoded.back()["raw"], "05 01 02 03 04");
  const auto t = tap.latest("event.telemetry");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->schema_name, "telemetry");
  EXPECT_EQ(core::decode<Sample>(t->value, core::endian::little).temps, (std::vector<std::int16_t>{1, -2}));
}

}  // namespace bridge_tests
