// fuzz/dynamic_decode_fuzz.cpp — the dynamic decoder (core::decode) on any
// bytes, for each type of fuzz/schema_set.hpp, in either byte order.
//
// Input: byte 0 picks the type (and bit 7 the byte order, bit 6 lenient flag
// sets), the rest is the value's bytes.
// Checks: decode(), decode_json() compact and indented agree (fuzz/decode_paths.hpp);
// a value that decodes encodes (the decoder gives only values the
// encoder takes), to bytes that decode to the same value, and its size
// (schema::current_size) is the number of bytes it came from.
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/error.hpp"
#include "decode_paths.hpp"
#include "schema_set.hpp"

using namespace comframe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const auto [s, order, mode] = fuzz::pick_codec(in.byte());
  const auto decoded = fuzz::decode_every_way(s, in.rest(), order, mode);
  if (!decoded) return 0;
  const nlohmann::json& value = *decoded;
  core::bytes encoded;
  try {
    encoded = core::encode(s, value, order, mode);
  } catch (const comframe::error& e) {
    std::fprintf(stderr, "%s\n%s\n", value.dump().c_str(), e.what());
    FUZZ_CHECK(false, "a decoded value does not encode");
  }
  FUZZ_CHECK(s.current_size(value) == in.rest().size(), "current_size() of a decoded value is not its byte count");
  FUZZ_CHECK(encoded.size() == in.rest().size(), "a decoded value encodes to another size");
  const auto back = core::decode(s, encoded, order, mode);
  FUZZ_CHECK(back.dump() == value.dump(), "a decoded value encodes to bytes that decode to another value");
  return 0;
}
