// bridge_peer: a publisher, a subscriber or a hostile writer of a shared-memory
// bridge, as a process of its own, for tests/transport/bridge_process_test.cpp.
//
//   bridge_peer publish NAME COUNT [--size N] [--ring BYTES] [--rate-per-ms N] [--mode OCTAL]
//                                  [--wait-for-stdin]
//     Creates the bridge, prints "ready pid=PID epoch=E", then publishes COUNT
//     records (0: until killed), prints "published TOTAL" and exits, closing
//     the bridge. With --wait-for-stdin it publishes nothing by itself and reads
//     commands from stdin instead, one a line: a number K publishes K records
//     and prints "published TOTAL"; "forever" publishes until killed; "exit"
//     or the end of input closes the bridge and exits.
//     Each record is a frame (event 0x8001) whose payload of --size bytes
//     (at least 8, default 64) encodes the record's sequence number, so that a
//     subscriber can check what it reads. --rate-per-ms bounds the pace.
//
//   bridge_peer subscribe NAME [--from-oldest] [--count N] [--exit-on-gone]
//     Prints "attached pid=PID publisher=PID", then one line per event:
//       record SEQ OK     the frame is whole and its payload encodes SEQ
//       record SEQ BAD    the frame does not parse (CRC, size): damaged bytes
//       record SEQ WRONG  a whole frame whose payload encodes another number
//       lost N            N records lost just before the next record
//       gone              the publisher exited or died
//       restarted         a new publisher has the name
//     and a final "summary records=R lost=L" when it has read --count records,
//     at the first "gone" with --exit-on-gone, or on SIGINT/SIGTERM (exit 0).
//     A bridge_error ends it: "corrupt: WHAT" (the error's what()) with exit status 3 for a
//     corrupt segment, "error: WHAT" with status 2 for any other.
//
//   bridge_peer scribble NAME SEED [--zero-ring]
//     Opens the segment read-write and writes random bytes (from SEED) over its
//     header and ring: the hostile writer of the corruption tests. With
//     --zero-ring it zeroes the whole ring instead. Prints "scribbled N bytes".
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "comframe/transport/bridge.hpp"

namespace {

using namespace comframe::transport;
namespace br = comframe::transport::bridge;

constexpr std::uint16_t record_command = 0x8001;

volatile sig_atomic_t stop_requested = 0;
void on_stop(int) { stop_requested = 1; }

// The payload of record `sequence`: its number (8 bytes, little endian), then
// bytes that depend on both the number and their position.
void fill_payload(std::vector<std::uint8_t>& payload, std::uint64_t sequence) {
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = i < 8 ? static_cast<std::uint8_t>(sequence >> (8 * i))
                       : static_cast<std::uint8_t>(sequence * 131 + i);
}

int usage() {
  std::cerr << "usage: bridge_peer publish NAME COUNT [--size N] [--ring BYTES] [--rate-per-ms N] [--mode OCTAL] "
               "[--wait-for-stdin]\n"
               "       bridge_peer subscribe NAME [--from-oldest] [--count N] [--exit-on-gone]\n"
               "       bridge_peer scribble NAME SEED [--zero-ring]\n";
  return 64;
}

int publish(const std::string& name, std::uint64_t count, const std::vector<std::string>& opts) {
  std::size_t size = 64;
  std::size_t ring = std::size_t{1} << 20;
  std::uint64_t rate_per_ms = 0;
  unsigned mode = 0600;
  bool wait_for_stdin = false;
  for (std::size_t i = 0; i < opts.size(); ++i) {
    const auto& o = opts[i];
    const bool has_value = i + 1 < opts.size();
    if (o == "--size" && has_value) size = std::stoul(opts[++i]);
    else if (o == "--ring" && has_value) ring = std::stoul(opts[++i]);
    else if (o == "--rate-per-ms" && has_value) rate_per_ms = std::stoull(opts[++i]);
    else if (o == "--mode" && has_value) mode = static_cast<unsigned>(std::stoul(opts[++i], nullptr, 8));
    else if (o == "--wait-for-stdin") wait_for_stdin = true;
    else return usage();
  }
  if (size < 8) return usage();
  br::publisher bridge(name, {.ring_bytes = ring, .max_record_bytes = std::min<std::size_t>(ring / 4, 64 << 10),
                              .mode = mode});
  std::cout << "ready pid=" << ::getpid() << " epoch=" << bridge.epoch() << std::endl;

  std::vector<std::uint8_t> payload(size);
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t paced = 0;  // records published under the current pace
  auto publish_n = [&](std::uint64_t n) {  // n == 0: until killed
    for (std::uint64_t i = 0; n == 0 || i < n; ++i) {
      const std::uint64_t seq = bridge.published();
      fill_payload(payload, seq);
      bridge.publish_frame(direction::from_device,
                           frame_header{.kind = frame_kind::event, .command = record_command,
                                        .sequence = static_cast<std::uint16_t>(seq)},
                           payload);
      if (rate_per_ms && ++paced % rate_per_ms == 0) {
        // Pacing, not synchronisation: keeps the average at rate_per_ms.
        std::this_thread::sleep_until(start + std::chrono::milliseconds(paced / rate_per_ms));
      }
    }
    std::cout << "published " << bridge.published() << std::endl;
  };
  if (!wait_for_stdin) {
    publish_n(count);
    return 0;
  }
  for (std::string line; std::getline(std::cin, line);) {
    if (line == "exit") break;
    if (line == "forever") publish_n(0);
    else if (!line.empty()) publish_n(std::stoull(line));
  }
  return 0;
}

int subscribe(const std::string& name, const std::vector<std::string>& opts) {
  br::subscriber_options options;
  std::uint64_t count = 0;
  bool exit_on_gone = false;
  for (std::size_t i = 0; i < opts.size(); ++i) {
    const auto& o = opts[i];
    if (o == "--from-oldest") options.from_oldest = true;
    else if (o == "--count" && i + 1 < opts.size()) count = std::stoull(opts[++i]);
    else if (o == "--exit-on-gone") exit_on_gone = true;
    else return usage();
  }
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  br::subscriber tap(name, options);
  std::cout << "attached pid=" << ::getpid() << " publisher=" << tap.publisher_pid() << std::endl;
  std::uint64_t records = 0, lost = 0;
  std::vector<std::uint8_t> expected;
  bool unflushed = false;
  while (!stop_requested && (count == 0 || records < count)) {
    // Output is flushed when no record is waiting: whoever waits on a line
    // sees it as soon as we have caught up, without a write per record.
    const auto r = tap.next(unflushed ? std::chrono::milliseconds(0) : std::chrono::milliseconds(100));
    if (r.status == br::read_status::timeout) {
      if (unflushed) std::cout.flush();
      unflushed = false;
      continue;
    }
    if (r.status == br::read_status::publisher_gone) {
      std::cout << "gone" << std::endl;
      if (exit_on_gone) break;
      continue;
    }
    if (r.status == br::read_status::publisher_restarted) {
      std::cout << "restarted" << std::endl;
      continue;
    }
    if (r.lost) std::cout << "lost " << r.lost << '\n';
    lost += r.lost;
    ++records;
    const auto f = r.rec.frame();
    const char* verdict = "BAD";
    if (f && f->header.command == record_command && f->payload.size() >= 8) {
      expected.resize(f->payload.size());
      fill_payload(expected, r.rec.sequence);
      verdict = std::equal(expected.begin(), expected.end(), f->payload.begin()) ? "OK" : "WRONG";
    }
    std::cout << "record " << r.rec.sequence << ' ' << verdict << '\n';
    unflushed = true;
    if (records % 256 == 0) std::cout.flush();
  }
  std::cout << "summary records=" << records << " lost=" << lost << std::endl;
  return 0;
}

int scribble(const std::string& name, std::uint64_t seed, const std::vector<std::string>& opts) {
  bool zero_ring = false;
  for (const auto& o : opts) {
    if (o == "--zero-ring") zero_ring = true;
    else return usage();
  }
  const std::string path = br::segment_path(name);
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    std::cout << "error: cannot open " << path << ": " << std::strerror(errno) << std::endl;
    return 2;
  }
  struct stat st {};
  ::fstat(fd, &st);
  const auto size = static_cast<std::size_t>(st.st_size);
  void* a = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (a == MAP_FAILED) {
    std::cout << "error: cannot map " << path << ": " << std::strerror(errno) << std::endl;
    return 2;
  }
  auto* base = static_cast<std::uint8_t*>(a);
  constexpr std::size_t header_bytes = 256;  // docs/bridge.md
  std::uint64_t ring_bytes = 0;
  std::memcpy(&ring_bytes, base + 32, sizeof ring_bytes);
  if (ring_bytes > size - header_bytes) ring_bytes = size - header_bytes;
  std::size_t written = 0;
  if (zero_ring) {
    std::memset(base + header_bytes, 0, ring_bytes);
    written = ring_bytes;
  } else {
    std::mt19937_64 rng(seed);
    auto pick = [&](std::uint64_t n) { return static_cast<std::size_t>(rng() % n); };
    // Where to aim, by seed: the header only, the ring only, or both.
    const int target = static_cast<int>(seed % 3);
    const std::size_t writes = 1 + pick(32);
    for (std::size_t w = 0; w < writes; ++w) {
      const bool header = target == 0 || (target == 2 && pick(2) == 0);
      const std::size_t region_start = header ? 0 : header_bytes;
      const std::size_t region_bytes = header ? header_bytes : ring_bytes;
      const std::size_t length = 1 + pick(16);
      // Half of the writes land on 8-byte boundaries, where the fields are.
      std::size_t at = region_start + pick(region_bytes);
      if (pick(2) == 0) at &= ~std::size_t{7};
      for (std::size_t i = 0; i < length && at + i < region_start + region_bytes; ++i, ++written) {
        const auto choice = pick(4);  // zeros, all ones, small numbers and noise break different checks
        base[at + i] = choice == 0 ? 0 : choice == 1 ? 0xff : choice == 2 ? static_cast<std::uint8_t>(pick(8))
                                                                           : static_cast<std::uint8_t>(rng());
      }
    }
  }
  ::munmap(a, size);
  std::cout << "scribbled " << written << " bytes" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 2) return usage();
  const std::string& mode = args[0];
  const std::string& name = args[1];
  try {
    if (mode == "publish" && args.size() >= 3)
      return publish(name, std::stoull(args[2]), {args.begin() + 3, args.end()});
    if (mode == "subscribe") return subscribe(name, {args.begin() + 2, args.end()});
    if (mode == "scribble" && args.size() >= 3)
      return scribble(name, std::stoull(args[2]), {args.begin() + 3, args.end()});
    return usage();
  } catch (const br::bridge_error& e) {
    const bool corrupt = e.kind() == br::bridge_errc::corrupt;
    std::cout << (corrupt ? "corrupt: " : "error: ") << e.what() << std::endl;
    return corrupt ? 3 : 2;
  }
}
