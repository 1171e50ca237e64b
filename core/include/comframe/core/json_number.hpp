// comframe/core/json_number.hpp — how one Number becomes JSON and back.
//
// Shared by the static face (comframe/core/json.hpp) and the dynamic face
// (comframe/core/dynamic_codec.hpp) so the two can never disagree.
//
//   integers  JSON integers; strict mode refuses a value out of range for the C
//             type (json_range) or a non-integer (json_type); lenient mode wraps
//             out-of-range integers as a C cast does (see c_cast).
//   f32/f64   JSON numbers; NaN and infinities as the strings "nan", "inf",
//             "-inf". An f32 is written with the fewest digits that read back
//             to the same float (0.1f → 0.1). Strict mode refuses a finite value
//             that does not round to a finite f32 (3.4028235e38 is FLT_MAX and
//             in range; 3.5e38 is not); lenient mode makes it an infinity of
//             its sign, as IEEE 754 rounding does.
//   bool      true / false (lenient: also integers, non-zero is true).
//   char      a one-character string; bytes 0x80–0xFF are the characters
//             U+0080–U+00FF (Latin-1), so every byte round-trips through UTF-8
//             (lenient: also an integer 0–255).
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "comframe/core/error.hpp"
#include "comframe/core/scalar.hpp"

namespace comframe::core {

/// How JSON input is matched against a type.
///  strict  (default; UD003 unpackJSON) exactly the declared keys at every depth,
///          exactly the declared length of fixed arrays, values in range.
///  lenient (UD003's copy-construct rules) missing fields take their defaults,
///          unknown keys are ignored, a short fixed array is padded with
///          defaults and a long one cut, integers are C-cast.
enum class json_mode : std::uint8_t { strict, lenient };

namespace detail {

[[noreturn]] void throw_json_type(std::string_view expected, const nlohmann::json& got);
[[noreturn]] void throw_json_range(const nlohmann::json& got, scalar s, std::string_view range);
/// `j` is no integer: json_range when it is a whole number too large for any
/// (1e19 for a u64), else json_type.
[[noreturn]] void throw_not_an_integer(const nlohmann::json& j, std::string_view type, const std::string& range);

nlohmann::json float_to_json(double value, bool is_f32);
double float_from_json(const nlohmann::json& j, json_mode mode, bool is_f32);
/// The smallest magnitude that no longer rounds to a finite float: FLT_MAX plus
/// half its last place (2^128 - 2^103). Below it a double rounds to a float.
inline constexpr double f32_overflow_threshold = 0x1.ffffffp+127;
/// A double as the nearest float; a magnitude that overflows the f32 range
/// becomes an infinity of its sign, as IEEE 754 rounding does (a plain
/// static_cast would be undefined behaviour in C++).
float f32_from_double(double d) noexcept;
nlohmann::json char_to_json(std::uint8_t c);
std::uint8_t char_from_json(const nlohmann::json& j, json_mode mode);
bool bool_from_json(const nlohmann::json& j, json_mode mode);

// The kinds beyond C scalars (comframe/core/layout.hpp, docs/schema.md), shared
// by both faces so that their JSON and their errors agree word for word.

/// An integer of `width` bits from JSON, as its two's complement bit pattern
/// (strict: in range; lenient: wrapped).
std::uint64_t int_from_json(const nlohmann::json& j, unsigned width, bool is_signed, json_mode mode);
/// The low `width` bits of `v` as a JSON integer, sign-extended when `is_signed`.
nlohmann::json int_to_json(std::uint64_t v, unsigned width, bool is_signed);
/// The value of an enum name from JSON; `label` is "enum Mode" or "the enum".
std::int64_t enum_from_json(const nlohmann::json& j, json_mode mode, std::string_view label,
                            const std::string_view* names, const std::int64_t* values, std::size_t n);
/// Text of at most `n` bytes into `out` (padded with NULs).
void text_from_json(const nlohmann::json& j, char* out, std::size_t n);
/// The text up to the first NUL; throws invalid_bytes at `offset` + k when byte k breaks UTF-8.
nlohmann::json text_to_json(const char* p, std::size_t n, std::size_t offset);
/// Exactly 2n hex digits into `out`.
void hex_from_json(const nlohmann::json& j, std::uint8_t* out, std::size_t n);
nlohmann::json hex_to_json(const std::uint8_t* p, std::size_t n);

// float16 and flag sets (comframe/core/float16.hpp, comframe/core/flags.hpp),
// shared by both faces.

/// A binary16 bit pattern from a JSON number (or "nan", "inf", "-inf"), rounded
/// to the nearest half, ties to even. Strict mode refuses a finite value that
/// rounds beyond the largest half (65504); lenient mode makes it an infinity.
std::uint16_t float16_from_json(const nlohmann::json& j, json_mode mode);
/// The half's value with the fewest digits that read back to the same bits.
nlohmann::json float16_to_json(std::uint16_t bits);
/// A flag set from a JSON array of flag names (lenient: also bit positions),
/// as the mask of `width` bits. `label` is "flags Status" or "the flags".
std::uint64_t flags_from_json(const nlohmann::json& j, json_mode mode, unsigned width, std::string_view label,
                              const std::string_view* names, const std::int64_t* positions, std::size_t n);
/// The names of the set bits in bit order. A set bit without a name throws
/// invalid_bytes at `offset` (strict) or is listed as its number (lenient).
nlohmann::json flags_to_json(std::uint64_t bits, unsigned width, json_mode mode, std::string_view label,
                             const std::string_view* names, const std::int64_t* positions, std::size_t n,
                             std::size_t offset);

template <class R>
R integer_from_json(const nlohmann::json& j, json_mode mode) {
  constexpr scalar s = scalar_of<R>();
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<R>::max())) return static_cast<R>(u);
    if (mode == json_mode::lenient) return c_cast<R>(u);
  } else if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    if constexpr (std::is_signed_v<R>) {
      if (v >= std::numeric_limits<R>::min() && v <= std::numeric_limits<R>::max()) return static_cast<R>(v);
    } else {
      if (v >= 0 && static_cast<std::uint64_t>(v) <= std::numeric_limits<R>::max()) return static_cast<R>(v);
    }
    if (mode == json_mode::lenient) return c_cast<R>(v);
  } else {
    throw_not_an_integer(j, to_string(s),
                         std::to_string(std::numeric_limits<R>::min()) + " to " +
                             std::to_string(std::numeric_limits<R>::max()));
  }
  throw_json_range(j, s,
                   std::to_string(std::numeric_limits<R>::min()) + " to " + std::to_string(std::numeric_limits<R>::max()));
}

template <number_type T>
nlohmann::json number_to_json(T value) {
  using R = number_repr_t<T>;
  const R v = static_cast<R>(value);
  if constexpr (std::is_same_v<R, bool>) return v;
  else if constexpr (std::is_same_v<R, char>) return char_to_json(static_cast<std::uint8_t>(v));
  else if constexpr (std::is_floating_point_v<R>) return float_to_json(v, sizeof(R) == 4);
  else if constexpr (std::is_signed_v<R>) return static_cast<std::int64_t>(v);
  else return static_cast<std::uint64_t>(v);
}

template <number_type T>
T number_from_json(const nlohmann::json& j, json_mode mode) {
  using R = number_repr_t<T>;
  if constexpr (std::is_same_v<R, bool>) return static_cast<T>(bool_from_json(j, mode));
  else if constexpr (std::is_same_v<R, char>) return static_cast<T>(static_cast<char>(char_from_json(j, mode)));
  else if constexpr (std::is_same_v<R, float>) return static_cast<T>(f32_from_double(float_from_json(j, mode, true)));
  else if constexpr (std::is_floating_point_v<R>) return static_cast<T>(static_cast<R>(float_from_json(j, mode, sizeof(R) == 4)));
  else return static_cast<T>(integer_from_json<R>(j, mode));
}

/// Strict mode: throws codec_error(json_key) for the first key of `object`
/// that is not one of `names`.
template <class Names>
void check_unknown_keys(const nlohmann::json& object, const Names& names);
[[noreturn]] void throw_unknown_key(const std::string& key, const std::string& field_list);
[[noreturn]] void throw_missing_key(std::string_view field);

template <class Names>
void check_unknown_keys(const nlohmann::json& object, const Names& names) {
  for (const auto& item : object.items()) {
    bool known = false;
    for (const auto& n : names)
      if (std::string_view(n) == item.key()) { known = true; break; }
    if (!known) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + std::string(n);
      throw_unknown_key(item.key(), list);
    }
  }
}

}  // namespace detail
}  // namespace comframe::core
