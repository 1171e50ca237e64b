// fuzz/schema_set.hpp — the schemas the codec targets decode and encode with:
// every named type of the test suite's schema documents (every kind the type
// system has: numbers of odd widths, floats and halves, bit fields, flag sets,
// enums, text, fixed, dynamic and counted arrays, nested structs).
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "comframe/core/json_number.hpp"
#include "comframe/core/schema.hpp"
#include "fuzz_support.hpp"

namespace comframe::fuzz {

inline const std::vector<core::schema>& schema_set() {
  static const std::vector<core::schema> all = [] {
    std::vector<core::schema> out;
    for (const char* file : {"tests/tools/data/formats.json", "tests/tools/data/sensors.json",
                             "tests/devices/data/codegen_counted.json", "tests/devices/data/codegen_kinds.json",
                             "examples/modbus_rtu/modbus_rtu.profile.json"}) {
      const auto doc = nlohmann::json::parse(read_source_file(file));
      const auto s = core::schema::from_json(nlohmann::json{{"types", doc.at("types")}});
      for (const auto& name : s.type_names()) out.push_back(s.type(name));
    }
    return out;
  }();
  return all;
}

/// What a codec target's first input byte picks: a type of schema_set() (low 6
/// bits), lenient JSON (bit 6) and big endian (bit 7).
struct codec_pick {
  const core::schema& schema;
  core::endian order;
  core::json_mode mode;
};
inline codec_pick pick_codec(std::uint8_t b) {
  const auto& set = schema_set();
  return {set[(b & 0x3f) % set.size()], (b & 0x80) ? core::endian::big : core::endian::little,
          (b & 0x40) ? core::json_mode::lenient : core::json_mode::strict};
}

}  // namespace comframe::fuzz
