// fuzz/schema_fuzz.cpp — the schema loader on any text (core::schema::parse).
//
// Checks: a schema that loads round trips through its canonical document
// (to_json, from_json) to an equal schema; its sizes can be asked for; a
// value of its minimum size made of zero bytes decodes or is refused with a
// comframe error, never a crash.
#include <vector>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/error.hpp"
#include "comframe/core/schema.hpp"
#include "fuzz_support.hpp"

using namespace comframe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  core::schema s;
  try {
    s = core::schema::parse(text);
  } catch (const comframe::error&) {
    return 0;
  }
  const auto canonical = s.to_json();
  core::schema again;
  try {
    again = core::schema::from_json(canonical);
  } catch (const comframe::error& e) {
    std::fprintf(stderr, "%s\n%s\n", canonical.dump().c_str(), e.what());
    FUZZ_CHECK(false, "a loaded schema's canonical document does not load");
  }
  FUZZ_CHECK(again == s, "a loaded schema's canonical document loads to another schema");
  (void)s.dump();
  for (const auto& name : s.type_names()) {
    const auto t = s.type(name);
    (void)t.type_expression();
    (void)t.fixed_size();
    (void)t.element_size();
    const std::size_t min = t.min_size();
    if (min > 4096) continue;
    const std::vector<std::uint8_t> zeros(min, 0);
    try {
      (void)core::decode(t, zeros, core::endian::little, core::json_mode::lenient);
    } catch (const comframe::error&) {
    }
  }
  return 0;
}
