// The shared-memory bridge within one process: records, laps, latest values,
// names, liveness. tests/transport/bridge_process_test.cpp has the
// multi-process cases.
#include "comframe/transport/bridge.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace bridge_test {

namespace {

using namespace comframe::transport;
using namespace comframe::transport::bridge;
using namespace std::chrono_literals;
using bytes = std::vector<std::uint8_t>;

// A bridge name of its own for each test, so tests may run in parallel.
std::string unique_name(const char* what) { return std::string("test-") + what + "-" + std::to_string(::getpid()); }

bytes numbered(std::uint64_t n, std::size_t size) {
  bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(n + i);
  return b;
}

// "id: detail" of the error `f` throws (a bridge_error, or a usage_error for bad arguments).
// "id: " and the rest of what(): the location, if any, and the detail.
std::string error_id(auto&& f) {
  try {
    f();
  } catch (const comframe::error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("[" + e.id() + "] ", 0), 0u) << what;
    return e.id() + ": " + what.substr(e.id().size() + 3);
  }
  return "no error";
}

TEST(bridge, subscriber_reads_every_record_in_order_with_its_fields) {
  publisher bridge(unique_name("order"));
  subscriber tap(bridge.name());
  for (std::uint64_t i = 0; i < 100; ++i)
    EXPECT_EQ(bridge.publish(i % 2 ? direction::from_device : direction::to_device, numbered(i, i % 37), 3, 0,
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

TEST(bridge, a_spinning_subscriber_reads_every_record_another_thread_publishes) {
  publisher bridge(unique_name("spin-order"));
  subscriber tap(bridge.name(), {.spin = 50us});
  std::thread writer([&] {
    for (std::uint64_t i = 0; i < 2000; ++i) bridge.publish(direction::from_device, numbered(i, 16));
  });
  for (std::uint64_t i = 0; i < 2000; ++i) {
    const auto r = tap.next(10s);  // a watchdog, not a time limit
    ASSERT_EQ(r.status, read_status::record) << i;
    ASSERT_EQ(r.lost, 0u);
    ASSERT_EQ(r.rec.sequence, i);
    ASSERT_EQ(bytes(r.rec.bytes.begin(), r.rec.bytes.end()), numbered(i, 16));
  }
  writer.join();
  EXPECT_LE(tap.stats().spins_found, tap.stats().spins);
}

TEST(bridge, a_spinning_subscriber_with_nothing_to_read_ends_its_wait_on_the_futex) {
  publisher bridge(unique_name("spin-idle"));
  subscriber tap(bridge.name(), {.spin = 50us});
  // Each wait spins at most once, then sleeps; a wait may end in its spin only
  // if the thread lost the core past the wait's deadline, so a few are allowed.
  for (int i = 0; i < 20 && tap.stats().sleeps == 0; ++i) ASSERT_EQ(tap.next(50ms).status, read_status::timeout);
  EXPECT_GE(tap.stats().sleeps, 1u);
  EXPECT_EQ(tap.stats().spins_found, 0u);
}

TEST(bridge, a_subscriber_whose_spins_find_nothing_stops_spinning) {
  publisher bridge(unique_name("spin-backoff"));
  subscriber tap(bridge.name(), {.spin = 50us});
  for (int i = 0; i < 20; ++i) ASSERT_EQ(tap.next(1ms).status, read_status::timeout);
  // Spins that run out halve the budget (50, 25, … 3.1 us, then none) and
  // then only a probe after 8 waits spins (adaptive_spin_test.cpp): at most 6
  // of these 20 waits spin, fewer when a spin loses the core.
  EXPECT_GE(tap.stats().spins, 1u);
  EXPECT_LE(tap.stats().spins, 6u);
  EXPECT_EQ(tap.stats().spins_found, 0u);
}

TEST(bridge, published_frame_reads_back_as_its_header_and_payload) {
  publisher bridge(unique_name("frame"));
  subscriber tap(bridge.name());
  const frame_header h{.kind = frame_kind::event, .command = 0x8001, .sequence = 0};
  const bytes payload{1, 2, 3};
  bridge.publish_frame(direction::from_device, h, payload);
  const auto r = tap.next(1s);
  ASSERT_EQ(r.status, read_status::record);
  EXPECT_EQ(bytes(r.rec.bytes.begin(), r.rec.bytes.end()), frame_bytes(h, payload));
  const auto f = r.rec.frame();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->header, h);
  EXPECT_EQ(bytes(f->payload.begin(), f->payload.end()), payload);
}

TEST(bridge, refused_frame_keeps_its_raw_bytes_and_why) {
  publisher bridge(unique_name("refused"));
  subscriber tap(bridge.name());
  bridge.publish(direction::from_device, bytes{5, 6, 7}, 0, refused, frame_error::crc);
  const auto r = tap.next(1s);
  ASSERT_EQ(r.status, read_status::record);
  EXPECT_EQ(r.rec.flags, refused);
  EXPECT_EQ(r.rec.error, frame_error::crc);
  EXPECT_FALSE(r.rec.frame().has_value());
}

TEST(bridge, new_subscriber_starts_after_the_records_already_published_unless_asked_for_the_oldest) {
  publisher bridge(unique_name("start"));
  for (int i = 0; i < 5; ++i) bridge.publish(direction::to_device, numbered(i, 8));
  subscriber late(bridge.name());
  subscriber oldest(bridge.name(), {.from_oldest = true});
  bridge.publish(direction::to_device, numbered(5, 8));
  auto r = late.next(1s);
  ASSERT_EQ(r.status, read_status::record);
  EXPECT_EQ(r.rec.sequence, 5u);
  r = oldest.next(1s);
  ASSERT_EQ(r.status, read_status::record);
  EXPECT_EQ(r.rec.sequence, 0u);
}

TEST(bridge, lapped_subscriber_is_told_exactly_how_many_records_it_lost) {
  publisher bridge(unique_name("lap"), {.ring_bytes = 4096, .max_record_bytes = 1024});
  subscriber tap(bridge.name());
  for (std::uint64_t i = 0; i < 1000; ++i) bridge.publish(direction::to_device, numbered(i, 1 + i % 100));
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

// 30 records of 136 bytes (96 of data) fill a 4 KiB ring but for 16 bytes at its end, too
// few for a header. Lapped twice, the subscriber finds the oldest record left
// right after those 16 bytes; it once skipped them, forgot that it had been
// lapped and reported "corrupt" (sequence 30, expected 0).
TEST(bridge, lapped_subscriber_counts_its_loss_when_the_oldest_record_follows_the_rings_unused_end) {
  publisher bridge(unique_name("padlap"), {.ring_bytes = 4096, .max_record_bytes = 1024});
  subscriber tap(bridge.name());
  for (int i = 0; i < 60; ++i) bridge.publish(direction::to_device, std::vector<std::uint8_t>(96, 7));
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
  publisher bridge(unique_name("cut"), {.ring_bytes = 4096, .max_record_bytes = 100});
  subscriber tap(bridge.name());
  bridge.publish(direction::to_device, numbered(0, 300));
  const auto r = tap.next(1s);
  ASSERT_EQ(r.status, read_status::record);
  EXPECT_EQ(r.rec.bytes.size(), 100u);
  EXPECT_EQ(r.rec.original_length, 300u);
  EXPECT_EQ(r.rec.flags, truncated);
  EXPECT_EQ(bytes(r.rec.bytes.begin(), r.rec.bytes.end()), numbered(0, 100));
  // A refused frame over the maximum is cut too, and stays refused with its reason.
  bridge.publish(direction::from_device, numbered(1, 150), 0, refused, frame_error::oversize);
  const auto cut = tap.next(1s);
  ASSERT_EQ(cut.status, read_status::record);
  EXPECT_EQ(cut.rec.flags, refused | truncated);
  EXPECT_EQ(cut.rec.original_length, 150u);
  EXPECT_EQ(cut.rec.error, frame_error::oversize);
  // Only the publisher cuts: a caller's truncated bit is not taken.
  bridge.publish(direction::from_device, numbered(2, 10), 0, truncated);
  const auto whole = tap.next(1s);
  EXPECT_EQ(whole.rec.flags, 0);
  EXPECT_EQ(whole.rec.original_length, 10u);
}

// A profile of 24,421 bytes (a 250-command device) did not fit a 16 KiB slot
// and was dropped without a word.
TEST(bridge, profile_larger_than_any_slot_is_kept_in_its_own_region) {
  publisher bridge(unique_name("profile"), {.latest_slots = 2, .latest_value_bytes = 64, .profile_bytes = 30000});
  subscriber tap(bridge.name());
  EXPECT_FALSE(tap.profile().has_value());
  std::string text(24421, 'p');
  text.front() = '{';
  text.back() = '}';
  bridge.set_profile(text);
  EXPECT_EQ(tap.profile(), text);
  bridge.set_profile("{}");
  EXPECT_EQ(tap.profile(), "{}");
  EXPECT_EQ(tap.refused(), 0u);
}

TEST(bridge, values_the_publisher_cannot_store_are_refused_and_counted_in_the_segment) {
  publisher bridge(unique_name("refusals"), {.latest_slots = 1, .latest_value_bytes = 8, .profile_bytes = 16});
  subscriber tap(bridge.name());
  EXPECT_EQ(error_id([&] { bridge.set_profile(std::string(17, 'x')); }),
            "transport.bridge.usage: the profile's 17 bytes are over the bridge's profile region of 16 "
            "(publisher_options::profile_bytes)");
  EXPECT_EQ(error_id([&] { bridge.set_latest("k", "", bytes(9)); }),
            "transport.bridge.usage: latest value \"k\" has 9 bytes, over the bridge's 8");
  EXPECT_EQ(error_id([&] { bridge.set_latest(std::string(48, 'k'), "", bytes(1)); }),
            "transport.bridge.usage: latest-value key \"" + std::string(48, 'k') +
                "\" is not 1 to 47 bytes (it has 48)");
  bridge.set_latest("a", "", bytes(1));
  EXPECT_EQ(error_id([&] { bridge.set_latest("b", "", bytes(1)); }),
            "transport.bridge.usage: no latest-value slot left for \"b\": all 1 hold other keys");
  EXPECT_EQ(bridge.refused(), 4u);
  EXPECT_EQ(tap.refused(), 4u);
  EXPECT_FALSE(tap.profile().has_value());
}

TEST(bridge, a_47_byte_key_reads_back_whole_and_is_followed_by_a_nul) {
  publisher bridge(unique_name("key47"), {.latest_slots = 1, .latest_value_bytes = 8, .profile_bytes = 0});
  subscriber tap(bridge.name());
  const std::string key(47, 'k');
  bridge.set_latest(key, std::string(47, 's'), bytes{1});
  const auto v = tap.latest(key);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->schema_name, std::string(47, 's'));
  EXPECT_EQ(tap.latest_keys(), std::vector<std::string>{key});
}

TEST(bridge, latest_slots_may_be_zero) {
  publisher bridge(unique_name("noslots"), {.latest_slots = 0});
  subscriber tap(bridge.name());
  EXPECT_EQ(error_id([&] { bridge.set_latest("a", "", bytes(1)); }),
            "transport.bridge.usage: no latest-value slot left for \"a\": all 0 hold other keys");
  EXPECT_TRUE(tap.latest_keys().empty());
}

TEST(bridge, latest_values_are_kept_by_key_with_their_schema_name) {
  publisher bridge(unique_name("latest"), {.latest_slots = 2, .latest_value_bytes = 64});
  subscriber tap(bridge.name());
  EXPECT_FALSE(tap.latest("profile").has_value());
  bridge.set_latest("profile", "comframe.profile", std::string_view("{}"));
  bridge.set_latest("event.telemetry", "telemetry", bytes{1, 2});
  bridge.set_latest("event.telemetry", "telemetry", bytes{3, 4, 5});
  const auto v = tap.latest("event.telemetry");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->schema_name, "telemetry");
  EXPECT_EQ(v->value, (bytes{3, 4, 5}));
  EXPECT_EQ(v->version, 2u);
  EXPECT_EQ(tap.latest("profile")->value, (bytes{'{', '}'}));
  EXPECT_EQ(tap.latest_keys(), (std::vector<std::string>{"profile", "event.telemetry"}));
  EXPECT_EQ(error_id([&] { bridge.set_latest("third", "", bytes{}); }),
            "transport.bridge.usage: no latest-value slot left for \"third\": all 2 hold other keys");
  EXPECT_EQ(error_id([&] { bridge.set_latest("profile", "", bytes(65)); }),
            "transport.bridge.usage: latest value \"profile\" has 65 bytes, over the bridge's 64");
}

TEST(bridge, names_outside_the_allowed_characters_are_refused) {
  for (const char* bad : {"", ".hidden", "a/b", "a b", "../x"})
    EXPECT_EQ(error_id([&] { publisher p(bad); }).substr(0, 22), "transport.bridge.name:") << bad;
  EXPECT_EQ(error_id([] { publisher p(std::string(65, 'a')); }).substr(0, 22), "transport.bridge.name:");
  EXPECT_EQ(error_id([] { check_name("lab-1_A.b"); }), "no error");
}

// A 1 MB name was echoed whole; control characters raw.
TEST(bridge, a_refused_name_is_echoed_cut_and_escaped) {
  EXPECT_EQ(error_id([] { check_name(std::string(1000000, 'a')); }),
            "transport.bridge.name: bridge name \"" + std::string(64, 'a') +
                "\" (cut: 64 of 1000000 bytes shown) is not allowed: use 1 to 64 letters, digits, '.', '-' or '_', "
                "not starting with '.'");
  EXPECT_EQ(error_id([] { check_name("a\x1b[2Jb"); }).substr(0, 46), "transport.bridge.name: bridge name \"a\\x1b[2Jb\"");
}

TEST(bridge, segment_is_created_0600_unless_configured) {
  {
    publisher bridge(unique_name("mode"));
    struct stat st{};
    ASSERT_EQ(::stat(segment_path(bridge.name()).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  publisher bridge(unique_name("mode"), {.mode = 0640});
  struct stat st{};
  ASSERT_EQ(::stat(segment_path(bridge.name()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(bridge, second_publisher_on_a_live_name_is_refused) {
  publisher bridge(unique_name("live"));
  EXPECT_EQ(error_id([&] { publisher again(bridge.name()); }),
            "transport.bridge.in_use: bridge \"" + bridge.name() + "\" is in use by pid " + std::to_string(::getpid()) +
                " (" + segment_path(bridge.name()) + ")");
}

TEST(bridge, missing_bridge_is_reported_by_name) {
  EXPECT_EQ(error_id([] { subscriber s("no-such-bridge-here"); }),
            "transport.bridge.not_found: no bridge \"no-such-bridge-here\" (/dev/shm/comframe.no-such-bridge-here): is its "
            "publisher running?");
}

TEST(bridge, subscriber_is_told_when_the_publisher_closes_and_when_a_new_one_starts) {
  const std::string name = unique_name("restart");
  auto bridge = std::make_unique<publisher>(name);
  subscriber tap(name);
  bridge->publish(direction::to_device, numbered(0, 4));
  bridge.reset();
  auto r = tap.next(1s);
  ASSERT_EQ(r.status, read_status::record);  // what it published before it closed
  r = tap.next(5s);
  ASSERT_EQ(r.status, read_status::publisher_gone);
  EXPECT_EQ(r.detail, "publisher pid " + std::to_string(::getpid()) + " closed the bridge");
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

// After a restart the new publisher is read from its oldest record; what it
// overwrote before the subscriber reached it is lost, and said so.
TEST(bridge, records_a_new_publisher_overwrote_before_a_subscriber_reached_it_are_counted_as_lost) {
  const std::string name = unique_name("restart-lost");
  auto bridge = std::make_unique<publisher>(name, publisher_options{.ring_bytes = 4096, .max_record_bytes = 1024});
  subscriber tap(name);
  bridge.reset();
  ASSERT_EQ(tap.next(5s).status, read_status::publisher_gone);
  publisher again(name, {.ring_bytes = 4096, .max_record_bytes = 1024});
  for (std::uint64_t i = 0; i < 200; ++i) again.publish(direction::from_device, numbered(i, 40));  // 80 bytes each
  ASSERT_EQ(tap.next(5s).status, read_status::publisher_restarted);
  const auto r = tap.next(1s);
  ASSERT_EQ(r.status, read_status::record);
  EXPECT_GT(r.rec.sequence, 0u);
  EXPECT_EQ(r.lost, r.rec.sequence);
  EXPECT_EQ(bytes(r.rec.bytes.begin(), r.rec.bytes.end()), numbered(r.rec.sequence, 40));
  EXPECT_EQ(tap.stats().lost, r.rec.sequence);
  std::uint64_t last = r.rec.sequence;
  for (auto n = tap.next(1ms); n.status == read_status::record; n = tap.next(1ms)) {
    EXPECT_EQ(n.lost, 0u);
    last = n.rec.sequence;
  }
  EXPECT_EQ(last, 199u);
}

// ---- corrupt segments: each error names the field's own byte offset ---------------

// Writes `value` over the segment of `name` at `offset`, as any process of the
// same user could.
template <class T>
void poke(const std::string& name, std::size_t offset, T value) {
  const int fd = ::open(segment_path(name).c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, &value, sizeof value, static_cast<off_t>(offset)), static_cast<ssize_t>(sizeof value));
  ::close(fd);
}

// ring 8192 from byte 256; a 16-byte profile region at 8448; one 136-byte slot at 8464.
struct corrupt_segment : ::testing::Test {
  std::string name = unique_name(("corrupt-" + std::to_string(counter++)).c_str());
  publisher bridge{name, {.ring_bytes = 8192, .max_record_bytes = 1000, .latest_slots = 1, .latest_value_bytes = 8,
                          .profile_bytes = 0}};
  std::string at(std::size_t offset, const std::string& field) {
    return "transport.bridge.corrupt: " + segment_path(name) + ": " + field + " at byte " + std::to_string(offset) +
           ": ";
  }
  static inline int counter = 0;
};

TEST_F(corrupt_segment, a_head_too_far_ahead_is_named_at_the_head_field) {
  bridge.publish(direction::to_device, numbered(0, 5));  // one record: head 48
  poke<std::uint64_t>(name, 128, 48 + 8192 + 8);
  EXPECT_EQ(error_id([&] { subscriber s(name); }),
            at(128, "head") + "head 8248 is more than the ring ahead of tail 0");
}

TEST_F(corrupt_segment, a_tail_past_head_is_named_at_the_tail_field) {
  bridge.publish(direction::to_device, numbered(0, 5));
  poke<std::uint64_t>(name, 192, 100);
  EXPECT_EQ(error_id([&] { subscriber s(name); }), at(192, "tail") + "tail 100 is past head 48");
}

TEST_F(corrupt_segment, a_record_length_is_named_at_its_own_offset) {
  bridge.publish(direction::to_device, numbered(0, 5));  // at ring byte 0: segment byte 256, length at 260
  poke<std::uint32_t>(name, 260, 5000);
  EXPECT_EQ(error_id([&] { subscriber s(name, {.from_oldest = true}); }),
            at(260, "record length") + "length 5000 is over the bridge's maximum 1000");
}

TEST_F(corrupt_segment, a_record_sequence_is_named_at_its_own_offset) {
  bridge.publish(direction::to_device, numbered(0, 5));
  bridge.publish(direction::to_device, numbered(1, 5));  // at ring byte 48: segment byte 304, sequence at 312
  poke<std::uint64_t>(name, 312, 7);
  subscriber tap(name, {.from_oldest = true});
  ASSERT_EQ(tap.next(1s).status, read_status::record);
  EXPECT_EQ(error_id([&] { tap.next(1s); }), at(312, "record sequence") + "sequence 7, expected 1");
}

TEST_F(corrupt_segment, slot_lengths_are_named_at_their_own_offsets) {
  bridge.set_latest("k", "s", bytes{1});
  subscriber tap(name);
  poke<std::uint32_t>(name, 8464 + 8, 48);
  EXPECT_EQ(error_id([&] { tap.latest("k"); }), at(8472, "slot key_length") + "key length 48 is not from 1 to 47");
  poke<std::uint32_t>(name, 8464 + 8, 1);
  poke<std::uint32_t>(name, 8464 + 12, 48);
  EXPECT_EQ(error_id([&] { tap.latest("k"); }), at(8476, "slot schema_length") + "schema length 48 is over 47");
  poke<std::uint32_t>(name, 8464 + 12, 1);
  poke<std::uint32_t>(name, 8464 + 16, 9);
  EXPECT_EQ(error_id([&] { tap.latest("k"); }), at(8480, "slot value_length") + "value length 9 is over the slot's 8");
}

TEST_F(corrupt_segment, a_profile_length_over_its_region_is_named_at_its_own_offset) {
  bridge.set_profile("");
  poke<std::uint64_t>(name, 8448 + 8, 1);
  subscriber tap(name);
  EXPECT_EQ(error_id([&] { tap.profile(); }), at(8456, "profile length") + "length 1 is over the region's 0");
}

// A publisher killed while writing leaves a version odd for good: the reader
// gives up (within its settle budget) and names the version field, for the
// profile and for a latest value alike.
TEST_F(corrupt_segment, a_version_left_odd_is_named_at_the_version_field) {
  bridge.set_profile("");
  bridge.set_latest("k", "s", bytes{1});
  subscriber tap(name);
  poke<std::uint64_t>(name, 8448, 3);
  EXPECT_EQ(error_id([&] { tap.profile(); }), at(8448, "profile version") + "the profile never settles");
  poke<std::uint64_t>(name, 8464, 5);
  EXPECT_EQ(error_id([&] { tap.latest("k"); }), at(8464, "slot version") + "the value never settles");
}

}  // namespace

}  // namespace bridge_test
