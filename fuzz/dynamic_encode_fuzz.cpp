// fuzz/dynamic_encode_fuzz.cpp — the dynamic encoder (core::encode) on any
// JSON text, for each type of fuzz/schema_set.hpp, in either byte order.
//
// Input: byte 0 picks the type (bit 7 the byte order, bit 6 lenient JSON), the
// rest is JSON text (not JSON: nothing to encode).
// Checks: encoded bytes decode, and the decoded value encodes to the same
// bytes (a value's encoding is canonical).
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/error.hpp"
#include "schema_set.hpp"

using namespace comframe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const auto [s, order, mode] = fuzz::pick_codec(in.byte());
  const auto value = nlohmann::json::parse(in.rest_text(), nullptr, false);
  if (value.is_discarded()) return 0;
  core::bytes encoded;
  try {
    encoded = core::encode(s, value, order, mode);
  } catch (const comframe::error&) {
    return 0;
  }
  nlohmann::json back;
  try {
    back = core::decode(s, encoded, order, mode);
  } catch (const comframe::error& e) {
    std::fprintf(stderr, "%s\n%s\n", value.dump().c_str(), e.what());
    FUZZ_CHECK(false, "encoded bytes do not decode");
  }
  FUZZ_CHECK(core::encode(s, back, order, mode) == encoded, "a value's encoding is not canonical");
  return 0;
}
