// fuzz/same_value.hpp — whether two encodings differ only where a value cannot
// tell them apart: a NaN's payload bits. A C++ float or the generated C keeps
// them; the core's JSON holds any NaN as "nan" and encodes the quiet NaN, so
// encodings of one value through different faces may differ there and only
// there (docs/reliability.md, "Not a finding").
#pragma once

#include <span>
#include <string>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/error.hpp"

namespace comframe::fuzz {

/// Whether `j` holds a NaN (the string "nan" where a float is).
inline bool holds_nan(const nlohmann::json& j) {
  if (j.is_string()) return j.get_ref<const std::string&>() == "nan";
  if (j.is_structured())
    for (const auto& e : j)
      if (holds_nan(e)) return true;
  return false;
}

/// Both byte strings decode by `s` to the same JSON value, and it holds a NaN:
/// any other difference in bytes is a difference (padding, bytes after a text's
/// NUL and gaps must be written the same way by every face).
inline bool same_value(const core::schema& s, std::span<const std::uint8_t> a, std::span<const std::uint8_t> b,
                       core::endian order) {
  try {
    const auto ja = core::decode(s, a, order);
    return holds_nan(ja) && ja.dump() == core::decode(s, b, order).dump();
  } catch (const comframe::error&) {
    return false;
  }
}

}  // namespace comframe::fuzz
