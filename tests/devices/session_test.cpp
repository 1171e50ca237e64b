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
#include "devices/test_framing.hpp"
#include "support/pty.hpp"

namespace session_test {

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

// ---- Reply matching other than by sequence number, addresses, no describe ------------------

namespace matching_tests {

using transport::reply_match;

// Traits of a device protocol: replies matched by `mode`, no sequence numbers
// on the wire (the test framing carries the device address in their place).
transport::framing_traits foreign(reply_match mode) {
  transport::framing_traits t;
  t.replies = mode;
  t.max_sequence = 0;
  t.has_address = true;
  t.default_address = 1;
  t.broadcast_address = 0;
  t.has_kind = true;
  t.describe = false;
  t.name = "test";
  return t;
}

devices::session_options with_framing(reply_match mode, std::optional<std::uint16_t> address = {}) {
  devices::session_options o;
  o.framing = test::traits_framing::factory(foreign(mode), false);
  o.address = address;
  return o;
}

// Runs everything the io thread has been given so far (it runs on one thread, in order).
void sync(boost::asio::io_context& io) {
  std::promise<void> done;
  boost::asio::post(io, [&] { done.set_value(); });
  done.get_future().wait();
}

// A peer that holds every request until released, then answers each at once
// (the echo payload back, with reply command `reply_command`, or the request's when 0xFFFF).
struct held_peer {
  std::atomic<bool> released = false;
  std::vector<std::pair<transport::frame_header, std::vector<std::uint8_t>>> held;
  std::uint16_t reply_command = 0xFFFF;
  void answer(scripted_peer& p, const transport::frame_header& h, const std::vector<std::uint8_t>& payload) {
    p.write(frame_kind::response, reply_command == 0xFFFF ? h.command : reply_command, h.sequence, payload);
  }
  scripted_peer::request_handler handler() {
    return [this](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
      if (released) return answer(p, h, payload);
      held.emplace_back(h, std::move(payload));
    };
  }
  // On the io thread: answer what is held, and every request from now on.
  void release(scripted_peer& p) {
    released = true;
    for (auto& [h, payload] : held) answer(p, h, payload);
    held.clear();
  }
};

TEST_F(loopback_fixture, by_order_one_request_is_outstanding_and_the_others_wait_their_turn_in_call_order) {
  held_peer device;
  device.reply_command = 0;  // by order, the reply's command is not compared (a line framing's is 0)
  start(device.handler(), with_framing(reply_match::order));
  std::vector<std::future<std::uint32_t>> futures;
  for (std::uint32_t i = 0; i < 4; ++i) futures.push_back(host->request_async<Echo>(100 + i));
  ASSERT_TRUE(peer->wait_for_requests(1));
  sync(t.io);
  EXPECT_EQ(host->stats().requests, 1u);  // the other three wait in the session, unwritten
  boost::asio::post(t.io, [&] { device.release(*peer); });
  for (std::uint32_t i = 0; i < 4; ++i) EXPECT_EQ(futures[i].get(), 100 + i);
  const auto seen = peer->received();
  ASSERT_EQ(seen.size(), 4u);
  for (const auto& h : seen) {
    EXPECT_EQ(h.command, Echo::id);
    EXPECT_EQ(h.sequence, 1u);  // the test framing's address field: the framing's default address
  }
  const auto st = host->stats();
  EXPECT_EQ(st.requests, 4u);
  EXPECT_EQ(st.replies, 4u);
  EXPECT_EQ(st.late_replies, 0u);
}

TEST_F(loopback_fixture, by_order_a_timed_out_request_lets_the_next_one_go) {
  std::atomic<int> n = 0;
  start(
      [&](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
        if (++n > 1) p.write(frame_kind::response, h.command, h.sequence, payload);  // the first gets no answer
      },
      with_framing(reply_match::order));
  auto first = host->request_async<Echo>(1, 40ms);
  auto second = host->request_async<Echo>(2);  // waits behind the first until it times out
  EXPECT_EQ(error_kind_of([&] { first.get(); }), request_errc::timeout);
  EXPECT_EQ(second.get(), 2u);
  EXPECT_EQ(host->stats().timeouts, 1u);
}

TEST_F(loopback_fixture, by_command_a_reply_for_another_command_is_not_handed_over) {
  start(
      [](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
        p.write(frame_kind::response, GetInfo::id, h.sequence, core::encode(Info{}));  // another command's
        p.write(frame_kind::response, h.command, h.sequence, payload);
      },
      with_framing(reply_match::command));
  EXPECT_EQ(host->request<Echo>(6), 6u);
  EXPECT_EQ(host->stats().mismatched_replies, 1u);
  EXPECT_EQ(host->stats().replies, 1u);
}

TEST_F(loopback_fixture, by_address_and_command_requests_go_to_the_chosen_address_and_other_devices_replies_are_dropped) {
  start(
      [](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
        p.write(frame_kind::response, h.command, 8, le(888));                    // device 8, same command
        p.write(frame_kind::response, h.command, h.sequence, payload);          // the device asked
      },
      with_framing(reply_match::address_command, 7));
  EXPECT_EQ(host->request<Echo>(77), 77u);
  ASSERT_EQ(peer->received().size(), 1u);
  EXPECT_EQ(peer->received()[0].sequence, 7u);  // the address, in the test framing's sequence field
  EXPECT_EQ(host->stats().mismatched_replies, 1u);
  EXPECT_EQ(host->request<Echo>(78), 78u);
  EXPECT_EQ(host->stats().mismatched_replies, 2u);
  EXPECT_EQ(host->stats().replies, 2u);
}

TEST_F(loopback_fixture, a_reply_while_no_request_is_outstanding_is_late) {
  start(
      [](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
        p.write(frame_kind::response, h.command, h.sequence, payload);
        p.write(frame_kind::response, GetInfo::id, h.sequence, core::encode(Info{}));  // nobody waits for it
      },
      with_framing(reply_match::command));
  EXPECT_EQ(host->request<Echo>(1), 1u);
  for (int i = 0; i < 3000 && host->stats().decoder.frames < 2; ++i) std::this_thread::sleep_for(1ms);  // watchdog
  ASSERT_EQ(host->stats().decoder.frames, 2u);
  EXPECT_EQ(host->stats().late_replies, 1u);
  EXPECT_EQ(host->stats().mismatched_replies, 0u);
}

TEST_F(loopback_fixture, a_request_to_the_broadcast_address_completes_when_written_and_awaits_no_reply) {
  start([](scripted_peer&, const transport::frame_header&, std::vector<std::uint8_t>) {},
        with_framing(reply_match::address_command, 0));
  EXPECT_EQ(host->request<SetLed>({1, {2, 3, 4}}, 10s), core::null{});
  ASSERT_TRUE(peer->wait_for_requests(1));
  EXPECT_EQ(peer->received()[0].sequence, 0u);  // address 0
  EXPECT_EQ(peer->received()[0].command, SetLed::id);
  const auto st = host->stats();
  EXPECT_EQ(st.broadcasts, 1u);
  EXPECT_EQ(st.requests, 1u);
  EXPECT_EQ(st.timeouts, 0u);
}

TEST_F(loopback_fixture, sequence_numbers_wrap_at_the_largest_the_framing_holds) {
  auto traits = foreign(reply_match::sequence);
  traits.max_sequence = 3;
  devices::session_options o;
  o.framing = test::traits_framing::factory(traits, true);
  start(well_behaved, o);
  for (std::uint32_t i = 0; i < 7; ++i) EXPECT_EQ(host->request<Echo>(i), i);
  std::vector<std::uint16_t> seqs;
  for (const auto& h : peer->received()) seqs.push_back(h.sequence);
  EXPECT_EQ(seqs, (std::vector<std::uint16_t>{1, 2, 3, 1, 2, 3, 1}));
}

TEST_F(loopback_fixture, another_framings_error_reply_is_a_device_error_with_its_code_and_the_codes_name) {
  start(
      [](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t>) {
        const std::string name = "illegal_data_address";
        // The test framing reads error payloads as comframe's (framing::read_error's default).
        std::vector<std::uint8_t> e{2, 0};
        e.insert(e.end(), name.begin(), name.end());
        p.write(frame_kind::error, h.command, h.sequence, e);
      },
      with_framing(reply_match::address_command));
  try {
    host->request<Echo>(1);
    FAIL() << "no error";
  } catch (const devices::request_error& e) {
    EXPECT_EQ(e.kind(), request_errc::device_error);
    EXPECT_EQ(e.device_code(), 2u);
    EXPECT_STREQ(e.what(), "[devices.device_error] echo: device error 2 (illegal_data_address)");
  }
  EXPECT_EQ(host->stats().error_replies, 1u);
}

TEST_F(loopback_fixture, a_framing_without_describe_says_the_profile_must_come_from_a_file) {
  start(well_behaved, with_framing(reply_match::command));
  EXPECT_FALSE(host->framing_traits().describe);
  try {
    (void)host->fetch_profile();
    FAIL() << "fetched";
  } catch (const comframe::error& e) {
    EXPECT_EQ(e.id(), "devices.no_describe");
    EXPECT_NE(std::string(e.what()).find("its profile must come from a file (--profile FILE"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(peer->received().size(), 0u);  // nothing was asked of the device
}

// A device that answers describe with `text` as its profile text and `hash` as
// its hash, chunk by chunk as asked.
scripted_peer::request_handler describes(std::string text, std::uint64_t hash) {
  return [text, hash](scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
    if (h.kind != frame_kind::request || h.command != devices::builtin::describe::id) return;
    const auto q = core::decode<devices::builtin::describe_request>(payload, core::endian::little);
    devices::builtin::describe_response r{hash, static_cast<std::uint32_t>(text.size()), {}};
    if (q.offset < text.size())
      r.chunk.assign(text.begin() + q.offset,
                     text.begin() + q.offset + std::min<std::size_t>(q.max_bytes, text.size() - q.offset));
    p.write(frame_kind::response, h.command, h.sequence, core::encode(r, core::endian::little));
  };
}

const devices::profile& small_profile() {
  static const auto p = devices::profile::of<GetInfo, Echo, SetLed, Telemetry>("small", "1.0");
  return p;
}

TEST_F(loopback_fixture, a_profile_fetched_chunk_by_chunk_is_the_devices) {
  start(describes(small_profile().to_json().dump(), small_profile().hash()));
  EXPECT_EQ(host->fetch_profile(), small_profile());
}

// Found by fuzz/describe_reply_fuzz.cpp: a profile text that does not load was
// thrown as the loader's profile_error, not as the request_error fetch_profile promises.
TEST_F(loopback_fixture, a_profile_text_that_does_not_load_is_a_bad_reply) {
  std::string text = small_profile().to_json().dump();
  text[text.find("\"commands\"") + 1] = 'k';  // "kommands": an unknown key
  start(describes(text, small_profile().hash()));
  try {
    (void)host->fetch_profile();
    FAIL() << "fetched";
  } catch (const devices::request_error& e) {
    EXPECT_EQ(e.kind(), request_errc::bad_reply);
    EXPECT_NE(std::string(e.what()).find("describe: the device's profile text does not load: [devices.profile]"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(loopback_fixture, a_profile_text_of_another_hash_is_a_bad_reply) {
  start(describes(small_profile().to_json().dump(), small_profile().hash() ^ 1));
  try {
    (void)host->fetch_profile();
    FAIL() << "fetched";
  } catch (const devices::request_error& e) {
    EXPECT_EQ(e.kind(), request_errc::bad_reply);
    EXPECT_STREQ(e.what(), "[devices.bad_reply] describe: the device's profile text does not match the hash it reports");
  }
}

TEST_F(loopback_fixture, losing_the_link_fails_the_outstanding_request_and_those_waiting_behind_it) {
  held_peer device;
  start(device.handler(), with_framing(reply_match::order));
  auto a = host->request_async<Echo>(1, 10s);
  auto b = host->request_async<Echo>(2, 10s);
  ASSERT_TRUE(peer->wait_for_requests(1));
  sync(t.io);
  peer->close();
  EXPECT_EQ(error_kind_of([&] { a.get(); }), request_errc::link_lost);
  EXPECT_EQ(error_kind_of([&] { b.get(); }), request_errc::link_lost);
}

}  // namespace matching_tests

namespace framing_from_profile {

using namespace comframe;
using namespace std::chrono_literals;

// A session whose framing comes from its expected profile measures payloads in
// the profile's byte order: a big-endian u16 count of 2 elements, read
// little-endian, would be 512 and the reply would never end.
TEST(session_with_a_profiles_framing, measures_a_count_field_in_the_profiles_byte_order) {
  auto p = std::make_shared<const devices::profile>(devices::profile::parse(R"({
    "comframe_profile": 1, "device": "regs", "version": "1", "endian": "big",
    "framing": {"delimiting": {"kind": "schema_length"},
                "header": {"type": {"struct": [{"name": "address", "type": "u8"}, {"name": "function", "type": "u8"}]},
                           "roles": {"address": "address", "command": "function"}},
                "check": {"type": "CRC-16/MODBUS"}, "address": 1},
    "commands": [{"id": 3, "name": "read", "request": "u16[2]",
                  "response": {"struct": [{"name": "n", "type": "u16"},
                                          {"name": "values", "type": "u16[]", "count": "n"}]}}],
    "events": []})"));
  test::io_thread t;
  const std::string url = "loop://measures_a_count_field_in_the_profiles_byte_order";
  devices::session_options o;
  o.expected_profile = p;
  o.payload_endian = p->payload_endian();
  o.timeout = 5000ms;
  devices::session host(t.io, url, o);
  test::scripted_peer peer(t.io, transport::open_link(t.io, url), nullptr);
  auto reply = host.request_json_async(*p, "read", {0, 2});
  // Posted after the request: the reply is written once the request is outstanding.
  peer.write_raw({0x01, 0x03, 0x00, 0x02, 0x00, 0x0A, 0x00, 0x0B, 0xAA, 0xC2});
  EXPECT_EQ(reply.get(), (nlohmann::json{{"n", 2}, {"values", {10, 11}}}));
  EXPECT_EQ(host.stats().decoder.errors(), 0u);
}

}  // namespace framing_from_profile

}  // namespace

}  // namespace session_test
