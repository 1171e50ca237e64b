// comframe/core/json_text.hpp — JSON documents as people write and read them.
//
// parse_json() is nlohmann::json::parse() for documents a person wrote
// (schemas, profiles, simulator files): a key written twice in one object is
// an error instead of the silent "last one wins", and every error says where.
// dump_readable() writes JSON for people: an object or array that fits in the
// line stays on one line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "comframe/core/error.hpp"
#include "comframe/core/json_number.hpp"

namespace comframe::core {

/// Parses JSON text. Throws codec_error of kind `kind` (errc::json_syntax unless
/// given): "not valid JSON: …" with the byte offset (or, for a number beyond a
/// double such as 1e400, without one), or "duplicate key \"x\"" with the path
/// of the object that repeats it ("types.Point"). Values are read from text the
/// same way: in json_mode::strict a key written twice is refused; in
/// json_mode::lenient the last of them wins, the others are dropped.
nlohmann::json parse_json(std::string_view text, errc kind = errc::json_syntax, json_mode mode = json_mode::strict);

/// Pretty JSON with `indent` spaces per level, in which any object or array
/// that fits within `width` columns stays on one line ("{"a": 1, "b": [1, 2]}").
/// `level` and `column` place a value written inside a larger text: its nesting
/// level and the column it starts at. Recurses as deep as `value` nests: give it
/// values of bounded depth.
std::string dump_readable(const nlohmann::json& value, int indent = 2, std::size_t width = 100, int level = 0,
                          std::size_t column = 0);

/// Text from outside (a device, a file, a command line) made safe to print on
/// one line of a terminal: valid UTF-8 stays as it is; backslash, control
/// characters (C0, DEL, C1), the Unicode bidirectional overrides and every
/// byte of invalid UTF-8 are escaped (`\\`, `\n`, `\r`, `\t`, `\x1b`,
/// `\u0085`, `\u202e`); a NUL is `\x00`, never the end of the text. At most
/// `max_bytes` bytes of `text` are shown; a longer text ends with
/// "... (cut: 256 of 100000 bytes shown)", so a reader knows where and by how much.
std::string printable_text(std::string_view text, std::size_t max_bytes = 256);

/// printable_text() in double quotes, with `"` escaped too, for naming a value
/// inside a message: `no bridge "lab\x1b[2J"`. Cut after `max_bytes` bytes.
std::string quoted_text(std::string_view text, std::size_t max_bytes = 64);

}  // namespace comframe::core
