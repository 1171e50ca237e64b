// The bridge's doorbell (docs/bridge.md, "The doorbell"): the publisher makes
// the FUTEX_WAKE system call only when a subscriber has gone to sleep since its
// last one, and whatever another process writes into the doorbell only costs
// time: no subscriber is wedged, no record is lost.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "comframe/transport/bridge.hpp"
#include "support/process.hpp"
#include "support/require_tool.hpp"
#include "support/timing.hpp"

namespace bridge_doorbell_test {

namespace {

using namespace comframe::transport;
using namespace comframe::transport::bridge;
using namespace std::chrono_literals;

const std::string peer = BRIDGE_PEER;

std::string unique_name(const char* what) { return std::string("bell-") + what + "-" + std::to_string(::getpid()); }

// The doorbell as another process sees it: 64 bytes; the u32 at offset 16 is set by a subscriber that sleeps.
class doorbell {
 public:
  explicit doorbell(const std::string& name) {
    const int fd = ::open(doorbell_path(name).c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("no doorbell at " + doorbell_path(name));
    base_ = static_cast<std::uint8_t*>(::mmap(nullptr, 64, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    ::close(fd);
    if (base_ == MAP_FAILED) throw std::runtime_error("cannot map the doorbell");
  }
  ~doorbell() { ::munmap(base_, 64); }
  std::atomic_ref<std::uint32_t> asleep() {
    return std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(base_ + 16));
  }
  std::uint8_t* bytes() { return base_; }

  // Waits until a subscriber has set the doorbell to sleep; false if none does.
  bool wait_for_a_sleeper() {
    const auto give_up = std::chrono::steady_clock::now() + comframe::test::scaled(20s);
    while (asleep().load() == 0) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }

 private:
  std::uint8_t* base_ = nullptr;
};

const std::vector<std::uint8_t> payload{1, 2, 3, 4};

TEST(bridge_doorbell, no_wake_while_no_subscriber_sleeps) {
  publisher bridge(unique_name("none"));
  subscriber tap(bridge.name());
  for (int i = 0; i < 1000; ++i) bridge.publish(direction::from_device, payload);
  EXPECT_EQ(bridge.wakes(), 0u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(tap.next(0s).status, read_status::record) << i;
  EXPECT_EQ(tap.stats().sleeps, 0u);
}

TEST(bridge_doorbell, a_sleeping_subscriber_rings_and_one_wake_serves_it) {
  publisher bridge(unique_name("sleep"));
  doorbell bell(bridge.name());
  subscriber tap(bridge.name());
  auto read = std::async(std::launch::async, [&] { return tap.next(comframe::test::scaled(60s)); });
  ASSERT_TRUE(bell.wait_for_a_sleeper());
  bridge.publish(direction::from_device, payload);
  const auto r = read.get();
  EXPECT_EQ(r.status, read_status::record);
  EXPECT_EQ(r.rec.bytes.size(), payload.size());
  EXPECT_EQ(bridge.wakes(), 1u);
  EXPECT_EQ(bell.asleep().load(), 0u);  // the publisher cleared it as it woke
  for (int i = 0; i < 100; ++i) bridge.publish(direction::from_device, payload);
  EXPECT_EQ(bridge.wakes(), 1u);  // nobody has slept since: no more wakes
}

TEST(bridge_doorbell, several_sleepers_are_woken_by_one_call) {
  publisher bridge(unique_name("several"));
  doorbell bell(bridge.name());
  std::vector<std::unique_ptr<comframe::test::child_process>> subs;
  for (int i = 0; i < 3; ++i) {
    subs.push_back(std::make_unique<comframe::test::child_process>(
        std::vector<std::string>{peer, "subscribe", bridge.name(), "--count", "1"}));
    ASSERT_TRUE(subs.back()->wait_for_line("attached ")) << subs.back()->output();
  }
  ASSERT_TRUE(bell.wait_for_a_sleeper());
  bridge.publish(direction::from_device, payload);
  for (auto& sub : subs) {
    ASSERT_TRUE(sub->wait_for_line("summary records=1")) << sub->output();
    EXPECT_EQ(sub->stop(0), 0);
  }
  EXPECT_EQ(bridge.wakes(), 1u);
}

TEST(bridge_doorbell, a_cleared_doorbell_delays_a_sleeper_but_never_wedges_it) {
  publisher bridge(unique_name("zeroed"));
  doorbell bell(bridge.name());
  subscriber tap(bridge.name());
  auto read = std::async(std::launch::async, [&] { return tap.next(comframe::test::scaled(60s)); });
  ASSERT_TRUE(bell.wait_for_a_sleeper());
  bell.asleep().store(0);  // another process claims nobody sleeps
  bridge.publish(direction::from_device, payload);
  EXPECT_EQ(bridge.wakes(), 0u);
  EXPECT_EQ(read.get().status, read_status::record);  // its bounded sleep ran out; it read the record
}

TEST(bridge_doorbell, a_doorbell_set_by_someone_else_costs_one_wake_and_loses_nothing) {
  publisher bridge(unique_name("stuck"));
  doorbell bell(bridge.name());
  subscriber tap(bridge.name());
  bell.asleep().store(7);
  for (int i = 0; i < 50; ++i) bridge.publish(direction::from_device, payload);
  EXPECT_EQ(bridge.wakes(), 1u);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(tap.next(1s).status, read_status::record) << i;
}

TEST(bridge_doorbell, a_subscriber_killed_while_asleep_costs_one_wake_and_the_others_read_on) {
  publisher bridge(unique_name("killed"));
  doorbell bell(bridge.name());
  comframe::test::child_process victim({peer, "subscribe", bridge.name()});
  ASSERT_TRUE(victim.wait_for_line("attached ")) << victim.output();
  ASSERT_TRUE(bell.wait_for_a_sleeper()) << victim.output();
  EXPECT_EQ(victim.stop(SIGKILL), 128 + SIGKILL);
  EXPECT_NE(bell.asleep().load(), 0u);  // it rang and is gone
  subscriber tap(bridge.name());
  for (int i = 0; i < 10; ++i) bridge.publish(direction::from_device, payload);
  EXPECT_EQ(bridge.wakes(), 1u);  // the first record's wake clears it
  EXPECT_EQ(bell.asleep().load(), 0u);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(tap.next(1s).status, read_status::record) << i;
}

TEST(bridge_doorbell, a_doorbell_that_is_not_the_publishers_is_ignored_and_records_still_arrive) {
  publisher bridge(unique_name("foreign"));
  doorbell bell(bridge.name());
  std::memset(bell.bytes(), 0x5a, 8);  // not the magic: a doorbell of something else
  subscriber tap(bridge.name());
  auto read = std::async(std::launch::async, [&] { return tap.next(comframe::test::scaled(60s)); });
  // It cannot count itself in, so it sleeps in short steps: a record published
  // while it sleeps (or before) reaches it.
  std::this_thread::sleep_for(20ms);
  bridge.publish(direction::from_device, payload);
  EXPECT_EQ(read.get().status, read_status::record);
  EXPECT_EQ(bell.asleep().load(), 0u);  // untouched: the subscriber never wrote to it
}

// docs/bridge.md's Python recipe for sleeping on the doorbell, run as written
// (only the bridge's name changed) by /usr/bin/python3 against this publisher.
TEST(bridge_doorbell, the_python_recipe_in_the_docs_sleeps_rings_and_is_woken) {
  if (::access("/usr/bin/python3", X_OK) != 0) COMFRAME_MISSING_TOOL("/usr/bin/python3 (Debian python3)");
  publisher bridge(unique_name("recipe"));
  const std::string driver = R"PY(
import ctypes, re, sys, threading
doc = open(sys.argv[1]).read()
code = re.search(r"```python\n(.*?)```", doc[doc.index("**From a program of your own.**"):], re.S).group(1)
ns = {}
exec(code.replace("comframe.lab", "comframe." + sys.argv[2]).replace("comframe-bell.lab", "comframe-bell." + sys.argv[2]), ns)
seen = ns["notify"].value
word = ctypes.c_uint32.from_address(ns["bell"] + 16)
sleeper = threading.Thread(target=ns["sleep"], args=(seen,))
sleeper.start()
while word.value == 0:
    pass
print("ringing", flush=True)
sleeper.join()
print("woke notify_moved=%s bell=%d" % (ns["notify"].value != seen, word.value), flush=True)
)PY";
  comframe::test::child_process py(
      {"/usr/bin/python3", "-c", driver, std::string(COMFRAME_SOURCE_DIR) + "/docs/bridge.md", bridge.name()});
  ASSERT_TRUE(py.wait_for_line("ringing")) << py.output();
  bridge.publish(direction::from_device, payload);
  const auto woke = py.wait_for_line("woke ");
  ASSERT_TRUE(woke) << py.output();
  EXPECT_EQ(*woke, "notify_moved=True bell=0");
  EXPECT_EQ(bridge.wakes(), 1u);  // the publisher saw the doorbell set and woke the sleeper
  EXPECT_EQ(py.stop(0), 0) << py.output();
}

TEST(bridge_doorbell, is_writable_by_whoever_may_read_the_segment_and_goes_with_the_publisher) {
  for (const auto& [mode, bell_mode] : {std::pair{0600u, 0600u}, {0640u, 0660u}, {0644u, 0666u}}) {
    const std::string name = unique_name("mode");
    {
      publisher bridge(name, {.ring_bytes = 4096, .max_record_bytes = 1024, .latest_slots = 0, .mode = mode});
      struct stat st {};
      ASSERT_EQ(::stat(doorbell_path(name).c_str(), &st), 0);
      EXPECT_EQ(st.st_mode & 0777, bell_mode) << std::oct << mode;
      EXPECT_EQ(st.st_size, 64);
    }
    EXPECT_FALSE(std::filesystem::exists(doorbell_path(name)));
    EXPECT_FALSE(std::filesystem::exists(segment_path(name)));
  }
}

}  // namespace

}  // namespace bridge_doorbell_test
