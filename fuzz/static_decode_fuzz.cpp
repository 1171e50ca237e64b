// fuzz/static_decode_fuzz.cpp — the static decoder (core::decode<T>) of
// representative types — every kind of the type system, the device-format
// kinds included (tests/core/property_types.hpp) — on any bytes, differentially
// against the dynamic decoder of the same type's schema (schema::of<T>()).
//
// Input: byte 0 picks the type (and bit 7 the byte order), the rest is the
// value's bytes.
// Checks: both faces accept the same bytes; where they do, they give the same
// JSON, and the static value encodes to what the dynamic face encodes from
// that JSON (or, where a NaN's payload bits differ, to bytes of the same value:
// same_value.hpp).
#include <boost/mp11/algorithm.hpp>

#include "comframe/core/codec.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/error.hpp"
#include "comframe/core/hex.hpp"
#include "comframe/core/json.hpp"
#include "comframe/core/schema_export.hpp"
#include "core/property_types.hpp"
#include "fuzz_support.hpp"
#include "same_value.hpp"

using namespace comframe;
using namespace comframe::core;

namespace {

template <class T>
void check(std::span<const std::uint8_t> bytes, endian order) {
  static const schema s = schema::of<T>();
  std::optional<T> value;
  std::string static_error, dynamic_error;
  try {
    value = decode<T>(bytes, order);
  } catch (const comframe::error& e) {
    static_error = e.what();
  }
  nlohmann::json j;
  try {
    j = decode(s, bytes, order);
  } catch (const comframe::error& e) {
    dynamic_error = e.what();
  }
  if (value.has_value() != dynamic_error.empty()) {
    std::fprintf(stderr, "type %s\nstatic: %s\ndynamic: %s\n", s.type_expression().c_str(),
                 value ? "accepted" : static_error.c_str(), dynamic_error.empty() ? "accepted" : dynamic_error.c_str());
    FUZZ_CHECK(false, "the static and the dynamic face disagree on whether the bytes are a value");
  }
  if (!value) return;
  FUZZ_CHECK(to_json(*value).dump() == j.dump(), "the static and the dynamic face decode to different values");
  const auto by_static = encode(*value, order);
  const auto by_dynamic = encode(s, j, order);
  if (by_static != by_dynamic && !fuzz::same_value(s, by_static, by_dynamic, order)) {
    std::fprintf(stderr, "type %s\nbytes   %s\nvalue   %s\nstatic  %s\ndynamic %s\n", s.type_expression().c_str(),
                 hex_text(bytes).c_str(), j.dump().c_str(), hex_text(by_static).c_str(), hex_text(by_dynamic).c_str());
    FUZZ_CHECK(false, "the static and the dynamic face encode differently");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const std::uint8_t pick = in.byte();
  constexpr std::size_t count = boost::mp11::mp_size<cft::property_types>::value;
  const auto order = (pick & 0x80) ? endian::big : endian::little;
  boost::mp11::mp_with_index<count>((pick & 0x7f) % count, [&](auto i) {
    check<boost::mp11::mp_at_c<cft::property_types, decltype(i)::value>>(in.rest(), order);
  });
  return 0;
}
