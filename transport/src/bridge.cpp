// The shared-memory bridge: see bridge.hpp, and docs/bridge.md for the layout.
//
// The ring is a broadcast ring of variable-length records. The publisher keeps
// two positions, head (where the next record goes) and tail (the oldest byte
// still intact), both counted in bytes since the segment was made. Before it
// overwrites old records it moves tail past them; a subscriber copies a record
// out and then checks that tail has not passed it, so a record it keeps was
// never overwritten while it read it (the seqlock pattern).
#include "comframe/transport/bridge.hpp"
#include "comframe/transport/frame_parse.hpp"

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "comframe/core/json_text.hpp"
#include "comframe/transport/adaptive_spin.hpp"
#include "comframe/transport/crc32c.hpp"

namespace comframe::transport::bridge {

namespace {

// Waiting for a seqlocked region (a latest value, the profile) to settle. A
// publisher holds a version odd for the microseconds one write takes; a
// version that stays odd or keeps changing for settle_limit — a publisher that
// died mid-write, or another process writing into the segment — is reported
// as corrupt instead of waited on. One budget per call, however many slots it
// reads; yield()ing, never sleeping, while within it.
class settle_wait {
 public:
  static constexpr std::chrono::milliseconds settle_limit{100};
  /// Yields and returns true to try again, or false when the budget is spent.
  bool again() {
    if ((++tries_ & 63) == 0 && std::chrono::steady_clock::now() - start_ > settle_limit) return false;
    std::this_thread::yield();
    return true;
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::uint32_t tries_ = 0;
};

// ---- the layout (docs/bridge.md) -------------------------------------------

constexpr char magic[8] = {'C', 'F', 'B', 'R', 'I', 'D', 'G', 'E'};
constexpr std::size_t header_bytes = 256;
constexpr std::size_t record_header_bytes = 40;
constexpr std::size_t profile_header_bytes = 16;
constexpr std::size_t slot_header_bytes = 128;
constexpr std::size_t max_key_bytes = 47;

// Segment header field offsets.
constexpr std::size_t off_magic = 0;
constexpr std::size_t off_version = 8;
constexpr std::size_t off_header_bytes = 12;
constexpr std::size_t off_segment_bytes = 16;
constexpr std::size_t off_ring_offset = 24;
constexpr std::size_t off_ring_bytes = 32;
constexpr std::size_t off_latest_offset = 40;
constexpr std::size_t off_latest_slots = 48;
constexpr std::size_t off_slot_bytes = 52;
constexpr std::size_t off_max_record = 56;
constexpr std::size_t off_pid = 60;
constexpr std::size_t off_start_time = 64;
constexpr std::size_t off_epoch = 72;
constexpr std::size_t off_created = 80;
constexpr std::size_t off_closed = 88;
constexpr std::size_t off_notify = 92;
constexpr std::size_t off_profile_offset = 96;
constexpr std::size_t off_profile_bytes = 104;
constexpr std::size_t off_refused = 112;
constexpr std::size_t off_head = 128;
constexpr std::size_t off_tail = 192;

// Record header field offsets (within a record).
constexpr std::size_t rec_size = 0;
constexpr std::size_t rec_length = 4;
constexpr std::size_t rec_sequence = 8;
constexpr std::size_t rec_time = 16;
constexpr std::size_t rec_link = 24;
constexpr std::size_t rec_dir = 26;
constexpr std::size_t rec_flags = 27;
constexpr std::size_t rec_error = 28;
constexpr std::size_t rec_original = 32;
constexpr std::uint8_t flag_padding = 0x80;  // fills the ring's end; no sequence number

// Slot header field offsets (within a slot).
constexpr std::size_t slot_version = 0;
constexpr std::size_t slot_key_length = 8;
constexpr std::size_t slot_schema_length = 12;
constexpr std::size_t slot_value_length = 16;
constexpr std::size_t slot_key = 24;
constexpr std::size_t slot_schema = 72;

// Profile region field offsets (within the region).
constexpr std::size_t prof_version = 0;
constexpr std::size_t prof_length = 8;

constexpr std::size_t align8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

template <class T>
T load(const std::uint8_t* base, std::size_t offset) {
  T v;
  std::memcpy(&v, base + offset, sizeof v);
  return v;
}
template <class T>
void store(std::uint8_t* base, std::size_t offset, T v) {
  std::memcpy(base + offset, &v, sizeof v);
}
template <class T>
std::atomic_ref<T> atomic_at(const std::uint8_t* base, std::size_t offset) {
  return std::atomic_ref<T>(*reinterpret_cast<T*>(const_cast<std::uint8_t*>(base + offset)));
}

[[noreturn]] void fail(bridge_errc kind, const std::string& message) { throw bridge_error(kind, message); }
[[noreturn]] void fail_usage(const std::string& message) { throw usage_error("transport.bridge", message); }
[[noreturn]] void fail_errno(const std::string& what) { fail(bridge_errc::system, what + ": " + std::strerror(errno)); }

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Fields 3 (the state) and 22 (when the process started, in clock ticks since
// boot) of /proc/<pid>/stat. With the pid, the start time names one process,
// even after the pid is reused.
struct proc_stat {
  char state = '?';
  std::uint64_t start_time = 0;
};
// Read with read(2), not a stream: when the process exits between open and
// read, read fails with ESRCH, which libstdc++'s filebuf turns into an
// exception. Here that is only "no answer", as for a process long gone.
std::optional<proc_stat> read_proc_stat(int pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char chunk[512];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || text.size() > 4096) break;  // a stat line is a few hundred bytes
    text.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto paren = text.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(paren + 2));
  proc_stat out;
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return std::nullopt;
    if (i == 3) out.state = field.empty() ? '?' : field[0];
  }
  try {
    out.start_time = std::stoull(field);
  } catch (...) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::uint64_t> process_start_time(int pid) {
  const auto s = read_proc_stat(pid);
  if (!s) return std::nullopt;
  return s->start_time;
}

bool process_alive(int pid, std::uint64_t start_time) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  const auto s = read_proc_stat(pid);
  // A zombie answers kill(0) until its parent reaps it, which may be never.
  if (s && (s->state == 'Z' || s->state == 'X')) return false;
  if (start_time == 0) return true;  // /proc was not readable to the publisher: the pid alone
  return !s || s->start_time == start_time;
}

void futex_wake_all(const std::uint8_t* base) {
  ::syscall(SYS_futex, reinterpret_cast<const std::uint32_t*>(base + off_notify), FUTEX_WAKE, INT_MAX, nullptr,
            nullptr, 0);
}

void futex_wait(const std::uint8_t* base, std::uint32_t seen, std::chrono::nanoseconds timeout) {
  timespec ts{static_cast<time_t>(timeout.count() / 1000000000), static_cast<long>(timeout.count() % 1000000000)};
  ::syscall(SYS_futex, reinterpret_cast<const std::uint32_t*>(base + off_notify), FUTEX_WAIT, seen, &ts, nullptr,
            0);
}

// ---- the doorbell (docs/bridge.md, "The doorbell") ----------------------------
// A 64-byte file beside the segment, writable by whoever may read the segment,
// whose word at bell_off_asleep a subscriber sets before it sleeps on the
// segment's notify word. The publisher makes the FUTEX_WAKE system call only
// when it finds the word set, and clears it as it wakes everyone: one call per
// round of sleeps, none while nobody sleeps. The ring stays read-only to
// subscribers. A hostile value can only cost time: a cleared word makes
// sleepers wait out their bounded sleep; a word set again and again makes the
// publisher wake on every record, as if there were no doorbell.
constexpr char bell_magic[8] = {'C', 'F', 'B', 'E', 'L', 'L', '0', '1'};
constexpr std::size_t bell_bytes = 64;
constexpr std::size_t bell_off_epoch = 8;   // the segment's epoch: a bell of another publisher is not ours
constexpr std::size_t bell_off_asleep = 16;  // u32: not 0 when a subscriber sleeps, or is about to

// The longest sleep of a subscriber that has no doorbell to ring.
constexpr std::chrono::milliseconds unrung_sleep{1};

// Whoever may read the segment may ring: each read bit of `mode` adds its write bit.
unsigned bell_mode(unsigned mode) { return (mode & 0444) | ((mode & 0444) >> 1); }

std::uint64_t random_epoch() {
  std::random_device rd;
  std::uint64_t e = 0;
  while (e == 0) e = (std::uint64_t{rd()} << 32) ^ rd() ^ now_ns();
  return e;
}

struct mapping {
  void* address = MAP_FAILED;
  std::size_t size = 0;
  mapping() = default;
  mapping(void* a, std::size_t s) : address(a), size(s) {}
  mapping(mapping&& o) noexcept : address(std::exchange(o.address, MAP_FAILED)), size(o.size) {}
  mapping& operator=(mapping&& o) noexcept {
    reset();
    address = std::exchange(o.address, MAP_FAILED);
    size = o.size;
    return *this;
  }
  ~mapping() { reset(); }
  void reset() {
    if (address != MAP_FAILED) ::munmap(address, size);
    address = MAP_FAILED;
  }
  std::uint8_t* data() const { return static_cast<std::uint8_t*>(address); }
};

struct file {
  int fd = -1;
  file() = default;
  explicit file(int f) : fd(f) {}
  file(file&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  file& operator=(file&& o) noexcept {
    if (fd >= 0) ::close(fd);
    fd = std::exchange(o.fd, -1);
    return *this;
  }
  ~file() {
    if (fd >= 0) ::close(fd);
  }
};

// The geometry of a segment, from its header, checked against the mapping.
struct geometry {
  std::uint64_t segment_bytes = 0;
  std::uint64_t ring_offset = 0;
  std::uint64_t ring_bytes = 0;
  std::uint64_t profile_offset = 0;
  std::uint64_t profile_bytes = 0;
  std::uint64_t latest_offset = 0;
  std::uint32_t latest_slots = 0;
  std::uint32_t slot_bytes = 0;
  std::uint32_t max_record = 0;
  int pid = 0;
  std::uint64_t start_time = 0;
  std::uint64_t epoch = 0;
};

// A bad field of the segment at `path`: its name and its own byte offset in the segment.
[[noreturn]] void fail_corrupt_field(const std::string& path, std::uint64_t offset, const char* field,
                                     const std::string& what) {
  throw bridge_error(bridge_errc::corrupt, what, {path, field, offset});
}
// A segment at `path` that is corrupt as a whole.
[[noreturn]] void fail_corrupt(const std::string& path, const std::string& what) {
  throw bridge_error(bridge_errc::corrupt, what, {path, {}, {}});
}

geometry read_geometry(const std::uint8_t* base, std::size_t mapped, const std::string& path) {
  auto corrupt = [&](std::size_t offset, const char* field, const std::string& what) -> void {
    fail_corrupt_field(path, offset, field, what);
  };
  if (mapped < header_bytes)
    fail_corrupt(path, "the segment holds " + std::to_string(mapped) +
                                         " bytes, less than its " + std::to_string(header_bytes) + "-byte header");
  if (std::memcmp(base + off_magic, magic, sizeof magic) != 0)
    corrupt(off_magic, "magic", "not \"CFBRIDGE\": not a comframe bridge segment");
  const auto version = load<std::uint32_t>(base, off_version);
  if (version != layout_version)
    corrupt(off_version, "layout_version",
            "layout version " + std::to_string(version) + ", this program reads " + std::to_string(layout_version));
  if (load<std::uint32_t>(base, off_header_bytes) != header_bytes)
    corrupt(off_header_bytes, "header_bytes", "is " + std::to_string(load<std::uint32_t>(base, off_header_bytes)) +
                                                  ", expected " + std::to_string(header_bytes));
  geometry g;
  g.segment_bytes = load<std::uint64_t>(base, off_segment_bytes);
  g.ring_offset = load<std::uint64_t>(base, off_ring_offset);
  g.ring_bytes = load<std::uint64_t>(base, off_ring_bytes);
  g.profile_offset = load<std::uint64_t>(base, off_profile_offset);
  g.profile_bytes = load<std::uint64_t>(base, off_profile_bytes);
  g.latest_offset = load<std::uint64_t>(base, off_latest_offset);
  g.latest_slots = load<std::uint32_t>(base, off_latest_slots);
  g.slot_bytes = load<std::uint32_t>(base, off_slot_bytes);
  g.max_record = load<std::uint32_t>(base, off_max_record);
  g.pid = load<std::int32_t>(base, off_pid);
  g.start_time = load<std::uint64_t>(base, off_start_time);
  g.epoch = load<std::uint64_t>(base, off_epoch);
  if (g.segment_bytes != mapped)
    corrupt(off_segment_bytes, "segment_bytes",
            "says " + std::to_string(g.segment_bytes) + " bytes, the segment has " + std::to_string(mapped));
  if (g.ring_offset != header_bytes)
    corrupt(off_ring_offset, "ring_offset", "is " + std::to_string(g.ring_offset) + ", expected " +
                                                std::to_string(header_bytes));
  if (g.ring_bytes < 4096 || (g.ring_bytes & (g.ring_bytes - 1)) != 0 || g.ring_bytes > mapped - header_bytes)
    corrupt(off_ring_bytes, "ring_bytes",
            std::to_string(g.ring_bytes) + " is not a power of two from 4096 that fits the segment");
  if (g.profile_offset != g.ring_offset + g.ring_bytes)
    corrupt(off_profile_offset, "profile_offset", "is " + std::to_string(g.profile_offset) + ", expected " +
                                                      std::to_string(g.ring_offset + g.ring_bytes));
  if (g.profile_bytes < profile_header_bytes || g.profile_bytes % 8 != 0 ||
      g.profile_bytes > mapped - g.profile_offset)
    corrupt(off_profile_bytes, "profile_bytes",
            std::to_string(g.profile_bytes) + " is not a multiple of 8 from 16 that fits the segment");
  if (g.latest_offset != g.profile_offset + g.profile_bytes)
    corrupt(off_latest_offset, "latest_offset", "is " + std::to_string(g.latest_offset) + ", expected " +
                                                    std::to_string(g.profile_offset + g.profile_bytes));
  if (g.latest_slots > 4096)
    corrupt(off_latest_slots, "latest_slots", std::to_string(g.latest_slots) + " slots, more than 4096");
  if (g.slot_bytes < slot_header_bytes || g.slot_bytes % 8 != 0 ||
      g.slot_bytes > slot_header_bytes + (std::uint64_t{16} << 20))
    corrupt(off_slot_bytes, "slot_bytes",
            std::to_string(g.slot_bytes) + " is not a multiple of 8 from 128 to 128 + 16 MiB");
  if (std::uint64_t{g.latest_slots} * g.slot_bytes != mapped - g.latest_offset)
    corrupt(off_latest_slots, "latest_slots",
            std::to_string(g.latest_slots) + " slots of " + std::to_string(g.slot_bytes) +
                " bytes do not end the segment at its " + std::to_string(mapped) + " bytes");
  if (g.max_record < 1 || g.max_record > g.ring_bytes / 4)
    corrupt(off_max_record, "max_record_bytes",
            std::to_string(g.max_record) + " is not from 1 to a quarter of the ring");
  return g;
}

}  // namespace

std::string_view to_string(bridge_errc kind) noexcept {
  switch (kind) {
    case bridge_errc::name: return "name";
    case bridge_errc::in_use: return "in_use";
    case bridge_errc::not_found: return "not_found";
    case bridge_errc::permission: return "permission";
    case bridge_errc::corrupt: return "corrupt";
    case bridge_errc::system: return "system";
  }
  return "unknown";
}

bridge_error::bridge_error(bridge_errc kind, std::string detail, error_location where)
    : comframe::error("transport.bridge." + std::string(to_string(kind)), std::move(detail), std::move(where)),
      kind_(kind) {}

void check_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64 && name.front() != '.';
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '-' || c == '_');
  if (!ok)
    fail(bridge_errc::name, "bridge name " + core::quoted_text(name) +
                                " is not allowed: use 1 to 64 letters, digits, '.', '-' or '_', not starting with '.'");
}

std::string segment_path(std::string_view name) { return "/dev/shm/comframe." + std::string(name); }

std::string doorbell_path(std::string_view name) { return "/dev/shm/comframe-bell." + std::string(name); }

std::string_view to_string(read_status status) noexcept {
  switch (status) {
    case read_status::record: return "record";
    case read_status::timeout: return "timeout";
    case read_status::publisher_gone: return "publisher_gone";
    case read_status::publisher_restarted: return "publisher_restarted";
  }
  return "unknown";
}

// ---- publisher ---------------------------------------------------------------

struct publisher::impl {
  std::string name;
  std::string path;
  file fd;
  mapping map;
  std::uint8_t* base = nullptr;
  std::uint8_t* ring = nullptr;
  std::uint64_t ring_bytes = 0;
  std::uint64_t max_record = 0;
  std::uint64_t head = 0;  // our copies of the shared positions
  std::uint64_t tail = 0;
  std::uint64_t next_sequence = 0;
  std::uint64_t epoch = 0;
  std::uint32_t latest_slots = 0;
  std::uint32_t slot_bytes = 0;
  std::uint64_t latest_offset = 0;
  std::uint8_t* profile = nullptr;  // the profile region
  std::uint64_t profile_capacity = 0;
  std::vector<std::string> slot_keys;  // which key each slot holds ("" for free)
  std::mutex mutex;
  mapping bell_map;                 // the doorbell, or none: then every record wakes
  std::uint8_t* bell = nullptr;
  ino_t bell_inode = 0;
  std::atomic<std::uint64_t> wakes{0};  // FUTEX_WAKE calls made

  // Wakes the sleepers, if the doorbell says there are any, and clears it: every
  // sleeper wakes now, and sets it again before it next sleeps.
  void wake() {
    if (bell) {
      auto asleep = atomic_at<std::uint32_t>(bell, bell_off_asleep);
      if (asleep.load(std::memory_order_seq_cst) == 0 || asleep.exchange(0, std::memory_order_seq_cst) == 0) return;
    }
    wakes.fetch_add(1, std::memory_order_relaxed);
    futex_wake_all(base);
  }

  void create_bell(unsigned mode);

  // Moves tail past every record that starts below `min`.
  void advance_tail(std::uint64_t min) {
    if (tail >= min) return;
    while (tail < min) {
      const std::uint64_t off = tail & (ring_bytes - 1);
      if (ring_bytes - off < record_header_bytes) {
        tail += ring_bytes - off;
        continue;
      }
      // The sizes come from the shared ring, which any process with write
      // access can overwrite: a size that cannot be ours (0 would loop
      // forever) drops everything up to head instead.
      const std::uint32_t size = load<std::uint32_t>(ring, off + rec_size);
      if (size < record_header_bytes || size % 8 != 0 || size > ring_bytes - off || tail + size > head) {
        tail = head;
        break;
      }
      tail += size;
    }
    atomic_at<std::uint64_t>(base, off_tail).store(tail, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);  // tail is seen before any byte we overwrite
  }

  // Reserves room for a record of `record_bytes` (a multiple of 8) and returns
  // where it goes in the ring.
  std::uint8_t* reserve(std::uint64_t record_bytes) {
    std::uint64_t off = head & (ring_bytes - 1);
    if (ring_bytes - off < record_bytes) {
      const std::uint64_t pad = ring_bytes - off;
      advance_tail(head + pad + record_bytes - ring_bytes);
      if (pad >= record_header_bytes) {
        std::memset(ring + off, 0, record_header_bytes);
        store<std::uint32_t>(ring, off + rec_size, static_cast<std::uint32_t>(pad));
        store<std::uint8_t>(ring, off + rec_flags, flag_padding);
      }
      head += pad;
      off = 0;
    } else if (head + record_bytes > ring_bytes) {
      advance_tail(head + record_bytes - ring_bytes);
    }
    return ring + off;
  }

  void commit(std::uint8_t* rec, std::uint64_t record_bytes) {
    (void)rec;
    head += record_bytes;
    atomic_at<std::uint64_t>(base, off_head).store(head, std::memory_order_release);
    // seq_cst, against the subscriber's seq_cst setting of the doorbell then load of
    // notify: either it sees this increment and does not sleep, or we see the doorbell set.
    atomic_at<std::uint32_t>(base, off_notify).fetch_add(1, std::memory_order_seq_cst);
    wake();
  }

  void write_record_header(std::uint8_t* rec, std::uint64_t record_bytes, std::size_t length, direction dir,
                           std::size_t original_length, std::uint16_t link_id, std::uint8_t flags,
                           std::optional<frame_error> error, std::uint64_t time_ns) {
    store<std::uint32_t>(rec, rec_size, static_cast<std::uint32_t>(record_bytes));
    store<std::uint32_t>(rec, rec_length, static_cast<std::uint32_t>(length));
    store<std::uint64_t>(rec, rec_sequence, next_sequence++);
    store<std::uint64_t>(rec, rec_time, time_ns ? time_ns : now_ns());
    store<std::uint16_t>(rec, rec_link, link_id);
    store<std::uint8_t>(rec, rec_dir, static_cast<std::uint8_t>(dir));
    store<std::uint8_t>(rec, rec_flags, flags);
    store<std::uint8_t>(rec, rec_error, error ? static_cast<std::uint8_t>(static_cast<std::uint8_t>(*error) + 1) : 0);
    std::memset(rec + rec_error + 1, 0, 3);
    store<std::uint32_t>(rec, rec_original,
                         static_cast<std::uint32_t>(std::min<std::size_t>(original_length, UINT32_MAX)));
    std::memset(rec + rec_original + 4, 0, 4);
  }

  // Making the segment (publisher::publisher): the new file at `tmp`, then
  // sized and mapped, then its header.
  void create(const std::string& tmp, unsigned mode);
  void map_segment(const std::string& tmp, unsigned mode, std::uint64_t size);
  void write_header(const publisher_options& o, std::uint64_t profile_offset, std::uint64_t size);

  // Counts a value the publisher could not store, in the segment for every
  // reader to see, then refuses it.
  [[noreturn]] void refuse(const std::string& message) {
    atomic_at<std::uint64_t>(base, off_refused).fetch_add(1, std::memory_order_release);
    fail_usage(message);
  }
};

namespace {

// Refuses options that could not make a sound segment, before anything is created.
void check_options(std::string_view name, const publisher_options& o) {
  check_name(name);
  if (o.ring_bytes < 4096 || o.ring_bytes > (std::size_t{1} << 30) || (o.ring_bytes & (o.ring_bytes - 1)) != 0)
    fail_usage("ring_bytes " + std::to_string(o.ring_bytes) +
                                       " is not a power of two from 4096 to 1 GiB");
  if (o.max_record_bytes < 1 || o.max_record_bytes > o.ring_bytes / 4)
    fail_usage("max_record_bytes " + std::to_string(o.max_record_bytes) +
                                       " is not from 1 to a quarter of ring_bytes");
  if (o.latest_slots > 4096 || o.latest_value_bytes > (std::size_t{16} << 20))
    fail_usage("at most 4096 latest-value slots of at most 16 MiB each");
  if (o.profile_bytes > (std::size_t{16} << 20))
    fail_usage("profile_bytes " + std::to_string(o.profile_bytes) + " is over 16 MiB");
  if (o.mode > 0777) fail_usage("mode " + std::to_string(o.mode) + " is not permission bits");
}

// A name for the segment while it is being made: unique to this process and call.
std::string temporary_path(std::uint64_t epoch) {
  static std::atomic<unsigned> counter{0};
  return "/dev/shm/.comframe-new." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1)) + "." +
         std::to_string(epoch % 1000000);
}

// " by pid 1234" from the header of a segment another publisher holds, or "".
std::string holder_of(int fd) {
  struct stat st{};
  if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) < header_bytes) return "";
  void* p = ::mmap(nullptr, header_bytes, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return "";
  const std::string who = " by pid " + std::to_string(load<std::int32_t>(static_cast<const std::uint8_t*>(p), off_pid));
  ::munmap(p, header_bytes);
  return who;
}

// Reclaims the name `path` of bridge `name` from the segment that has it, for
// our finished segment at `tmp`. A live publisher holds its segment's flock
// until it dies, however it dies (the kernel drops the lock), so:
//  - the lock is held: the bridge is in use — throws in_use, naming the pid;
//  - the lock is free: its publisher is gone, and `tmp` is renamed over it
//    while we hold the stale segment's lock, so that of two processes
//    reclaiming it at once only one succeeds (the other then finds a live
//    segment, or a new inode under the name, and tries again).
// Returns true when `tmp` now has the name; false when the name changed under
// us (removed or replaced meanwhile) and the caller should try again from link().
// `attempt` bounds the retries at 100.
bool reclaim_stale(const std::string& tmp, const std::string& path, const std::string& name, int attempt) {
  file old(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (old.fd < 0) {
    if (errno == ENOENT && attempt < 100) return false;  // removed meanwhile: try again
    fail_errno("cannot open the existing bridge segment " + path);
  }
  if (::flock(old.fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) fail_errno("cannot lock the existing bridge segment " + path);
    fail(bridge_errc::in_use, "bridge \"" + name + "\" is in use" + holder_of(old.fd) + " (" + path + ")");
  }
  struct stat held{}, now{};
  if (::fstat(old.fd, &held) != 0) fail_errno("cannot stat " + path);
  if (::stat(path.c_str(), &now) != 0 || now.st_ino != held.st_ino || now.st_dev != held.st_dev) {
    if (attempt < 100) return false;
    fail(bridge_errc::in_use, "bridge \"" + name + "\" keeps being replaced by another process");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail_errno("cannot replace the stale bridge segment " + path);
  return true;
}

// Gives the finished segment at `tmp` its name in one step, so no subscriber
// ever sees a half-made segment: link() when the name is free (then `tmp` goes),
// else reclaim_stale(). On return `tmp` no longer exists.
void claim_name(const std::string& tmp, const std::string& path, const std::string& name) {
  for (int attempt = 0;; ++attempt) {
    if (::link(tmp.c_str(), path.c_str()) == 0) {
      ::unlink(tmp.c_str());
      return;
    }
    if (errno != EEXIST) fail_errno("cannot create bridge segment " + path);
    if (reclaim_stale(tmp, path, name, attempt)) return;
  }
}

}  // namespace

void publisher::impl::create(const std::string& tmp, unsigned mode) {
  fd = file(::open(tmp.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, mode));
  if (fd.fd < 0) fail_errno("cannot create bridge segment " + tmp);
}

void publisher::impl::map_segment(const std::string& tmp, unsigned mode, std::uint64_t size) {
  if (::fchmod(fd.fd, mode) != 0) fail_errno("cannot set the mode of " + tmp);
  if (::ftruncate(fd.fd, static_cast<off_t>(size)) != 0) fail_errno("cannot size bridge segment " + tmp);
  void* a = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.fd, 0);
  if (a == MAP_FAILED) fail_errno("cannot map bridge segment " + tmp);
  map = mapping(a, size);
  base = map.data();
  ring = base + header_bytes;
}

void publisher::impl::write_header(const publisher_options& o, std::uint64_t profile_offset, std::uint64_t size) {
  profile = base + profile_offset;
  std::memcpy(base + off_magic, magic, sizeof magic);
  store<std::uint32_t>(base, off_version, layout_version);
  store<std::uint32_t>(base, off_header_bytes, header_bytes);
  store<std::uint64_t>(base, off_segment_bytes, size);
  store<std::uint64_t>(base, off_ring_offset, header_bytes);
  store<std::uint64_t>(base, off_ring_bytes, o.ring_bytes);
  store<std::uint64_t>(base, off_profile_offset, profile_offset);
  store<std::uint64_t>(base, off_profile_bytes, profile_header_bytes + profile_capacity);
  store<std::uint64_t>(base, off_latest_offset, latest_offset);
  store<std::uint32_t>(base, off_latest_slots, latest_slots);
  store<std::uint32_t>(base, off_slot_bytes, slot_bytes);
  store<std::uint32_t>(base, off_max_record, static_cast<std::uint32_t>(o.max_record_bytes));
  store<std::int32_t>(base, off_pid, static_cast<std::int32_t>(::getpid()));
  store<std::uint64_t>(base, off_start_time, process_start_time(::getpid()).value_or(0));
  store<std::uint64_t>(base, off_epoch, epoch);
  store<std::uint64_t>(base, off_created, now_ns());
}

// Made whole under a temporary name and renamed over any earlier publisher's.
// Without one (no room in /dev/shm, say) the publisher wakes on every record.
void publisher::impl::create_bell(unsigned mode) {
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, ".%016llx", static_cast<unsigned long long>(epoch));
  const std::string final_path = doorbell_path(name), tmp = final_path + suffix;
  file f(::open(tmp.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (f.fd < 0) return;
  struct stat st{};
  void* a = MAP_FAILED;
  if (::fchmod(f.fd, bell_mode(mode)) != 0 || ::ftruncate(f.fd, bell_bytes) != 0 || ::fstat(f.fd, &st) != 0 ||
      (a = ::mmap(nullptr, bell_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd, 0)) == MAP_FAILED) {
    ::unlink(tmp.c_str());
    return;
  }
  mapping bm(a, bell_bytes);
  auto* b = bm.data();
  std::memcpy(b, bell_magic, sizeof bell_magic);
  store<std::uint64_t>(b, bell_off_epoch, epoch);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return;
  }
  bell_map = std::move(bm);
  bell = bell_map.data();
  bell_inode = st.st_ino;
}

publisher::publisher(std::string_view name, const publisher_options& o) : impl_(std::make_unique<impl>()) {
  check_options(name, o);
  auto& m = *impl_;
  m.name = std::string(name);
  m.path = segment_path(name);
  m.ring_bytes = o.ring_bytes;
  m.max_record = o.max_record_bytes;
  m.latest_slots = o.latest_slots;
  m.slot_bytes = static_cast<std::uint32_t>(slot_header_bytes + align8(o.latest_value_bytes));
  m.slot_keys.assign(o.latest_slots, std::string());
  m.epoch = random_epoch();
  m.profile_capacity = align8(o.profile_bytes);
  const std::uint64_t profile_offset = header_bytes + o.ring_bytes;
  m.latest_offset = profile_offset + profile_header_bytes + m.profile_capacity;
  const std::uint64_t size = m.latest_offset + std::uint64_t{m.latest_slots} * m.slot_bytes;

  // Made whole under a temporary name, then given its name (claim_name).
  const std::string tmp = temporary_path(m.epoch);
  m.create(tmp, o.mode);
  struct tmp_guard {
    const std::string& path;
    bool armed = true;
    ~tmp_guard() {
      if (armed) ::unlink(path.c_str());
    }
  } guard{tmp};
  m.map_segment(tmp, o.mode, size);
  m.write_header(o, profile_offset, size);
  // The lock says "a live publisher has this segment"; the kernel drops it when
  // the process dies, however it dies.
  if (::flock(m.fd.fd, LOCK_EX | LOCK_NB) != 0) fail_errno("cannot lock bridge segment " + tmp);
  claim_name(tmp, m.path, m.name);
  guard.armed = false;
  m.create_bell(o.mode);
}

publisher::~publisher() {
  auto& m = *impl_;
  if (!m.base) return;
  atomic_at<std::uint32_t>(m.base, off_closed).store(1, std::memory_order_release);
  atomic_at<std::uint32_t>(m.base, off_notify).fetch_add(1, std::memory_order_seq_cst);
  futex_wake_all(m.base);  // whatever the doorbell says: the last word must reach everyone
  if (m.bell) {  // the doorbell's name too, if it is still ours
    struct stat named{};
    const std::string bell = doorbell_path(m.name);
    if (::stat(bell.c_str(), &named) == 0 && named.st_ino == m.bell_inode) ::unlink(bell.c_str());
  }
  // Remove the name only if it is still ours (it is while we hold the lock).
  struct stat mine{}, named{};
  if (::fstat(m.fd.fd, &mine) == 0 && ::stat(m.path.c_str(), &named) == 0 && mine.st_ino == named.st_ino &&
      mine.st_dev == named.st_dev)
    ::unlink(m.path.c_str());
}

std::uint64_t publisher::publish(direction dir, std::span<const std::uint8_t> bytes, std::uint16_t link_id,
                                 std::uint8_t flags, std::optional<frame_error> error, std::uint64_t time_ns) {
  auto& m = *impl_;
  std::size_t length = bytes.size();
  flags &= static_cast<std::uint8_t>(~(flag_padding | truncated));  // only the publisher cuts
  if (length > m.max_record) {
    length = m.max_record;
    flags |= truncated;
  }
  const std::uint64_t record_bytes = align8(record_header_bytes + length);
  std::lock_guard lock(m.mutex);
  std::uint8_t* rec = m.reserve(record_bytes);
  const std::uint64_t sequence = m.next_sequence;
  m.write_record_header(rec, record_bytes, length, dir, bytes.size(), link_id, flags, error, time_ns);
  if (length) std::memcpy(rec + record_header_bytes, bytes.data(), length);
  m.commit(rec, record_bytes);
  return sequence;
}

std::uint64_t publisher::publish_frame(direction dir, const frame_header& header,
                                       std::span<const std::uint8_t> payload, std::uint16_t link_id,
                                       std::uint64_t time_ns) {
  auto& m = *impl_;
  const std::size_t length = frame_size(payload.size());
  if (length > m.max_record) return publish(dir, frame_bytes(header, payload), link_id, 0, std::nullopt, time_ns);
  const std::uint64_t record_bytes = align8(record_header_bytes + length);
  std::lock_guard lock(m.mutex);
  std::uint8_t* rec = m.reserve(record_bytes);
  const std::uint64_t sequence = m.next_sequence;
  m.write_record_header(rec, record_bytes, length, dir, length, link_id, 0, std::nullopt, time_ns);
  write_frame_bytes(header, payload, {rec + record_header_bytes, length});
  m.commit(rec, record_bytes);
  return sequence;
}

void publisher::set_latest(std::string_view key, std::string_view schema_name, std::span<const std::uint8_t> value) {
  auto& m = *impl_;
  if (key.empty() || key.size() > max_key_bytes)
    m.refuse("latest-value key " + core::quoted_text(key) + " is not 1 to 47 bytes (it has " +
             std::to_string(key.size()) + ")");
  if (schema_name.size() > max_key_bytes)
    m.refuse("schema name " + core::quoted_text(schema_name) + " of latest value " + core::quoted_text(key) +
             " is over 47 bytes");
  if (value.size() > m.slot_bytes - slot_header_bytes)
    m.refuse("latest value " + core::quoted_text(key) + " has " + std::to_string(value.size()) +
             " bytes, over the bridge's " + std::to_string(m.slot_bytes - slot_header_bytes));
  std::lock_guard lock(m.mutex);
  std::size_t index = m.slot_keys.size();
  for (std::size_t i = 0; i < m.slot_keys.size() && index == m.slot_keys.size(); ++i)
    if (m.slot_keys[i] == key) index = i;
  for (std::size_t i = 0; i < m.slot_keys.size() && index == m.slot_keys.size(); ++i)
    if (m.slot_keys[i].empty()) index = i;
  if (index == m.slot_keys.size())
    m.refuse("no latest-value slot left for " + core::quoted_text(key) + ": all " + std::to_string(m.latest_slots) +
             " hold other keys");
  m.slot_keys[index] = std::string(key);
  std::uint8_t* slot = m.base + m.latest_offset + index * m.slot_bytes;
  auto version = atomic_at<std::uint64_t>(slot, slot_version);
  const std::uint64_t v = version.load(std::memory_order_relaxed);
  version.store(v + 1, std::memory_order_relaxed);  // odd: being written
  std::atomic_thread_fence(std::memory_order_release);
  store<std::uint32_t>(slot, slot_key_length, static_cast<std::uint32_t>(key.size()));
  store<std::uint32_t>(slot, slot_schema_length, static_cast<std::uint32_t>(schema_name.size()));
  store<std::uint32_t>(slot, slot_value_length, static_cast<std::uint32_t>(value.size()));
  // Whole fields, zero after the text: a 47-byte key or schema name is still followed by a NUL.
  std::memset(slot + slot_key, 0, slot_header_bytes - slot_key);
  std::memcpy(slot + slot_key, key.data(), key.size());
  std::memcpy(slot + slot_schema, schema_name.data(), schema_name.size());
  if (!value.empty()) std::memcpy(slot + slot_header_bytes, value.data(), value.size());
  version.store(v + 2, std::memory_order_release);  // even: whole
}

void publisher::set_latest(std::string_view key, std::string_view schema_name, std::string_view text) {
  set_latest(key, schema_name,
             std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void publisher::set_profile(std::string_view text) {
  auto& m = *impl_;
  if (text.size() > m.profile_capacity)
    m.refuse("the profile's " + std::to_string(text.size()) + " bytes are over the bridge's profile region of " +
             std::to_string(m.profile_capacity) + " (publisher_options::profile_bytes)");
  std::lock_guard lock(m.mutex);
  auto version = atomic_at<std::uint64_t>(m.profile, prof_version);
  const std::uint64_t v = version.load(std::memory_order_relaxed);
  version.store(v + 1, std::memory_order_relaxed);  // odd: being written
  std::atomic_thread_fence(std::memory_order_release);
  store<std::uint64_t>(m.profile, prof_length, text.size());
  if (!text.empty()) std::memcpy(m.profile + profile_header_bytes, text.data(), text.size());
  version.store(v + 2, std::memory_order_release);  // even: whole
}

std::uint64_t publisher::wakes() const noexcept { return impl_->wakes.load(std::memory_order_relaxed); }

std::uint64_t publisher::refused() const noexcept {
  return atomic_at<std::uint64_t>(impl_->base, off_refused).load(std::memory_order_acquire);
}

const std::string& publisher::name() const noexcept { return impl_->name; }
std::uint64_t publisher::published() const noexcept {
  std::lock_guard lock(impl_->mutex);
  return impl_->next_sequence;
}
std::uint64_t publisher::epoch() const noexcept { return impl_->epoch; }

// ---- subscriber --------------------------------------------------------------

struct subscriber::impl {
  std::string name;
  std::string path;
  subscriber_options options;
  mapping map;
  std::uint8_t* base = nullptr;
  const std::uint8_t* ring = nullptr;
  geometry geo;
  ino_t inode = 0;
  dev_t device = 0;
  std::uint64_t pos = 0;            // byte position of the next record
  std::uint64_t next_sequence = 0;  // its sequence number
  std::vector<std::uint8_t> buffer;
  subscriber_stats stats;
  bool gone = false;  // publisher_gone reported; looking for a new publisher
  // After a restart: the first record read counts as lost every record of the
  // new publisher before it (its sequence numbers start at 0).
  bool count_from_zero = false;
  std::chrono::steady_clock::time_point last_check{};
  adaptive_spin spin;  // how long to spin before the futex (options.spin at most)
  mapping bell_map;    // the publisher's doorbell, or none: then sleeps are short
  std::uint8_t* bell = nullptr;
  std::chrono::steady_clock::time_point bell_tried{};

  // Opens the doorbell of the attached publisher (same epoch), read-write; none
  // when it is missing, not ours to write, or not this publisher's.
  void open_bell() {
    bell_tried = std::chrono::steady_clock::now();
    bell_map = mapping();
    bell = nullptr;
    file f(::open(doorbell_path(name).c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    struct stat st{};
    if (f.fd < 0 || ::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < static_cast<off_t>(bell_bytes))
      return;
    void* a = ::mmap(nullptr, bell_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, f.fd, 0);
    if (a == MAP_FAILED) return;
    mapping bm(a, bell_bytes);
    if (std::memcmp(bm.data(), bell_magic, sizeof bell_magic) != 0 ||
        load<std::uint64_t>(bm.data(), bell_off_epoch) != geo.epoch)
      return;
    bell_map = std::move(bm);
    bell = bell_map.data();
  }

  // Sleeps on the notify word until it moves from `seen`, for at most `wait`,
  // first setting the doorbell so that the publisher wakes us. Without a
  // doorbell the publisher may not wake us: the sleep is then at most unrung_sleep.
  void sleep(std::uint32_t seen, std::chrono::nanoseconds wait) {
    ++stats.sleeps;
    if (!bell) {
      futex_wait(base, seen, std::min<std::chrono::nanoseconds>(wait, unrung_sleep));
      return;
    }
    atomic_at<std::uint32_t>(bell, bell_off_asleep).store(1, std::memory_order_seq_cst);
    // seq_cst, against the publisher's increment of notify then load of the
    // doorbell: either we see its record here and do not sleep, or it sees the
    // doorbell set and wakes us (the kernel checks notify again, atomically).
    if (atomic_at<std::uint32_t>(base, off_notify).load(std::memory_order_seq_cst) == seen) futex_wait(base, seen, wait);
  }

  // A bad field of the segment, named by its own byte offset in the segment.
  [[noreturn]] void corrupt_at(std::uint64_t offset, const char* field, const std::string& what) const {
    fail_corrupt_field(path, offset, field, what);
  }
  // A bad field of a record: the field at `field_offset` of the record at ring position `pos`.
  [[noreturn]] void corrupt(std::uint64_t pos, std::size_t field_offset, const char* field,
                            const std::string& what) const {
    corrupt_at(geo.ring_offset + (pos & (geo.ring_bytes - 1)) + field_offset, field, what);
  }

  std::uint64_t head() const { return atomic_at<std::uint64_t>(base, off_head).load(std::memory_order_acquire); }
  std::uint64_t tail() const { return atomic_at<std::uint64_t>(base, off_tail).load(std::memory_order_acquire); }

  // Checks the head for up to `budget`, yielding the core every yield_every,
  // and says how the spin ended (adaptive_spin.hpp). A yield or a gap between
  // two checks longer than descheduled_after means another task had the core.
  spin_outcome spin_for_record(std::chrono::nanoseconds budget) const {
    using clock = std::chrono::steady_clock;
    const auto& o = spin.options();
    const auto start = clock::now();
    const auto end = start + budget;
    auto last = start;
    auto next_yield = start + o.yield_every;
    for (;;) {
      if (head() != pos) return spin_outcome::found;
      auto now = clock::now();
      if (now - last > o.descheduled_after) return spin_outcome::descheduled;
      if (now >= end) return spin_outcome::exhausted;
      if (now >= next_yield) {
        ::sched_yield();
        const auto after = clock::now();
        if (after - now > o.descheduled_after) return spin_outcome::descheduled;
        now = after;
        next_yield = now + o.yield_every;
      }
      last = now;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }

  // Opens and maps the segment; throws not_found, permission, corrupt.
  static void attach(impl& m) {
    file fd(::open(m.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.fd < 0) {
      if (errno == ENOENT)
        fail(bridge_errc::not_found, "no bridge \"" + m.name + "\" (" + m.path + "): is its publisher running?");
      if (errno == EACCES || errno == EPERM)
        fail(bridge_errc::permission, "cannot open bridge \"" + m.name + "\" (" + m.path +
                                                "): permission denied; it belongs to another user");
      fail_errno("cannot open bridge segment " + m.path);
    }
    struct stat st{};
    if (::fstat(fd.fd, &st) != 0) fail_errno("cannot stat bridge segment " + m.path);
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size < header_bytes)
      fail_corrupt(m.path, "the segment holds " + std::to_string(size) +
                                           " bytes, less than its " + std::to_string(header_bytes) + "-byte header");
    void* a = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.fd, 0);
    if (a == MAP_FAILED) fail_errno("cannot map bridge segment " + m.path);
    mapping map(a, size);
    const geometry g = read_geometry(map.data(), size, m.path);
    m.map = std::move(map);
    m.base = m.map.data();
    m.ring = m.base + g.ring_offset;
    m.geo = g;
    m.inode = st.st_ino;
    m.device = st.st_dev;
    m.gone = false;
  }

  // Head and tail as one consistent pair, checked: tail read between two
  // reads of head that agree. (Read one after the other while the publisher
  // moves both, tail can be newer than head and look past it.)
  std::pair<std::uint64_t, std::uint64_t> positions() const {
    std::uint64_t h = head();
    std::uint64_t t = tail();
    for (int attempt = 0; attempt < 1000; ++attempt) {
      const std::uint64_t again = head();
      if (again == h) break;
      h = again;
      t = tail();
    }
    check_positions(h, t);
    return {h, t};
  }

  // Checks head and tail against each other and against `pos`.
  void check_positions(std::uint64_t h, std::uint64_t t) const {
    if (t > h) corrupt_at(off_tail, "tail", "tail " + std::to_string(t) + " is past head " + std::to_string(h));
    if (h - t > geo.ring_bytes)
      corrupt_at(off_head, "head", "head " + std::to_string(h) + " is more than the ring ahead of tail " + std::to_string(t));
  }

  // Reads the record at `at` into `buffer`. Returns false when the publisher
  // overwrote it meanwhile. `*size` gets the record's size in the ring (0 for
  // the unused end of the ring, which has no header).
  bool read_at(std::uint64_t at, std::uint64_t h, record& out, std::uint64_t& size, bool& padding) {
    const std::uint64_t off = at & (geo.ring_bytes - 1);
    padding = false;
    if (geo.ring_bytes - off < record_header_bytes) {
      size = geo.ring_bytes - off;
      padding = true;
      return true;
    }
    std::uint8_t head_bytes[record_header_bytes];
    std::memcpy(head_bytes, ring + off, record_header_bytes);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (tail() > at) return false;
    size = load<std::uint32_t>(head_bytes, rec_size);
    const std::uint8_t flags = load<std::uint8_t>(head_bytes, rec_flags);
    if (flags & flag_padding) {
      if (size != geo.ring_bytes - off)
        corrupt(at, rec_size, "record size", "padding record of " + std::to_string(size) + " bytes does not end the ring (" +
                                       std::to_string(geo.ring_bytes - off) + " bytes left)");
      padding = true;
      return true;
    }
    const std::uint32_t length = load<std::uint32_t>(head_bytes, rec_length);
    if (length > geo.max_record)
      corrupt(at, rec_length, "record length", "length " + std::to_string(length) + " is over the bridge's maximum " +
                                       std::to_string(geo.max_record));
    if (size != align8(record_header_bytes + length))
      corrupt(at, rec_size, "record size", "size " + std::to_string(size) + " does not fit a length of " +
                                     std::to_string(length));
    if (size > geo.ring_bytes - off)
      corrupt(at, rec_size, "record size", "a " + std::to_string(size) + "-byte record runs past the ring's end");
    if (at + size > h) corrupt(at, rec_size, "record size", "the record runs past head " + std::to_string(h));
    const std::uint8_t dir = load<std::uint8_t>(head_bytes, rec_dir);
    const std::uint8_t error = load<std::uint8_t>(head_bytes, rec_error);
    if (dir > 1) corrupt(at, rec_dir, "record direction", "direction " + std::to_string(dir) + " is not 0 or 1");
    if (error > static_cast<std::uint8_t>(frame_error::length) + 1)
      corrupt(at, rec_error, "record error", "frame error " + std::to_string(error) + " is unknown");
    const std::uint32_t original = load<std::uint32_t>(head_bytes, rec_original);
    if ((flags & truncated) ? original <= length : original != length)
      corrupt(at, rec_original, "record original_length",
              "original length " + std::to_string(original) + " does not fit a " +
                  ((flags & truncated) ? "truncated" : "whole") + " record of length " + std::to_string(length));
    buffer.resize(length);
    if (length) std::memcpy(buffer.data(), ring + off + record_header_bytes, length);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (tail() > at) return false;
    out.sequence = load<std::uint64_t>(head_bytes, rec_sequence);
    out.time_ns = load<std::uint64_t>(head_bytes, rec_time);
    out.link_id = load<std::uint16_t>(head_bytes, rec_link);
    out.dir = static_cast<direction>(dir);
    out.flags = flags;
    out.original_length = original;
    out.error = error ? std::optional<frame_error>(static_cast<frame_error>(error - 1)) : std::nullopt;
    out.bytes = buffer;
    return true;
  }

  // Finds the sequence number of the record at head: walks from the oldest.
  void seek(bool to_head) {
    for (int attempt = 0; attempt < 10000; ++attempt) {
      auto [h, at] = positions();
      if (at == h && !to_head) {
        pos = at;
        next_sequence = 0;  // nothing published yet, or the ring is empty
        return;
      }
      bool known = false;
      bool lapped = false;
      std::uint64_t last = 0;
      while (at < h) {
        record r;
        std::uint64_t size = 0;
        bool padding = false;
        if (!read_at(at, h, r, size, padding)) {
          lapped = true;
          break;
        }
        if (!padding) {
          if (!to_head) {  // stop at the oldest record
            pos = at;
            next_sequence = r.sequence;
            return;
          }
          if (known && r.sequence != last + 1)
            corrupt(at, rec_sequence, "record sequence", "sequence " + std::to_string(r.sequence) + " follows " +
                                               std::to_string(last));
          last = r.sequence;
          known = true;
        }
        at += size;
      }
      if (lapped) continue;
      pos = h;
      next_sequence = known ? last + 1 : 0;
      if (!known && h != 0) {
        // Only padding between tail and head cannot be: a record always follows it.
        corrupt_at(off_head, "head", "no record between tail and head " + std::to_string(h));
      }
      return;
    }
    fail_corrupt(path, "the publisher overwrites the ring faster "
                                     "than it can be read");
  }

  bool publisher_alive() const {
    if (atomic_at<std::uint32_t>(base, off_closed).load(std::memory_order_acquire) != 0) return false;
    if (!process_alive(geo.pid, geo.start_time)) return false;
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) return false;  // removed: the publisher went
    return st.st_ino == inode && st.st_dev == device;
  }

  // Tries to read one record. Returns true with `out` set, false when there is
  // none yet.
  bool try_read(read_result& out) {
    // Set once lapped, and kept when the record at the new tail is the padding
    // at the ring's end: the record after it is the one that counts the loss.
    bool resync = count_from_zero;
    for (int attempt = 0; attempt < 10000; ++attempt) {
      const auto [h, t] = positions();
      if (pos > h) corrupt_at(off_head, "head", "head " + std::to_string(h) + " went back below " + std::to_string(pos));
      if (pos == h) return false;
      std::uint64_t at = pos;
      if (at < t) {
        at = t;
        resync = true;
        if (at == h) return false;  // the publisher dropped everything (its ring was overwritten)
      }
      record r;
      std::uint64_t size = 0;
      bool padding = false;
      if (!read_at(at, h, r, size, padding)) continue;  // lapped while reading: again from the new tail
      if (padding) {
        pos = at + size;
        continue;
      }
      if (resync) {
        if (r.sequence < next_sequence)
          corrupt(at, rec_sequence, "record sequence", "sequence " + std::to_string(r.sequence) + " after a lap is below the " +
                                             std::to_string(next_sequence) + " expected");
        out.lost = r.sequence - next_sequence;
      } else {
        if (r.sequence != next_sequence)
          corrupt(at, rec_sequence, "record sequence",
                  "sequence " + std::to_string(r.sequence) + ", expected " + std::to_string(next_sequence));
        out.lost = 0;
      }
      if (out.lost) {
        stats.lost += out.lost;
        ++stats.gaps;
      }
      ++stats.records;
      count_from_zero = false;
      pos = at + size;
      next_sequence = r.sequence + 1;
      out.status = read_status::record;
      out.rec = r;
      return true;
    }
    fail_corrupt(path, "the publisher overwrites the ring faster "
                                     "than it can be read");
  }
};

subscriber::subscriber(std::string_view name, const subscriber_options& options) : impl_(std::make_unique<impl>()) {
  check_name(name);
  auto& m = *impl_;
  m.name = std::string(name);
  m.path = segment_path(name);
  m.options = options;
  m.spin = adaptive_spin({.max_spin = options.spin});
  impl::attach(m);
  m.open_bell();
  m.seek(!options.from_oldest);
}

subscriber::~subscriber() = default;

read_result subscriber::next(std::chrono::nanoseconds timeout) {
  auto& m = *impl_;
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  const auto check_every = std::chrono::milliseconds(100);
  read_result out;
  bool spun = false;  // at most one spin per call: after it, the futex
  for (;;) {
    if (m.gone) {
      // Looking for the next publisher on the name.
      try {
        impl fresh;
        fresh.name = m.name;
        fresh.path = m.path;
        impl::attach(fresh);
        if (fresh.geo.epoch != m.geo.epoch) {
          const int old_pid = m.geo.pid;
          m.map = std::move(fresh.map);
          m.base = fresh.base;
          m.ring = fresh.ring;
          m.geo = fresh.geo;
          m.inode = fresh.inode;
          m.device = fresh.device;
          m.gone = false;
          m.open_bell();
          m.seek(false);  // from its oldest record: nothing it published is skipped
          m.next_sequence = 0;  // and what it overwrote before we came is counted as lost
          m.count_from_zero = true;
          ++m.stats.publishers;
          out.status = read_status::publisher_restarted;
          out.detail = "publisher pid " + std::to_string(m.geo.pid) + " took over from pid " + std::to_string(old_pid);
          return out;
        }
      } catch (const bridge_error& e) {
        if (e.kind() != bridge_errc::not_found) throw;
      }
    } else {
      const std::uint32_t seen = atomic_at<std::uint32_t>(m.base, off_notify).load(std::memory_order_acquire);
      if (m.try_read(out)) return out;
      const auto now = clock::now();
      if (now - m.last_check >= check_every || now >= deadline) {
        m.last_check = now;
        if (!m.publisher_alive()) {
          if (m.try_read(out)) return out;  // deliver what it wrote before it went
          m.gone = true;
          out.status = read_status::publisher_gone;
          const bool closed = atomic_at<std::uint32_t>(m.base, off_closed).load(std::memory_order_acquire) != 0;
          out.detail = "publisher pid " + std::to_string(m.geo.pid) + (closed ? " closed the bridge" : " died");
          return out;
        }
      }
      if (now >= deadline) return out;
      if (!spun) {
        spun = true;
        const auto budget = std::min<std::chrono::nanoseconds>(m.spin.next_budget(), deadline - now);
        if (budget.count() > 0) {
          const spin_outcome o = m.spin_for_record(budget);
          m.spin.record(o);
          ++m.stats.spins;
          if (o == spin_outcome::found) ++m.stats.spins_found;
          continue;  // read what came, or sleep
        }
      }
      const auto wait = std::min<std::chrono::nanoseconds>(deadline - clock::now(), check_every);
      if (!m.bell && now - m.bell_tried >= check_every) m.open_bell();  // the publisher may have made it since
      if (wait.count() > 0) m.sleep(seen, wait);
      continue;
    }
    const auto now = clock::now();
    if (now >= deadline) return out;
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(deadline - now, check_every));
  }
}

std::optional<latest_value> subscriber::latest(std::string_view key) const {
  const auto& m = *impl_;
  settle_wait wait;
  for (std::uint32_t i = 0; i < m.geo.latest_slots; ++i) {
    const std::uint8_t* slot = m.base + m.geo.latest_offset + std::uint64_t{i} * m.geo.slot_bytes;
    const std::size_t slot_offset = m.geo.latest_offset + std::uint64_t{i} * m.geo.slot_bytes;
    for (bool first = true;; first = false) {
      if (!first && !wait.again())
        fail_corrupt_field(m.path, slot_offset, "slot version", "the value never settles");
      auto version = atomic_at<std::uint64_t>(slot, slot_version);
      const std::uint64_t v1 = version.load(std::memory_order_acquire);
      if (v1 == 0) break;  // never set
      if (v1 & 1) continue;
      const auto key_length = load<std::uint32_t>(slot, slot_key_length);
      const auto schema_length = load<std::uint32_t>(slot, slot_schema_length);
      const auto value_length = load<std::uint32_t>(slot, slot_value_length);
      latest_value out;
      // The first length that does not fit, by its own offset; 0 when all fit.
      std::size_t bad = 0;
      if (key_length < 1 || key_length > max_key_bytes) bad = slot_key_length;
      else if (schema_length > max_key_bytes) bad = slot_schema_length;
      else if (value_length > m.geo.slot_bytes - slot_header_bytes) bad = slot_value_length;
      if (!bad) {
        out.key.assign(reinterpret_cast<const char*>(slot + slot_key), key_length);
        if (out.key == key) {
          out.schema_name.assign(reinterpret_cast<const char*>(slot + slot_schema), schema_length);
          out.value.assign(slot + slot_header_bytes, slot + slot_header_bytes + value_length);
        }
      }
      std::atomic_thread_fence(std::memory_order_acquire);
      if (version.load(std::memory_order_relaxed) != v1) continue;  // written meanwhile: again
      if (bad == slot_key_length)
        m.corrupt_at(slot_offset + bad, "slot key_length",
                     "key length " + std::to_string(key_length) + " is not from 1 to 47");
      if (bad == slot_schema_length)
        m.corrupt_at(slot_offset + bad, "slot schema_length",
                     "schema length " + std::to_string(schema_length) + " is over 47");
      if (bad == slot_value_length)
        m.corrupt_at(slot_offset + bad, "slot value_length",
                     "value length " + std::to_string(value_length) + " is over the slot's " +
                         std::to_string(m.geo.slot_bytes - slot_header_bytes));
      if (out.key != key) break;
      out.version = v1 / 2;
      return out;
    }
  }
  return std::nullopt;
}

std::optional<std::string> subscriber::profile() const {
  const auto& m = *impl_;
  const std::uint8_t* region = m.base + m.geo.profile_offset;
  const std::uint64_t capacity = m.geo.profile_bytes - profile_header_bytes;
  auto version = atomic_at<std::uint64_t>(region, prof_version);
  settle_wait wait;
  for (bool first = true; first || wait.again(); first = false) {
    const std::uint64_t v1 = version.load(std::memory_order_acquire);
    if (v1 == 0) return std::nullopt;  // never set
    if (v1 & 1) continue;
    const auto length = load<std::uint64_t>(region, prof_length);
    std::string text;
    if (length <= capacity) text.assign(reinterpret_cast<const char*>(region + profile_header_bytes), length);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (version.load(std::memory_order_relaxed) != v1) continue;  // written meanwhile: again
    if (length > capacity)
      m.corrupt_at(m.geo.profile_offset + prof_length, "profile length",
                   "length " + std::to_string(length) + " is over the region's " + std::to_string(capacity));
    return text;
  }
  m.corrupt_at(m.geo.profile_offset + prof_version, "profile version", "the profile never settles");
}

std::uint64_t subscriber::refused() const noexcept {
  return atomic_at<std::uint64_t>(impl_->base, off_refused).load(std::memory_order_acquire);
}

std::vector<std::string> subscriber::latest_keys() const {
  const auto& m = *impl_;
  std::vector<std::string> keys;
  for (std::uint32_t i = 0; i < m.geo.latest_slots; ++i) {
    const std::uint8_t* slot = m.base + m.geo.latest_offset + std::uint64_t{i} * m.geo.slot_bytes;
    for (int attempt = 0; attempt < 10000; ++attempt) {
      auto version = atomic_at<std::uint64_t>(slot, slot_version);
      const std::uint64_t v1 = version.load(std::memory_order_acquire);
      if (v1 == 0) break;
      if (v1 & 1) continue;
      const auto key_length = std::min<std::uint32_t>(load<std::uint32_t>(slot, slot_key_length), max_key_bytes);
      std::string key(reinterpret_cast<const char*>(slot + slot_key), key_length);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (version.load(std::memory_order_relaxed) != v1) continue;
      if (!key.empty()) keys.push_back(std::move(key));
      break;
    }
  }
  return keys;
}

subscriber_stats subscriber::stats() const noexcept { return impl_->stats; }
const std::string& subscriber::name() const noexcept { return impl_->name; }
std::uint64_t subscriber::epoch() const noexcept { return impl_->geo.epoch; }
int subscriber::publisher_pid() const noexcept { return impl_->geo.pid; }

}  // namespace comframe::transport::bridge
