// comframe/core/hex.hpp — bytes as hex text and back, the one way comframe does it.
//
// Printing: hex_text() writes lowercase digit pairs ("0a 1b ff", or "0a1bff"
// with an empty separator); append_hex() adds one byte's pair to a string, for
// layouts of one's own (a hex dump). Parsing: parse_hex() reads digits of either
// case; with hex_layout::separated it also skips separators between bytes and a
// 0x prefix per byte. Every parse error counts characters from 1 and shows the
// character: "bad hex at character 8: \"g\" is not a hex digit".
//
//   core::hex_text(bytes)                         "01 02 ff"
//   core::parse_hex("0x01, 0x02 ff")             {1, 2, 255}
//   core::parse_hex("0102ff", hex_layout::digits_only)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "comframe/core/error.hpp"

namespace comframe::core {

/// Appends `byte` as two lowercase hex digits.
inline void append_hex(std::string& out, std::uint8_t byte) {
  static constexpr char digits[] = "0123456789abcdef";
  out += digits[byte >> 4];
  out += digits[byte & 15];
}

/// Bytes as people read them in logs: "0a 1b ff" (lowercase, `separator` between bytes).
std::string hex_text(std::span<const std::uint8_t> bytes, std::string_view separator = " ");

/// What parse_hex() takes between the digits.
///  digits_only  nothing but hex digits ("0a1bff"), as a JSON hex value is written
///  separated    also spaces, tabs, line ends, ':' and ',' between bytes, and a
///               0x or 0X before a byte ("0a 1b ff", "0a:1b:ff", "0x0a, 0x1b")
enum class hex_layout : std::uint8_t { digits_only, separated };

/// The bytes hex text stands for. Throws codec_error of kind `kind` (errc::json_range
/// unless given), its detail one of:
///   bad hex at character 8: "g" is not a hex digit
///   bad hex at character 5: a byte needs two hex digits       (a separator inside a byte)
///   bad hex at character 1: "0x" needs hex digits after it
///   odd number of hex digits (3)
std::vector<std::uint8_t> parse_hex(std::string_view text, hex_layout layout = hex_layout::separated,
                                    errc kind = errc::json_range);

}  // namespace comframe::core
