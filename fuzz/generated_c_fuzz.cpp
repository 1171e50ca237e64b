// fuzz/generated_c_fuzz.cpp — the C that `comframe gen c` writes, differentially
// against the C++ core's dynamic codec, on any bytes: the payload decoders and
// encoders generated for every type of tests/core/property_types.hpp, in
// profiles of each byte order (built at build time by codegen_fixtures, as for
// tests/devices/codegen_differential_test.cpp).
//
// Input: byte 0 picks the type, byte 1 the profile (little, big, native byte
// order), the rest is the payload.
// Checks: what the generated decoder accepts, the core accepts too (strict);
// where both accept, the generated encoder writes the decoded struct back to
// the bytes the core encodes its decoded value to — the same number of bytes
// as the payload; the same bytes, or bytes of the same value where a NaN's
// payload bits differ (the C keeps them, the core's JSON "nan" cannot) — and
// refuses a buffer one byte short.
#include <boost/mp11/algorithm.hpp>
#include <vector>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/error.hpp"
#include "comframe/core/hex.hpp"
#include "comframe/core/schema_export.hpp"
#include "core/property_types.hpp"
#include "devices/faces_codecs.hpp"
#include "fuzz_support.hpp"
#include "same_value.hpp"

using namespace comframe;
namespace faces = comframe::test::faces;

namespace {

constexpr std::size_t type_count = boost::mp11::mp_size<cft::property_types>::value;

const std::vector<core::schema>& schemas() {
  static const auto all = [] {
    std::vector<core::schema> s;
    boost::mp11::mp_for_each<boost::mp11::mp_transform<boost::mp11::mp_identity, cft::property_types>>(
        [&](auto t) { s.push_back(core::schema::of<typename decltype(t)::type>()); });
    return s;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const std::size_t index = in.byte() % type_count;
  const std::uint8_t which = in.byte() % 3;
  const faces::c_codec& c = (which == 0 ? faces::little_codecs : which == 1 ? faces::big_codecs : faces::native_codecs)[index];
  const core::endian order = which == 0 ? core::endian::little : which == 1 ? core::endian::big : core::endian::native;
  if (!c.present) return 0;  // a null payload has no C struct
  const auto payload = in.rest();

  std::vector<std::uint8_t> value(c.size, 0x5a);
  const bool c_accepts = c.decode(payload.data(), payload.size(), value.data());
  nlohmann::json j;
  bool core_accepts = true;
  try {
    j = core::decode(schemas()[index], payload, order);
  } catch (const comframe::error&) {
    core_accepts = false;
  }
  FUZZ_CHECK(!c_accepts || core_accepts, "the generated decoder accepts a payload the core refuses");
  if (!c_accepts || !core_accepts) return 0;  // the C decoder may refuse beyond its fixed capacities (--max-tail)

  const core::bytes want = core::encode(schemas()[index], j, order);
  FUZZ_CHECK(want.size() == payload.size(), "the core re-encodes a payload to another size");
  std::vector<std::uint8_t> out(want.size() + 8, 0xee);
  FUZZ_CHECK(c.encode(value.data(), out.data(), out.size()) == want.size(), "the generated encoder writes another size");
  if (!std::equal(want.begin(), want.end(), out.begin()) &&
      !fuzz::same_value(schemas()[index], want, std::span<const std::uint8_t>(out.data(), want.size()), order)) {
    std::fprintf(stderr, "type %zu (%s), %s byte order\npayload %s\nvalue   %s\ncore    %s\nC       %s\n", index,
                 schemas()[index].type_expression().c_str(), which == 0 ? "little" : which == 1 ? "big" : "native",
                 core::hex_text(payload).c_str(), j.dump().c_str(), core::hex_text(want).c_str(),
                 core::hex_text(std::span<const std::uint8_t>(out.data(), want.size())).c_str());
    FUZZ_CHECK(false, "the generated encoder writes other bytes than the core");
  }
  if (!want.empty())
    FUZZ_CHECK(c.encode(value.data(), out.data(), want.size() - 1) == 0, "the generated encoder overran a short buffer");
  return 0;
}
