// fuzz/fuzz_support.hpp — what the fuzz targets share.
//
// Every fuzz/<name>_fuzz.cpp defines LLVMFuzzerTestOneInput (and, where it
// needs set-up, LLVMFuzzerInitialize). With clang and -DCOMFRAME_FUZZ=ON each is
// a libFuzzer program (scripts/fuzz.sh runs them); in the normal test build each
// is linked with fuzz/replay_main.cpp instead and CTest runs it once over its
// seed corpus and its regression inputs (fuzz/corpus/<name>/, fuzz/regressions/<name>/),
// so an input that once crashed is tried by every build.
//
// A target's contract: any input returns normally. comframe's own exceptions
// (comframe::error and its kinds, which say what and where) are the expected
// answer to bad input and are caught; anything else escaping — a crash, a
// sanitizer report, a std::exception that is not comframe's, an allocation over
// libFuzzer's -malloc_limit_mb — is a finding. FUZZ_CHECK states a property the
// target checks beyond "does not crash" and aborts with a message when it fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond, what)                                                    \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "fuzz check failed at %s:%d: %s\n", __FILE__, __LINE__, what); \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

namespace comframe::fuzz {

/// The source tree (profiles and schemas the targets load at start-up).
inline std::filesystem::path source_dir() { return COMFRAME_SOURCE_DIR; }

/// A file of the source tree, whole.
inline std::string read_source_file(const std::filesystem::path& relative) {
  std::ifstream in(source_dir() / relative, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz: cannot read %s\n", (source_dir() / relative).c_str());
    std::abort();
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Reads an input from the front: one byte at a time, then the rest.
class input {
 public:
  input(const std::uint8_t* data, std::size_t size) : data_(data, size) {}
  /// The next byte, or 0 when none is left.
  std::uint8_t byte() noexcept {
    if (data_.empty()) return 0;
    const std::uint8_t b = data_[0];
    data_ = data_.subspan(1);
    return b;
  }
  std::span<const std::uint8_t> rest() const noexcept { return data_; }
  std::string_view rest_text() const noexcept {
    return {reinterpret_cast<const char*>(data_.data()), data_.size()};
  }

 private:
  std::span<const std::uint8_t> data_;
};

/// Cuts `bytes` into chunks of 1..64 bytes whose sizes follow a small
/// generator seeded by `seed` (0: one chunk), calling feed(chunk) for each, so
/// that streaming decoders meet every split of a frame.
template <class F>
void in_chunks(std::span<const std::uint8_t> bytes, std::uint8_t seed, F&& feed) {
  if (seed == 0) {
    feed(bytes);
    return;
  }
  std::uint32_t state = seed;
  while (!bytes.empty()) {
    state = state * 1103515245u + 12345u;
    const std::size_t n = std::min<std::size_t>(bytes.size(), 1 + ((state >> 16) % 64));
    feed(bytes.first(n));
    bytes = bytes.subspan(n);
  }
}

}  // namespace comframe::fuzz
