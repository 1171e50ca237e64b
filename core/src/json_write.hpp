// Pieces of JSON text as format_json() (comframe/core/json_text.hpp) writes
// them, shared by it and by the decoder that writes text without a tree
// (decode_json, comframe/core/dynamic_codec.hpp), so both write the same bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace comframe::core::detail {

/// A character a JSON string holds as it is, with no escape and nothing a
/// terminal acts on: printable ASCII but the quote and the backslash.
inline bool plain_json_char(char c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; }

/// A JSON string (or key) as nlohmann writes it, with DEL, the C1 controls
/// and the Unicode bidirectional controls escaped too (json_format's rule).
void append_json_string(std::string& out, std::string_view text, bool ascii_only = false);
/// A finite float in the fewest digits that read back to the same float, laid
/// out as nlohmann writes a double (`0.1`, `3.0`, `1e-05`, `3.4028235e+38`).
void append_f32(std::string& out, float value);
/// The same at `out`, which has room for f32_text_max bytes; returns the end.
inline constexpr std::size_t f32_text_max = 32;
char* write_f32(char* out, float value);
/// A finite double as nlohmann::json writes it, at `out`, which has room for
/// f64_text_max bytes; returns the end.
inline constexpr std::size_t f64_text_max = 64;
char* write_f64(char* out, double value);
/// An integer in decimal.
void append_integer(std::string& out, long long value);
void append_integer(std::string& out, unsigned long long value);

}  // namespace comframe::core::detail
