#include "comframe/core/json_number.hpp"

#include "comframe/core/json_document.hpp"
#include "comframe/core/json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace comframe::core::detail {

void throw_json_type(std::string_view expected, const nlohmann::json& got) {
  std::string found = json_value_phrase(got);
  throw codec_error(errc::json_type, "expected " + std::string(expected) + ", got " + found)
      .mismatch(std::string(expected), std::move(found));
}

void throw_json_range(const nlohmann::json& got, scalar s, std::string_view range) {
  throw codec_error(errc::json_range, got.dump() + " is out of range for " + std::string(to_string(s)) + " (" +
                                          std::string(range) + ")")
      .mismatch(std::string(range), got.dump());
}

void throw_not_an_integer(const nlohmann::json& j, std::string_view type, const std::string& range) {
  // A whole number beyond 64 bits (18446744073709551616) reaches us as a double:
  // it is out of range, not of the wrong kind.
  if (j.is_number_float()) {
    const double d = j.get<double>();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) >= 0x1p63)
      throw codec_error(errc::json_range, j.dump() + " is out of range for " + std::string(type) + " (" + range + ")")
          .mismatch(range, j.dump());
  }
  throw_json_type("an integer", j);
}

void throw_unknown_key(const std::string& key, const std::string& field_list) {
  const std::string found = quoted_text(key);
  if (field_list.empty())
    throw codec_error(errc::json_key, "unknown key " + found + " (the value has no fields)").mismatch("no keys", found);
  throw codec_error(errc::json_key, "unknown key " + found + " (the fields are: " + field_list + ")")
      .mismatch("one of " + field_list, found);
}

void throw_missing_key(std::string_view field) {
  throw codec_error(errc::json_key, "missing (strict mode needs every field)", std::string(field));
}

nlohmann::json float_to_json(double value, bool is_f32) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (!is_f32) return value;
  // The shortest decimal that reads back as the same float, held as a double,
  // so 0.1f prints as 0.1 instead of 0.10000000149011612.
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, static_cast<float>(value));
  *res.ptr = '\0';
  return std::strtod(buf, nullptr);
}

double float_from_json(const nlohmann::json& j, json_mode mode, bool is_f32) {
  double d;
  if (j.is_number()) {
    d = j.get<double>();
  } else if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    throw_json_type("a number (or \"nan\", \"inf\", \"-inf\")", j);
  } else {
    throw_json_type("a number", j);
  }
  // In range when it rounds to a finite float: 3.4028235e38, the shortest
  // decimal of FLT_MAX, is above FLT_MAX as a double and still in range.
  if (is_f32 && mode == json_mode::strict && std::isfinite(d) && std::fabs(d) >= f32_overflow_threshold)
    throw_json_range(j, scalar::f32, "magnitude up to 3.4028235e38");
  return d;
}

float f32_from_double(double d) noexcept {
  constexpr float max = std::numeric_limits<float>::max(), inf = std::numeric_limits<float>::infinity();
  if (std::isfinite(d) && std::fabs(d) >= f32_overflow_threshold) return d > 0 ? inf : -inf;
  // Above FLT_MAX but below the threshold rounds down to it; said here rather
  // than left to the conversion of a value outside the float range.
  if (std::isfinite(d) && std::fabs(d) > static_cast<double>(max)) return d > 0 ? max : -max;
  return static_cast<float>(d);  // in range: the nearest float; NaN and infinities as they are
}

nlohmann::json char_to_json(std::uint8_t c) {
  std::string s;
  if (c < 0x80) {
    s.push_back(static_cast<char>(c));
  } else {
    s.push_back(static_cast<char>(0xC0 | (c >> 6)));
    s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
  return s;
}

std::uint8_t char_from_json(const nlohmann::json& j, json_mode mode) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
    if (s.size() == 1 && p[0] < 0x80) return p[0];
    if (s.size() == 2 && (p[0] == 0xC2 || p[0] == 0xC3) && (p[1] & 0xC0) == 0x80)
      return static_cast<std::uint8_t>(((p[0] & 0x1F) << 6) | (p[1] & 0x3F));
    std::string found = json_value_phrase(j);
    throw codec_error(errc::json_range, "expected one character from U+0000 to U+00FF, got " + found)
        .mismatch("one character from U+0000 to U+00FF", std::move(found));
  }
  if (mode == json_mode::lenient && j.is_number_integer()) return integer_from_json<std::uint8_t>(j, mode);
  throw_json_type("a one-character string", j);
}

bool bool_from_json(const nlohmann::json& j, json_mode mode) {
  if (j.is_boolean()) return j.get<bool>();
  if (mode == json_mode::lenient && j.is_number()) return j.get<double>() != 0.0;
  throw_json_type("true or false", j);
}

}  // namespace comframe::core::detail
