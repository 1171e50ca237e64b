// comframe/core/json_text.hpp — JSON documents as people write and read them.
//
// parse_json() is nlohmann::json::parse() for documents a person wrote
// (schemas, profiles, simulator files): a key written twice in one object is
// an error instead of the silent "last one wins", and every error says where.
// format_json() is the one printer of JSON values: compact or indented, keys in
// a schema's field order, text safe for a terminal, or cut short for a line of
// text; json_format says which.
//
// Example:
//   format_json(v);                                        // {"id":7,"temps":[-5,20]}
//   format_json(v, {.indent = 2, .width = 100});           // {"id": 7, "temps": [-5, 20]}
//   format_json(v, {.indent = 2, .scalar_arrays_on_one_line = true, .type = &s.root()});
//                                                          // {\n  "id": 7,\n  "temps": [-5, 20]\n}
//   format_json(v, {.key_value = true, .max_elements = 1}); // {id=7 temps=[-5,… (2)]}
//
// Thread safety: every function here is reentrant; none keeps state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

struct type_node;  // comframe/core/schema.hpp

/// How format_json() writes a value. The defaults give nlohmann's compact form
/// (`{"a":1,"b":[1,2]}`) with text made safe for a terminal.
///
/// Strings and keys always get JSON's escapes (`\n`, `\u001b`), and DEL, the C1
/// controls (U+0080–U+009F) and the Unicode bidirectional controls (U+061C,
/// U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) are written as `\u007f`,
/// `\u009b`, `\u202e`: the JSON means the same, and a terminal that shows it
/// obeys none of them. Invalid UTF-8 becomes U+FFFD. Numbers are written as
/// nlohmann::json writes them (the shortest text that reads back the same).
struct json_format {
  // ---- Layout
  /// Spaces per level of nesting. Negative: the whole value on one line with
  /// no spaces (`{"a":1,"b":[1,2]}`). Otherwise an object or array is written
  /// one item a line unless a rule below keeps it on one line, which is then
  /// spaced (`{"a": 1, "b": [1, 2]}`).
  int indent = -1;
  /// With indent >= 0: an object or array whose one-line form fits within
  /// `width` columns, counted from the column where it starts, stays on one
  /// line. 0: none stays on one line for being short.
  std::size_t width = 0;
  /// With indent >= 0: an array none of whose elements is an object or an array
  /// stays on one line however long it is (64 readings one a line help nobody).
  bool scalar_arrays_on_one_line = false;

  // ---- Key order (nlohmann::json keeps an object's keys sorted)
  /// The schema type of the value, or nullptr. The keys of a struct's or a bit
  /// record's object come in field order, at every depth; keys the type does
  /// not name follow, sorted. Must live as long as the call.
  const type_node* type = nullptr;
  /// The outermost object's keys in this order; keys not listed follow, sorted.
  std::vector<std::string> key_order = {};

  // ---- Text
  /// Every character outside printable ASCII as a \u escape (nlohmann's ensure_ascii).
  bool ascii_only = false;
  /// With `type`: an array of char is written as one string, without the NULs
  /// that pad it ("thermo" rather than ["t","h","e","r","m","o","",""]); a NUL
  /// with text after it stays.
  bool chars_as_text = false;

  // ---- A value inside a line of text. Each of these makes text that is not JSON.
  /// `{a=1 b=[1,2] name="x"}` on one line whatever `indent` says: keys bare
  /// (as printable_text() shows them), `=`, items of an object separated by a
  /// space and of an array by a comma; strings as quoted_text() shows them
  /// (`"a\x1b[2J"`).
  bool key_value = false;
  /// An array shows at most this many elements, then its length: `[1,2,… (10)]`.
  std::size_t max_elements = std::numeric_limits<std::size_t>::max();
  /// An object nested deeper than this is `{…}`; the value itself is at depth
  /// 0, and each array or object around a value adds one.
  std::size_t max_depth = std::numeric_limits<std::size_t>::max();
  /// A string shows at most this many bytes (whole UTF-8 characters), then says
  /// where it was cut after its closing quote: `"abc" (cut: 3 of 100 bytes shown)`.
  std::size_t max_string_bytes = std::numeric_limits<std::size_t>::max();
};

/// `value` as text, written as `format` says (see json_format). Recurses as
/// deep as `value` nests: give it values of bounded depth (every value decoded
/// by a schema is).
std::string format_json(const nlohmann::json& value, const json_format& format = {});

/// A string (or a key) as format_json() writes one, in double quotes with
/// json_format's escapes, appended to `out`: for a program that writes JSON
/// text of its own around values format_json() or decode_json() wrote.
void append_json_string(std::string& out, std::string_view text, bool ascii_only = false);

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
