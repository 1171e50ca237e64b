// JSON of float16 ("f2") and of flag sets, shared by both faces so that their
// JSON and their errors agree word for word.
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "comframe/core/codec.hpp"
#include "comframe/core/float16.hpp"
#include "comframe/core/json_number.hpp"
#include "comframe/core/json_text.hpp"

namespace comframe::core::detail {

namespace {

// Halfway between the largest half (65504) and the next power of two: from
// here on a value rounds (ties to even) to infinity.
constexpr double float16_overflow = 65520.0;

std::string flag_list(const std::string_view* names, const std::int64_t* positions, std::size_t n) {
  return enum_value_list(names, positions, n);
}

}  // namespace

std::uint16_t float16_from_json(const nlohmann::json& j, json_mode mode) {
  double d;
  if (j.is_number()) {
    d = j.get<double>();
  } else if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "nan") return 0x7e00;
    if (s == "inf") return 0x7c00;
    if (s == "-inf") return 0xfc00;
    throw_json_type("a number (or \"nan\", \"inf\", \"-inf\")", j);
  } else {
    throw_json_type("a number", j);
  }
  if (std::fabs(d) >= float16_overflow) {  // rounds to infinity: defined here, not left to the conversion
    if (mode == json_mode::strict)
      throw codec_error(errc::json_range, j.dump() + " is out of range for f2 (magnitude up to 65504)");
    return std::signbit(d) ? 0xfc00 : 0x7c00;
  }
  return float16(d).bits;
}

nlohmann::json float16_to_json(std::uint16_t bits) {
  const float f = float16::from_bits(bits);
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  // A half has at most 5 significant decimal digits; take the fewest that read back.
  char buf[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(f));
    if (float16(std::strtod(buf, nullptr)).bits == bits) break;
  }
  return std::strtod(buf, nullptr);
}

std::uint64_t flags_from_json(const nlohmann::json& j, json_mode mode, unsigned width, std::string_view label,
                              const std::string_view* names, const std::int64_t* positions, std::size_t n) {
  const char* want = mode == json_mode::strict ? "an array of flag names" : "an array of flag names or bit positions";
  if (!j.is_array()) throw_json_type(want, j);
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    try {
      std::uint64_t bit = 0;
      if (e.is_string()) {
        const auto& name = e.get_ref<const std::string&>();
        std::size_t k = 0;
        while (k < n && names[k] != name) ++k;
        if (k == n) {
          const std::string found = quoted_text(name);
          const std::string list = flag_list(names, positions, n);
          throw codec_error(errc::json_range, found + " is not a flag of " + std::string(label) + " (" + list + ")")
              .mismatch(list, found);
        }
        bit = std::uint64_t{1} << positions[k];
      } else if (mode == json_mode::lenient && e.is_number_integer()) {
        const bool negative = !e.is_number_unsigned() && e.get<std::int64_t>() < 0;
        if (negative || e.get<std::uint64_t>() >= width)
          throw codec_error(errc::json_range, e.dump() + " is no bit of " + std::string(label) + " (bits 0 to " +
                                                  std::to_string(width - 1) + ")");
        bit = std::uint64_t{1} << e.get<std::uint64_t>();
      } else {
        throw_json_type(mode == json_mode::strict ? "a flag name" : "a flag name or a bit position", e);
      }
      if ((bits & bit) && mode == json_mode::strict)
        throw codec_error(errc::json_range, e.dump() + " is listed twice");
      bits |= bit;
    } catch (codec_error& err) {
      err.prepend_index(i);
      throw;
    }
  }
  return bits;
}

nlohmann::json flags_to_json(std::uint64_t bits, unsigned width, json_mode mode, std::string_view label,
                             const std::string_view* names, const std::int64_t* positions, std::size_t n,
                             std::size_t offset) {
  nlohmann::json out = nlohmann::json::array();
  bits &= low_mask(width);
  while (bits) {
    const unsigned bit = static_cast<unsigned>(std::countr_zero(bits));
    bits &= bits - 1;
    std::size_t k = 0;
    while (k < n && positions[k] != static_cast<std::int64_t>(bit)) ++k;
    if (k < n) {
      out.push_back(names[k]);
    } else if (mode == json_mode::lenient) {
      out.push_back(bit);
    } else {
      throw_unnamed_flag(bit, label, flag_list(names, positions, n), offset);
    }
  }
  return out;
}

void throw_unnamed_flag(unsigned bit, std::string_view label, const std::string& list, std::size_t offset) {
  throw codec_error(errc::invalid_bytes,
                    "bit " + std::to_string(bit) + " is set but is no flag of " + std::string(label) + " (" + list + ")",
                    {}, offset);
}

}  // namespace comframe::core::detail
