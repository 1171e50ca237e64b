// fuzz/capture_fuzz.cpp — the pcapng reader (transport::capture_reader) on any
// file: comframe's own captures, other tools' pcapng, hostile files. The input
// is written to a file (the reader reads files) and read to its end.
//
// Checks: every record's bytes lie within the file's size; reading stops.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "comframe/core/error.hpp"
#include "comframe/transport/capture.hpp"
#include "fuzz_support.hpp"

using namespace comframe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/comframe-capture-fuzz-" + std::to_string(::getpid()) + ".pcapng";
  }();
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    FUZZ_CHECK(f != nullptr, "cannot write the input file");
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  try {
    transport::capture_reader reader(path);
    std::size_t records = 0;
    while (auto r = reader.next()) {
      FUZZ_CHECK(r->bytes.size() <= size, "a record holds more bytes than the file");
      (void)reader.comments();
      (void)reader.link_framing(r->link_id);
      FUZZ_CHECK(++records <= size, "more records than bytes in the file");
    }
  } catch (const comframe::error&) {
  }
  std::remove(path.c_str());
  return 0;
}
