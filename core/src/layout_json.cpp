// JSON of the kinds beyond C scalars: odd-width integers, enums, text, bytes.
#include <algorithm>
#include <climits>
#include <cstring>

#include "comframe/core/bits.hpp"
#include "comframe/core/codec.hpp"
#include "comframe/core/json_number.hpp"
#include "comframe/core/hex.hpp"
#include "comframe/core/json_text.hpp"

namespace comframe::core::detail {

namespace {

std::string int_label(bool is_signed, unsigned bits) {
  std::string s(1, is_signed ? 'i' : 'u');
  return s += std::to_string(bits);
}

// Length of the valid UTF-8 prefix of [p, p + n).
std::size_t utf8_valid_prefix(const std::uint8_t* p, std::size_t n) noexcept {
  std::size_t i = 0;
  while (i < n) {
    const std::uint8_t c = p[i];
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > n) return i;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return n;
}

}  // namespace

std::uint64_t int_from_json(const nlohmann::json& j, unsigned width, bool is_signed, json_mode mode) {
  const std::uint64_t mask = low_mask(width);
  std::int64_t lo = 0;
  std::uint64_t hi = mask;
  if (is_signed) {
    lo = width >= 64 ? INT64_MIN : -(std::int64_t{1} << (width - 1));
    hi = mask >> 1;
  }
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u <= hi || mode == json_mode::lenient) return u & mask;
  } else if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    const bool in_range = v >= lo && (v < 0 || static_cast<std::uint64_t>(v) <= hi);
    if (in_range || mode == json_mode::lenient) return static_cast<std::uint64_t>(v) & mask;
  } else {
    throw_not_an_integer(j, int_label(is_signed, width), std::to_string(lo) + " to " + std::to_string(hi));
  }
  const std::string range = std::to_string(lo) + " to " + std::to_string(hi);
  throw codec_error(errc::json_range, j.dump() + " is out of range for " + int_label(is_signed, width) + " (" +
                                          range + ")")
      .mismatch(range, j.dump());
}

nlohmann::json int_to_json(std::uint64_t v, unsigned width, bool is_signed) {
  if (is_signed) return sign_extend(v, width);
  return v & low_mask(width);
}

std::string enum_value_list(const std::string_view* names, const std::int64_t* values, std::size_t n) {
  std::string list;
  for (std::size_t i = 0; i < n; ++i) {
    if (list.size() > 200) return list + ", …";
    list += (list.empty() ? "" : ", ") + std::string(names[i]) + " = " + std::to_string(values[i]);
  }
  return list;
}

std::int64_t enum_from_json(const nlohmann::json& j, json_mode mode, std::string_view label,
                            const std::string_view* names, const std::int64_t* values, std::size_t n) {
  if (j.is_string()) {
    const auto& name = j.get_ref<const std::string&>();
    for (std::size_t i = 0; i < n; ++i)
      if (names[i] == name) return values[i];
    const std::string list = enum_value_list(names, values, n);
    std::string found = quoted_text(name);
    throw codec_error(errc::json_range, found + " is not a name of " + std::string(label) + " (" + list + ")")
        .mismatch(list, std::move(found));
  }
  if (mode == json_mode::lenient && j.is_number_integer()) {
    const bool huge = j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX);
    const std::int64_t v = j.get<std::int64_t>();
    for (std::size_t i = 0; i < n && !huge; ++i)
      if (values[i] == v) return v;
    const std::string list = enum_value_list(names, values, n);
    throw codec_error(errc::json_range, j.dump() + " is no value of " + std::string(label) + " (" + list + ")")
        .mismatch(list, j.dump());
  }
  throw_json_type("a name of " + std::string(label), j);
}

void throw_unnamed_enum(std::int64_t value, std::string_view label, const std::string& list, std::size_t offset) {
  throw codec_error(errc::invalid_bytes, std::to_string(value) + " is no value of " + std::string(label) + " (" + list +
                                             ")",
                    {}, offset)
      .mismatch(list, std::to_string(value));
}

void text_from_json(const nlohmann::json& j, char* out, std::size_t n) {
  if (!j.is_string()) throw_json_type("a string of at most " + std::to_string(n) + " bytes", j);
  const auto& s = j.get_ref<const std::string&>();
  if (s.size() > n)
    throw codec_error(errc::json_range,
                      "a text of " + count_of(s.size(), "byte") + " does not fit in " + std::to_string(n))
        .mismatch("at most " + count_of(n, "byte"), count_of(s.size(), "byte"));
  if (s.find('\0') != std::string::npos)
    throw codec_error(errc::json_range, "a text may not hold a NUL character (NULs pad it)");
  if (!s.empty()) std::memcpy(out, s.data(), s.size());
  if (s.size() < n) std::memset(out + s.size(), 0, n - s.size());
}

namespace {
std::size_t text_length(const char* p, std::size_t n) noexcept {
  std::size_t len = 0;
  while (len < n && p[len] != '\0') ++len;
  return len;
}

}  // namespace

bool text_valid(const char* p, std::size_t n) noexcept {
  const std::size_t len = text_length(p, n);
  return utf8_valid_prefix(reinterpret_cast<const std::uint8_t*>(p), len) == len;
}

void check_text(const char* p, std::size_t n, std::size_t offset) {
  const std::size_t len = text_length(p, n);
  const std::size_t valid = utf8_valid_prefix(reinterpret_cast<const std::uint8_t*>(p), len);
  if (valid != len)
    throw codec_error(errc::invalid_bytes, "a text must be UTF-8; byte " + std::to_string(valid) + " of it is not", {},
                      offset + valid);
}

nlohmann::json text_to_json(const char* p, std::size_t n, std::size_t offset) {
  check_text(p, n, offset);
  return std::string(p, text_length(p, n));
}

void hex_from_json(const nlohmann::json& j, std::uint8_t* out, std::size_t n) {
  const std::string want = std::to_string(n * 2) + " hex digits (" + count_of(n, "byte") + ")";
  if (!j.is_string()) throw_json_type("a string of " + want, j);
  const auto& s = j.get_ref<const std::string&>();
  if (s.size() != n * 2)
    throw codec_error(errc::json_range, "expected " + want + ", got " + count_of(s.size(), "character"))
        .mismatch(want, count_of(s.size(), "character"));
  const auto bytes = parse_hex(s, hex_layout::digits_only, errc::json_range);
  std::copy(bytes.begin(), bytes.end(), out);
}

nlohmann::json hex_to_json(const std::uint8_t* p, std::size_t n) { return hex_text({p, n}, ""); }

}  // namespace comframe::core::detail
