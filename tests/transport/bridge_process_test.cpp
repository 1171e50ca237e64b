// The shared-memory bridge across real processes: tests/transport/bridge_peer.cpp
// publishes, subscribes or scribbles over a segment, each in a process of its
// own; the tests start, stop, kill and restart them and check what each
// subscriber printed. Watchdogs (the child_process ones) only guard against
// hangs; every wait is on a line of output.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "comframe/transport/bridge.hpp"
#include "support/process.hpp"

namespace bridge_process_test {

namespace {

using namespace comframe::transport;
using comframe::test::child_process;
using comframe::test::run;
using namespace std::chrono_literals;

const std::string peer = BRIDGE_PEER;

std::string unique_name(const std::string& what) { return "ptest-" + what + "-" + std::to_string(::getpid()); }

bool segment_exists(const std::string& name) { return std::filesystem::exists(bridge::segment_path(name)); }

// A publisher process; waits until it has created the bridge.
struct publisher_process {
  child_process proc;
  explicit publisher_process(const std::string& name, std::vector<std::string> extra = {})
      : proc([&] {
          std::vector<std::string> args{peer, "publish", name, "0", "--wait-for-stdin"};
          args.insert(args.end(), extra.begin(), extra.end());
          return args;
        }()) {
    const auto line = proc.wait_for_line("ready pid=");
    if (!line) throw std::runtime_error("the publisher did not start: " + proc.output());
    pid = std::stoi(*line);
  }
  pid_t pid = -1;
  // Publishes `n` more records and waits until they are out; false on a hang.
  bool publish(std::uint64_t n, std::uint64_t total_after) {
    proc.write_line(std::to_string(n));
    return proc.wait_for_line("published " + std::to_string(total_after)).has_value();
  }
};

// A subscriber process; waits until it has attached and knows its pid.
struct subscriber_process {
  child_process proc;
  pid_t pid = -1;
  explicit subscriber_process(const std::string& name, std::vector<std::string> extra = {})
      : proc([&] {
          std::vector<std::string> args{peer, "subscribe", name};
          args.insert(args.end(), extra.begin(), extra.end());
          return args;
        }()) {
    const auto line = proc.wait_for_line("attached pid=");
    if (!line) throw std::runtime_error("the subscriber did not attach: " + proc.output());
    pid = std::stoi(*line);
  }
  bool saw_record(std::uint64_t sequence) {
    return proc.wait_for_line("record " + std::to_string(sequence) + " ").has_value();
  }
};

// What a subscriber printed, checked line by line.
struct reading {
  std::uint64_t records = 0, lost = 0, gaps = 0, ok = 0, bad = 0, wrong = 0;
  std::optional<std::uint64_t> first, last;
  bool in_order = true;  // every record is the one after the previous, plus what was reported lost
  std::string summary;
  std::string problems;  // the first lines that broke the order, for the failure message
};

// Reads the records between the line starting with `from` (or the start) and
// the next line starting with `until` (or the end).
reading read_output(const std::string& output, const std::string& from = {}, const std::string& until = {}) {
  reading r;
  std::istringstream in(output);
  bool started = from.empty();
  std::uint64_t pending_lost = 0;
  for (std::string line; std::getline(in, line);) {
    if (!started) {
      started = line.rfind(from, 0) == 0;
      continue;
    }
    if (!until.empty() && line.rfind(until, 0) == 0) break;
    std::istringstream words(line);
    std::string word;
    words >> word;
    if (word == "lost") {
      std::uint64_t n = 0;
      words >> n;
      pending_lost += n;
      r.lost += n;
      ++r.gaps;
    } else if (word == "record") {
      std::uint64_t seq = 0;
      std::string verdict;
      words >> seq >> verdict;
      const std::uint64_t expected = r.last ? *r.last + 1 + pending_lost : seq;
      if (seq != expected) {
        r.in_order = false;
        if (r.problems.size() < 500) r.problems += "record " + std::to_string(seq) + " where " +
                                                   std::to_string(expected) + " was due; ";
      }
      pending_lost = 0;
      if (!r.first) r.first = seq;
      r.last = seq;
      ++r.records;
      (verdict == "OK" ? r.ok : verdict == "BAD" ? r.bad : r.wrong) += 1;
    } else if (word == "summary") {
      r.summary = line;
    }
  }
  return r;
}

TEST(bridge_processes, stopped_subscriber_is_told_exactly_what_it_lost_and_the_others_lose_nothing) {
  const std::string name = unique_name("loss");
  // 64 KiB hold about 580 records of 64 payload bytes (112 bytes in the ring).
  publisher_process pub(name, {"--ring", "65536", "--size", "64"});
  std::vector<std::unique_ptr<subscriber_process>> subs;
  for (int i = 0; i < 3; ++i) subs.push_back(std::make_unique<subscriber_process>(name, std::vector<std::string>{"--exit-on-gone"}));
  auto& stopped = *subs[2];

  // Batches of 100 records (11 KiB); each waits for the two running subscribers,
  // so that they never fall a lap behind, whatever the machine's load.
  constexpr std::uint64_t batch = 100;
  std::uint64_t total = 0;
  auto publish_batch = [&](std::size_t running) {
    total += batch;
    ASSERT_TRUE(pub.publish(batch, total)) << pub.proc.output();
    for (std::size_t i = 0; i < running; ++i) ASSERT_TRUE(subs[i]->saw_record(total - 1)) << subs[i]->proc.output();
  };
  publish_batch(3);
  ASSERT_EQ(::kill(stopped.pid, SIGSTOP), 0);
  for (int i = 0; i < 20; ++i) publish_batch(2);  // 2000 records: more than three laps of the ring
  ASSERT_EQ(::kill(stopped.pid, SIGCONT), 0);
  ASSERT_TRUE(stopped.saw_record(total - 1)) << stopped.proc.output();  // caught up, one gap behind it
  publish_batch(3);
  pub.proc.write_line("exit");
  EXPECT_EQ(pub.proc.stop(0), 0) << pub.proc.output();

  for (std::size_t i = 0; i < subs.size(); ++i) {
    auto& s = *subs[i];
    ASSERT_EQ(s.proc.stop(0), 0) << s.proc.output();  // it exits by itself on "gone"
    const auto r = read_output(s.proc.output());
    EXPECT_TRUE(r.in_order) << "subscriber " << i << ": " << r.problems;
    EXPECT_EQ(r.first, 0u) << i;
    EXPECT_EQ(r.last, total - 1) << i;
    EXPECT_EQ(r.ok, r.records) << i;
    EXPECT_EQ(r.records + r.lost, total) << i;
    EXPECT_EQ(r.summary, "summary records=" + std::to_string(r.records) + " lost=" + std::to_string(r.lost)) << i;
    if (i < 2) {
      EXPECT_EQ(r.lost, 0u) << i;
    } else {
      // Stopped after record 99 while 2000 went by, in a ring that holds ~580:
      // at least 1400 lost, reported at once, and the newest ones read.
      EXPECT_GE(r.lost, 1400u) << s.proc.output();
      EXPECT_EQ(r.gaps, 1u);
    }
  }
}

TEST(bridge_processes, subscriber_killed_mid_read_leaves_the_others_reading_every_record) {
  const std::string name = unique_name("subkill");
  publisher_process pub(name, {"--ring", "4194304", "--size", "200"});
  subscriber_process a(name, {"--exit-on-gone"}), b(name, {"--exit-on-gone"}), victim(name);
  constexpr std::uint64_t total = 100000;  // no pace: the victim is killed while records stream in
  pub.proc.write_line(std::to_string(total));
  ASSERT_TRUE(victim.proc.wait_for_line("record ")) << victim.proc.output();
  EXPECT_EQ(victim.proc.stop(SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(pub.proc.wait_for_line("published " + std::to_string(total))) << pub.proc.output();
  pub.proc.write_line("exit");
  EXPECT_EQ(pub.proc.stop(0), 0) << pub.proc.output();
  for (auto* s : {&a, &b}) {
    ASSERT_EQ(s->proc.stop(0), 0) << s->proc.output();
    const auto r = read_output(s->proc.output());
    EXPECT_TRUE(r.in_order) << r.problems;
    EXPECT_EQ(r.first, 0u);
    EXPECT_EQ(r.last, total - 1);  // the newest record is never lost
    EXPECT_EQ(r.records + r.lost, total);
    EXPECT_EQ(r.ok, r.records);
  }
}

TEST(bridge_processes, publisher_killed_mid_write_is_reported_gone_and_a_new_one_takes_the_name_without_cleanup) {
  const std::string name = unique_name("pubkill");
  auto first = std::make_unique<publisher_process>(name, std::vector<std::string>{"--ring", "1048576"});
  subscriber_process a(name), b(name);
  // Publishing without pause, so that the kill lands inside publish() nearly always.
  first->proc.write_line("forever");
  ASSERT_TRUE(a.proc.wait_for_line("record ")) << a.proc.output();
  ASSERT_TRUE(b.proc.wait_for_line("record ")) << b.proc.output();
  EXPECT_EQ(first->proc.stop(SIGKILL), 128 + SIGKILL);
  first.reset();
  EXPECT_TRUE(segment_exists(name)) << "a killed publisher cannot remove its segment";
  ASSERT_TRUE(a.proc.wait_for_line("gone")) << a.proc.output();
  ASSERT_TRUE(b.proc.wait_for_line("gone")) << b.proc.output();

  // What the dead publisher left in its ring, read by a subscriber started now.
  const auto left = run({peer, "subscribe", name, "--from-oldest", "--exit-on-gone"});
  ASSERT_EQ(left.exit_code, 0) << left.out;
  const auto in_ring = read_output(left.out);
  ASSERT_TRUE(in_ring.last.has_value()) << left.out;
  EXPECT_TRUE(in_ring.in_order) << in_ring.problems;
  EXPECT_EQ(in_ring.ok, in_ring.records);
  EXPECT_EQ(in_ring.lost, 0u);

  publisher_process second(name);  // on the same name, no cleanup of /dev/shm
  ASSERT_TRUE(a.proc.wait_for_line("restarted")) << a.proc.output();
  ASSERT_TRUE(b.proc.wait_for_line("restarted")) << b.proc.output();
  ASSERT_TRUE(second.publish(50, 50)) << second.proc.output();
  ASSERT_TRUE(a.saw_record(49)) << a.proc.output();
  ASSERT_TRUE(b.saw_record(49)) << b.proc.output();
  second.proc.write_line("exit");
  EXPECT_EQ(second.proc.stop(0), 0) << second.proc.output();
  EXPECT_FALSE(segment_exists(name)) << "a publisher that exits removes its segment";

  for (auto* s : {&a, &b}) {
    ASSERT_TRUE(s->proc.wait_for_line("gone")) << s->proc.output();
    EXPECT_EQ(s->proc.stop(SIGTERM), 0);
    // Before the kill: in order, exact losses, up to the last record the dead
    // publisher committed; after the restart: all 50 of the new one's.
    const auto before = read_output(s->proc.output(), "attached", "gone");
    EXPECT_TRUE(before.in_order) << before.problems;
    EXPECT_EQ(before.ok, before.records);
    EXPECT_EQ(before.last, in_ring.last);
    const auto after = read_output(s->proc.output(), "restarted", "gone");
    EXPECT_TRUE(after.in_order) << after.problems;
    EXPECT_EQ(after.first, 0u);
    EXPECT_EQ(after.records, 50u);
    EXPECT_EQ(after.ok, 50u);
  }
}

TEST(bridge_processes, publisher_killed_and_not_yet_reaped_is_reported_gone) {
  // Killed by pid, so that it stays a zombie (this test is its parent and does
  // not wait for it yet): kill(pid, 0) still succeeds. Subscribers once waited
  // for ever here, until the parent reaped it.
  const std::string name = unique_name("zombie");
  publisher_process pub(name);
  subscriber_process a(name, {"--exit-on-gone"});
  ASSERT_TRUE(pub.publish(10, 10));
  ASSERT_TRUE(a.saw_record(9)) << a.proc.output();
  ASSERT_EQ(::kill(pub.pid, SIGKILL), 0);
  EXPECT_TRUE(a.proc.wait_for_line("gone")) << a.proc.output();
  EXPECT_EQ(a.proc.stop(0), 0) << a.proc.output();
  EXPECT_EQ(pub.proc.stop(0), 128 + SIGKILL);  // reaped only now
  std::filesystem::remove(bridge::segment_path(name));  // what the killed publisher could not
}

TEST(bridge_processes, publisher_keeps_publishing_after_another_writer_zeroes_its_ring) {
  // A zero record size in the ring once sent the publisher round its ring
  // for ever, holding its lock (bridge.cpp, advance_tail).
  const std::string name = unique_name("zeroed");
  publisher_process pub(name, {"--ring", "4096"});
  ASSERT_TRUE(pub.publish(100, 100));  // 11 KiB: the 4 KiB ring is full and lapped
  const auto scribbled = run({peer, "scribble", name, "0", "--zero-ring"});
  ASSERT_EQ(scribbled.exit_code, 0) << scribbled.out;
  ASSERT_TRUE(pub.publish(100, 200)) << "the publisher hangs: " << pub.proc.output();
  ASSERT_TRUE(pub.publish(100, 300)) << pub.proc.output();
  // The ring is whole again: a new subscriber reads its oldest record.
  const auto fresh = run({peer, "subscribe", name, "--from-oldest", "--count", "1"});
  EXPECT_EQ(fresh.exit_code, 0) << fresh.out;
  const auto r = read_output(fresh.out);
  EXPECT_EQ(r.ok, 1u) << fresh.out;
  EXPECT_GE(r.first.value_or(0), 200u) << fresh.out;
  pub.proc.write_line("exit");
  EXPECT_EQ(pub.proc.stop(0), 0) << pub.proc.output();
}

// Random bytes over the header and the ring while a publisher publishes and
// subscribers read: every process ends normally. A subscriber reads records or
// reports "corrupt:" (exit 3); it may read damaged records (the ring has no
// checksum of its own; the frames' CRC shows them as BAD), but it never
// crashes, hangs or trips a sanitizer, and the publisher carries on.
TEST(bridge_processes, random_bytes_over_a_segment_give_records_or_a_corrupt_report_never_a_crash) {
  constexpr int seeds = 40;
  int corrupt_reports = 0, damaged_records = 0, clean_runs = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::string name = unique_name("fuzz") + "-" + std::to_string(seed);
    const std::string size = std::to_string(8 + (seed * 37) % 300);
    publisher_process pub(name, {"--ring", "16384", "--size", size});
    std::vector<std::unique_ptr<subscriber_process>> subs;
    subs.push_back(std::make_unique<subscriber_process>(name, std::vector<std::string>{"--exit-on-gone"}));
    subs.push_back(std::make_unique<subscriber_process>(name, std::vector<std::string>{"--exit-on-gone", "--from-oldest"}));
    ASSERT_TRUE(pub.publish(300, 300)) << pub.proc.output();
    ASSERT_TRUE(subs[0]->saw_record(299)) << subs[0]->proc.output();

    const auto scribbled = run({peer, "scribble", name, std::to_string(seed)});
    ASSERT_EQ(scribbled.exit_code, 0) << scribbled.out;
    // Subscribers that attach to the damaged segment (or fail to).
    std::vector<std::unique_ptr<child_process>> fresh;
    fresh.push_back(std::make_unique<child_process>(std::vector<std::string>{peer, "subscribe", name, "--exit-on-gone"}));
    fresh.push_back(std::make_unique<child_process>(
        std::vector<std::string>{peer, "subscribe", name, "--exit-on-gone", "--from-oldest"}));
    for (auto& f : fresh) f->wait_for_line("attached ");  // or its end, after "corrupt:"
    ASSERT_TRUE(pub.publish(300, 600)) << "the publisher hangs: " << pub.proc.output();
    ASSERT_TRUE(pub.publish(300, 900)) << "the publisher hangs: " << pub.proc.output();
    pub.proc.write_line("exit");
    EXPECT_EQ(pub.proc.stop(0), 0) << pub.proc.output();

    std::vector<child_process*> all;
    for (auto& s : subs) all.push_back(&s->proc);
    for (auto& f : fresh) all.push_back(f.get());
    bool clean = true;
    for (auto* p : all) {
      const int code = p->stop(0);  // each exits by itself: "gone" or "corrupt:"
      const auto& out = p->output();
      ASSERT_TRUE(code == 0 || code == 3) << "exit status " << code << ":\n" << out;
      if (code == 3) {
        ++corrupt_reports;
        clean = false;
        EXPECT_NE(out.find("corrupt: [transport.bridge.corrupt] /dev/shm/comframe." + name), std::string::npos)
            << out;
      } else {
        EXPECT_NE(out.find("summary records="), std::string::npos) << out;
      }
      const auto r = read_output(out);
      damaged_records += static_cast<int>(r.bad + r.wrong);
      if (r.bad + r.wrong) clean = false;
    }
    clean_runs += clean;
  }
  std::cout << "[ fuzz     ] " << seeds << " seeds: " << corrupt_reports << " corrupt reports, " << damaged_records
            << " damaged records read, " << clean_runs << " seeds without either\n";
}

// CI runs as root; the other user is "nobody" (65534), through setpriv.
std::optional<std::string> setpriv_path() {
  for (const char* p : {"/usr/bin/setpriv", "/bin/setpriv"})
    if (::access(p, X_OK) == 0) return std::string(p);
  return std::nullopt;
}

TEST(bridge_processes, segment_made_0600_cannot_be_opened_by_another_user) {
  const auto setpriv = setpriv_path();
  if (::geteuid() != 0 || !setpriv) GTEST_SKIP() << "needs root and setpriv to act as another user";
  const std::string name = unique_name("perm");
  publisher_process pub(name);
  struct stat st {};
  ASSERT_EQ(::stat(bridge::segment_path(name).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto r = run({*setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", peer, "subscribe", name});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "error: [transport.bridge.permission] cannot open bridge \"" + name + "\" (" +
                       bridge::segment_path(name) + "): permission denied; it belongs to another user\n");
  pub.proc.write_line("exit");
  EXPECT_EQ(pub.proc.stop(0), 0);
}

TEST(bridge_processes, segment_made_0644_is_read_by_another_user) {
  // The control for the test above: the same command as another user works
  // when the mode allows it, so the refusal there is the mode's doing.
  const auto setpriv = setpriv_path();
  if (::geteuid() != 0 || !setpriv) GTEST_SKIP() << "needs root and setpriv to act as another user";
  const std::string name = unique_name("perm644");
  publisher_process pub(name, {"--mode", "644"});
  child_process other({*setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", peer, "subscribe", name,
                       "--count", "3"});
  ASSERT_TRUE(other.wait_for_line("attached ")) << other.output();
  ASSERT_TRUE(pub.publish(3, 3));
  EXPECT_EQ(other.stop(0), 0) << other.output();
  const auto r = read_output(other.output());
  EXPECT_EQ(r.ok, 3u) << other.output();
  pub.proc.write_line("exit");
  EXPECT_EQ(pub.proc.stop(0), 0);
}

}  // namespace

}  // namespace bridge_process_test
