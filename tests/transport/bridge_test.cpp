// The shared-memory bridge within one process: records, laps, latest values,
// names, liveness. tests/transport/bridge_process_test.cpp has the
// multi-process cases.
#include "comframe/transport/bridge.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using namespace comframe::transport;
using namespace comframe::transport::bridge;
using namespace std::chrono_literals;
using bytes = std::vector<std::uint8_t>;

// A bus name of its own for each test, so tests may run in parallel.
std::string unique_name(const char* what) { return std::string("test-") + what + "-" + std::to_string(::getpid()); }

bytes numbered(std::uint64_t n, std::size_t size) {
  bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(n + i);
  return b;
}

std::string error_id(auto&& f) {
  try {
    f();
  } catch (const bridge_error& e) {
    return std::string(e.id()) + ": " + e.what();
  }
  return "no error";
}

TEST(bridge, subscriber_reads_every_record_in_order_with_its_fields) {
  publisher bus(unique_name("order"));
  subscriber tap(bus.name());
  for (std::uint64_t i = 0; i < 100; ++i)
    EXPECT_EQ(bus.publish(i % 2 ? direction::from_device : direction::to_device, numbered(i, i % 37), 3, 0,
                          std::nullopt, 1000 + i),
              i);
  for (std::uint64_t i = 0; i < 100; ++i) {
    const auto r = tap.next(1s);
    ASSERT_EQ(r.status, read_status::record) << i;
    EXPECT_EQ(r.lost, 0u);
    EXPECT_EQ(r.rec.sequence, i);
    EXPECT_EQ(r.rec.time_ns, 1000 + i);
    EXPECT_EQ(r.rec.link_id, 3);
    EXPECT_EQ(r.rec.dir, i % 2 ? direction::from_device : direction::to_device);
    EXPECT_EQ(bytes(r.rec.bytes.begin(), r.rec.bytes.end()), numbered(i, i % 37));
  }
  EXPECT_EQ(tap.next(1ms).status, read_status::timeout);
  EXPECT_EQ(tap.stats().records, 100u);
}

TEST(bridge, published_frame_reads_back_as_its_header_and_payload) {
  publisher bus(unique_name("frame"));
  subscriber tap(bus.name());
  const frame_header h{.kind = frame_kind::event, .command = 0x8001, .sequence = 0};
  const bytes payload{1, 2, 3};
  bus.publish_frame(direction::from_device, h, payload);
  const auto r = tap.next(1s);
  ASSERT_EQ(r.status, read_status::record);
  EXPECT_EQ(bytes(r.rec.bytes.begin(), r.rec.bytes.end()), frame_bytes(h, payload));
  const auto f = r.rec.frame();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->header, h);
  EXPECT_EQ(bytes(f->payload.begin(), f->payload.end()), payload);
}

TEST(bridge, refused_frame_keeps_its_raw_bytes_and_why) {
  publisher bus(unique_name("refused"));
  subscriber tap(bus.name());
  bus.publish(direction::from_device, bytes{5, 6, 7}, 0, refused, frame_error::crc);
  const auto r = tap.next(1s);
  ASSERT_EQ(r.status, read_status::record);
  EXPECT_EQ(r.rec.flags, refused);
  EXPECT_EQ(r.rec.error, frame_error::crc);
  EXPECT_FALSE(r.rec.frame().has_value());
}

TEST(bridge, new_subscriber_starts_after_the_records_already_published_unless_asked_for_the_oldest) {
  publisher bus(unique_name("start"));
  for (int i = 0; i < 5; ++i) bus.publish(direction::to_device, numbered(i, 8));
  subscriber late(bus.name());
  subscriber oldest(bus.name(), {.from_oldest = true});
  bus.publish(direction::to_device, numbered(5, 8));
  auto r = late.next(1s);
  ASSERT_EQ(r.status, read_status::record);
  EXPECT_EQ(r.rec.sequence, 5u);
  r = oldest.next(1s);
  ASSERT_EQ(r.status, read_status::record);
  EXPECT_EQ(r.rec.sequence, 0u);
}

TEST(bridge, lapped_subscriber_is_told_exactly_how_many_records_it_lost) {
  publisher bus(unique_name("lap"), {.ring_bytes = 4096, .max_record_bytes = 1024});
  subscriber tap(bus.name());
  for (std::uint64_t i = 0; i < 1000; ++i) bus.publish(direction::to_device, numbered(i, 1 + i % 100));
  std::uint64_t seen = 0, lost = 0, expected = 0;
  for (;;) {
    const auto r = tap.next(1ms);
    if (r.status == read_status::timeout) break;
    ASSERT_EQ(r.status, read_status::record);
    EXPECT_EQ(r.rec.sequence, expected + r.lost);
    EXPECT_EQ(bytes(r.rec.bytes.begin(), r.rec.bytes.end()), numbered(r.rec.sequence, 1 + r.rec.sequence % 100));
    expected = r.rec.sequence + 1;
    lost += r.lost;
    ++seen;
  }
  EXPECT_GT(lost, 0u);
  EXPECT_EQ(seen + lost, 1000u);
  EXPECT_EQ(tap.stats().lost, lost);
  EXPECT_EQ(tap.stats().gaps, 1u);
}

// 30 records of 136 bytes fill a 4 KiB ring but for 16 bytes at its end, too
// few for a header. Lapped twice, the subscriber finds the oldest record left
// right after those 16 bytes; it once skipped them, forgot that it had been
// lapped and reported "corrupt" (sequence 30, expected 0).
TEST(bridge, lapped_subscriber_counts_its_loss_when_the_oldest_record_follows_the_rings_unused_end) {
  publisher bus(unique_name("padlap"), {.ring_bytes = 4096, .max_record_bytes = 1024});
  subscriber tap(bus.name());
  for (int i = 0; i < 60; ++i) bus.publish(direction::to_device, std::vector<std::uint8_t>(100, 7));
  auto r = tap.next(1s);
  ASSERT_EQ(r.status, read_status::record);
  EXPECT_EQ(r.lost, 30u);
  EXPECT_EQ(r.rec.sequence, 30u);
  for (std::uint64_t seq = 31; seq < 60; ++seq) {
    r = tap.next(1s);
    ASSERT_EQ(r.status, read_status::record);
    EXPECT_EQ(r.lost, 0u);
    EXPECT_EQ(r.rec.sequence, seq);
  }
  EXPECT_EQ(tap.stats().lost, 30u);
}

TEST(bridge, record_over_the_maximum_is_cut_and_flagged) {
  publisher bus(unique_name("cut"), {.ring_bytes = 4096, .max_record_bytes = 100});
  subscriber tap(bus.name());
  bus.publish(direction::to_device, numbered(0, 300));
  const auto r = tap.next(1s);
  ASSERT_EQ(r.status, read_status::record);
  EXPECT_EQ(r.rec.bytes.size(), 100u);
  EXPECT_EQ(r.rec.flags, truncated);
}

TEST(bridge, latest_values_are_kept_by_key_with_their_schema_name) {
  publisher bus(unique_name("latest"), {.latest_slots = 2, .latest_value_bytes = 64});
  subscriber tap(bus.name());
  EXPECT_FALSE(tap.latest("profile").has_value());
  bus.set_latest("profile", "comframe.profile", std::string_view("{}"));
  bus.set_latest("event.telemetry", "telemetry", bytes{1, 2});
  bus.set_latest("event.telemetry", "telemetry", bytes{3, 4, 5});
  const auto v = tap.latest("event.telemetry");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->schema_name, "telemetry");
  EXPECT_EQ(v->value, (bytes{3, 4, 5}));
  EXPECT_EQ(v->version, 2u);
  EXPECT_EQ(tap.latest("profile")->value, (bytes{'{', '}'}));
  EXPECT_EQ(tap.latest_keys(), (std::vector<std::string>{"profile", "event.telemetry"}));
  EXPECT_EQ(error_id([&] { bus.set_latest("third", "", bytes{}); }),
            "transport.bridge.usage: no latest-value slot left for \"third\": all 2 hold other keys");
  EXPECT_EQ(error_id([&] { bus.set_latest("profile", "", bytes(65)); }),
            "transport.bridge.usage: latest value \"profile\" has 65 bytes, over the bus's 64");
}

TEST(bridge, names_outside_the_allowed_characters_are_refused) {
  for (const char* bad : {"", ".hidden", "a/b", "a b", "../x"})
    EXPECT_EQ(error_id([&] { publisher p(bad); }).substr(0, 22), "transport.bridge.name:") << bad;
  EXPECT_EQ(error_id([] { publisher p(std::string(65, 'a')); }).substr(0, 22), "transport.bridge.name:");
  EXPECT_EQ(error_id([] { check_name("lab-1_A.b"); }), "no error");
}

TEST(bridge, segment_is_created_0600_unless_configured) {
  {
    publisher bus(unique_name("mode"));
    struct stat st{};
    ASSERT_EQ(::stat(segment_path(bus.name()).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  publisher bus(unique_name("mode"), {.mode = 0640});
  struct stat st{};
  ASSERT_EQ(::stat(segment_path(bus.name()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(bridge, second_publisher_on_a_live_name_is_refused) {
  publisher bus(unique_name("live"));
  EXPECT_EQ(error_id([&] { publisher again(bus.name()); }),
            "transport.bridge.in_use: bridge \"" + bus.name() + "\" is in use by pid " + std::to_string(::getpid()) +
                " (" + segment_path(bus.name()) + ")");
}

TEST(bridge, missing_bus_is_reported_by_name) {
  EXPECT_EQ(error_id([] { subscriber s("no-such-bus-here"); }),
            "transport.bridge.not_found: no bridge \"no-such-bus-here\" (/dev/shm/comframe.no-such-bus-here): is its "
            "publisher running?");
}

TEST(bridge, subscriber_is_told_when_the_publisher_closes_and_when_a_new_one_starts) {
  const std::string name = unique_name("restart");
  auto bus = std::make_unique<publisher>(name);
  subscriber tap(name);
  bus->publish(direction::to_device, numbered(0, 4));
  bus.reset();
  auto r = tap.next(1s);
  ASSERT_EQ(r.status, read_status::record);  // what it published before it closed
  r = tap.next(5s);
  ASSERT_EQ(r.status, read_status::publisher_gone);
  EXPECT_EQ(r.detail, "publisher pid " + std::to_string(::getpid()) + " closed the bus");
  EXPECT_EQ(::access(segment_path(name).c_str(), F_OK), -1);  // removed
  publisher again(name);
  again.publish(direction::from_device, numbered(9, 4));
  r = tap.next(5s);
  ASSERT_EQ(r.status, read_status::publisher_restarted);
  r = tap.next(1s);
  ASSERT_EQ(r.status, read_status::record);
  EXPECT_EQ(r.rec.sequence, 0u);
  EXPECT_EQ(bytes(r.rec.bytes.begin(), r.rec.bytes.end()), numbered(9, 4));
  EXPECT_EQ(tap.stats().publishers, 2u);
}

}  // namespace
