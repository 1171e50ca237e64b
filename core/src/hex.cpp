#include "comframe/core/hex.hpp"

#include "comframe/core/json_text.hpp"

#include <array>

namespace comframe::core {

namespace {

constexpr int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr bool is_separator(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' || c == ','; }

// What each byte of hex text is: a digit's value (0-15), a separator, or neither.
constexpr std::uint8_t separator = 16, other = 17;
constexpr auto classes = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const int v = hex_digit(static_cast<char>(c));
    t[static_cast<std::size_t>(c)] =
        v >= 0 ? static_cast<std::uint8_t>(v) : is_separator(static_cast<char>(c)) ? separator : other;
  }
  return t;
}();

// Characters count from 1, as in every hex error.
[[noreturn]] void bad_hex(errc kind, std::size_t index, const std::string& why) {
  throw codec_error(kind, "bad hex at character " + std::to_string(index + 1) + ": " + why);
}

}  // namespace

std::string hex_text(std::span<const std::uint8_t> bytes, std::string_view separator) {
  std::string s;
  s.reserve(bytes.size() * (2 + separator.size()));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i) s += separator;
    append_hex(s, bytes[i]);
  }
  return s;
}

std::vector<std::uint8_t> parse_hex(std::string_view text, hex_layout layout, errc kind) {
  const bool separated = layout == hex_layout::separated;
  std::vector<std::uint8_t> out(text.size() / 2);  // at most this many bytes; cut to size at the end
  std::size_t n = 0;
  int high = -1;
  std::size_t digits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const std::uint8_t k = classes[static_cast<unsigned char>(c)];
    if (k < 16) {
      if (high >= 0) {  // the second digit of a byte
        out[n++] = static_cast<std::uint8_t>(high << 4 | k);
        high = -1;
        ++digits;
        continue;
      }
      if (!(separated && c == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X'))) {
        high = k;
        ++digits;
        continue;
      }
      // "0x" before a byte
      if (i + 2 >= text.size() || hex_digit(text[i + 2]) < 0)
        bad_hex(kind, i, "\"" + std::string(text.substr(i, 2)) + "\" needs hex digits after it");
      ++i;
      continue;
    }
    if (separated && k == separator) {
      if (high >= 0) bad_hex(kind, i, "a byte needs two hex digits");
      continue;
    }
    bad_hex(kind, i, quoted_text(text.substr(i, 1)) + " is not a hex digit");
  }
  if (high >= 0) throw codec_error(kind, "odd number of hex digits (" + std::to_string(digits) + ")");
  out.resize(n);
  return out;
}

}  // namespace comframe::core
