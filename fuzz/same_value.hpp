// fuzz/same_value.hpp — whether two encodings differ only where a value cannot
// tell them apart: a NaN's payload bits. A C++ float or the generated C keeps
// them; the core's JSON holds any NaN as "nan" and encodes the quiet NaN, so
// encodings of one value through different faces may differ there and only
// there (docs/reliability.md, "Not a finding").
#pragma once

#include <span>

#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/error.hpp"

namespace comframe::fuzz {

/// Both byte strings decode by `s` to the same JSON value.
inline bool same_value(const core::schema& s, std::span<const std::uint8_t> a, std::span<const std::uint8_t> b,
                       core::endian order) {
  try {
    return core::decode(s, a, order).dump() == core::decode(s, b, order).dump();
  } catch (const comframe::error&) {
    return false;
  }
}

}  // namespace comframe::fuzz
