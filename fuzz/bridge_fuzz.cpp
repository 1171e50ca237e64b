// fuzz/bridge_fuzz.cpp — a bridge subscriber reading a shared-memory segment
// that another process corrupted (transport::subscriber; docs/bridge.md).
//
// Each input: a publisher makes a small segment (a 4 KiB ring) and publishes
// records, latest values and a profile text; the input's bytes then patch the
// segment file in /dev/shm — each 3 bytes an offset (2 bytes, modulo the
// file's size) and a byte XORed in there — before a subscriber opens it and
// reads every record, every latest value and the profile.
// Checks: the subscriber gives records or refuses the segment with a
// bridge_error (corrupt), never crashes, loops or allocates without bound; it
// reads no more records than were published.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "comframe/core/error.hpp"
#include "comframe/transport/bridge.hpp"
#include "fuzz_support.hpp"

using namespace comframe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string name = "comframe-fuzz-" + std::to_string(::getpid());
  transport::bridge::publisher_options o;
  o.ring_bytes = 4096;
  o.max_record_bytes = 512;
  o.latest_slots = 4;
  o.latest_value_bytes = 64;
  o.profile_bytes = 1024;
  transport::bridge::publisher pub(name, o);
  const std::uint8_t frame[] = {1, 0, 1, 0, 7, 0, 0x10, 0x20, 0x30};
  std::uint64_t published = 0;
  for (int i = 0; i < 6; ++i, ++published)
    pub.publish(i % 2 ? transport::direction::from_device : transport::direction::to_device, frame, 0,
                1'700'000'000'000'000'000ull + static_cast<std::uint64_t>(i));
  pub.set_latest("temperature", "f32", std::string_view("\x00\x00\xc8\x41", 4));
  pub.set_latest("status", "u8", std::string_view("\x01", 1));
  pub.set_profile(R"({"comframe_profile":1,"device":"fuzz","version":"1","commands":[]})");

  {
    const std::string path = "/dev/shm/comframe." + name;
    const int fd = ::open(path.c_str(), O_RDWR);
    FUZZ_CHECK(fd >= 0, "cannot open the segment file");
    struct stat st {};
    FUZZ_CHECK(::fstat(fd, &st) == 0 && st.st_size > 0, "cannot stat the segment file");
    const auto file_size = static_cast<std::size_t>(st.st_size);
    void* map = ::mmap(nullptr, file_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    FUZZ_CHECK(map != MAP_FAILED, "cannot map the segment file");
    auto* bytes = static_cast<std::uint8_t*>(map);
    for (std::size_t i = 0; i + 3 <= size; i += 3) {
      const std::size_t at = (std::size_t{data[i]} | std::size_t{data[i + 1]} << 8) % file_size;
      bytes[at] ^= data[i + 2];
    }
    ::munmap(map, file_size);
  }

  try {
    transport::bridge::subscriber_options so;
    so.from_oldest = true;
    transport::bridge::subscriber sub(name, so);
    std::uint64_t records = 0;
    for (int reads = 0; reads < 64; ++reads) {
      const auto r = sub.next(std::chrono::nanoseconds(0));
      if (r.status != transport::bridge::read_status::record) break;
      ++records;
    }
    FUZZ_CHECK(records <= published, "more records read than published");
    for (const auto& key : sub.latest_keys()) (void)sub.latest(key);
    (void)sub.latest("temperature");
    (void)sub.profile();
    (void)sub.stats();
  } catch (const comframe::error&) {
  }
  return 0;
}
