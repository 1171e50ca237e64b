// comframe/core/dynamic_codec.hpp — the dynamic face's codec: values as
// nlohmann::json to bytes and back, by a schema loaded at run time
// (comframe/core/schema.hpp).
//
// Example:
//   auto s = comframe::core::schema::parse(R"({"struct": [{"name": "id", "type": "u16"},
//                                                         {"name": "temps", "type": "i8[]"}]})");
//   auto b = comframe::core::encode(s, {{"id", 7}, {"temps", {-5, 20}}}, endian::big);  // 00 07 fb 14
//   nlohmann::json v = comframe::core::decode(s, b, endian::big);   // {"id":7,"temps":[-5,20]}
//   comframe::core::format_json(v, {.type = &s.root()});            // keys in field order
//
// A value gives the same bytes and JSON as the static face
// (comframe/core/codec.hpp, comframe/core/json.hpp) gives for the C++ type of
// the same schema. Errors are codec_error with the field path and, for bytes,
// the offset: "[core.json_range] temps[1]: 200 is out of range for i8 (-128 to 127)".
// json_mode (comframe/core/json_number.hpp) chooses strict (default) or lenient
// JSON input. core::format_json (comframe/core/json_text.hpp) writes a value
// with its keys in field order.
//
// Thread safety: every function here is reentrant; none keeps state.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "comframe/core/codec.hpp"
#include "comframe/core/endian.hpp"
#include "comframe/core/json_number.hpp"
#include "comframe/core/json_text.hpp"
#include "comframe/core/schema.hpp"

namespace comframe::core {

/// Encodes a JSON value of `s`'s root type into a new byte vector.
bytes encode(const schema& s, const nlohmann::json& value, endian order = endian::native,
             json_mode mode = json_mode::strict);
/// Appends the encoding to `out` (its existing bytes are kept).
void encode_append(const schema& s, const nlohmann::json& value, bytes& out, endian order = endian::native,
                   json_mode mode = json_mode::strict);
/// Decodes exactly these bytes as a value of `s`'s root type. `mode` matters
/// only for flag sets: strict refuses a set bit without a name (invalid_bytes),
/// lenient lists it as its bit position.
nlohmann::json decode(const schema& s, std::span<const std::uint8_t> in, endian order = endian::native,
                      json_mode mode = json_mode::strict);

/// decode() written straight as JSON text, appended to `out`, without a tree in
/// between: the text format_json(decode(s, in, order, mode), {.indent = indent,
/// .scalar_arrays_on_one_line = true, .type = &s.root()}) gives (indent < 0:
/// one line, no spaces). Throws what decode() throws; `out` is then as it was.
void decode_json(const schema& s, std::span<const std::uint8_t> in, std::string& out, int indent = -1,
                 endian order = endian::native, json_mode mode = json_mode::strict);

/// How decode_json() writes its text.
struct json_text_options {
  /// Spaces per level of nesting; negative: one line, no spaces.
  int indent = -1;
  /// Each object's keys in byte order, as nlohmann::json keeps them, not in
  /// field order: the text of format_json(decode(s, in, order, mode),
  /// {.indent, .scalar_arrays_on_one_line = true, .ascii_only}), but with each
  /// f32 in its fewest digits, as ever (the tree holds the double nearest them,
  /// which nlohmann sometimes writes with 17: `-1.0598659000000001e-13`).
  bool sorted_keys = false;
  /// Every character outside printable ASCII as a \u escape (json_format::ascii_only).
  bool ascii_only = false;
};
/// decode_json() as `options` say.
void decode_json(const schema& s, std::span<const std::uint8_t> in, std::string& out,
                 const json_text_options& options, endian order = endian::native,
                 json_mode mode = json_mode::strict);

/// What decode_to() calls as it reads a value: the value's JSON (as decode()
/// makes it) as a stream of parts in the order of its bytes, with nothing held
/// in between. A struct or bit record is begin_object, then key and its value
/// for each field in field order, then end_object; an array (fixed, dynamic,
/// counted, a packed bit field, a flag set) is begin_array, its elements,
/// end_array. Leaves: an integer of a signed type arrives as integer(), of an
/// unsigned one as unsigned_integer(); f32, f64 and f2 as real() (`is_f32`
/// for f32: the shortest digits that read back to the float are
/// std::to_chars(static_cast<float>(v))); NaN and the infinities, a char (as
/// UTF-8), a text, a byte string (lowercase hex), an enumerator's name and a
/// flag's name as string(). A string_view is valid only during the call.
/// The visitor may throw; decode_to() lets it through.
class value_visitor {
 public:
  virtual ~value_visitor() = default;
  /// `type`: the struct's or bit record's node, whose `fields` name the keys to come.
  virtual void begin_object(const type_node& type) = 0;
  virtual void key(const std::string& name) = 0;
  virtual void end_object() = 0;
  /// `element`: the elements' node, or nullptr for a flag set's names.
  virtual void begin_array(const type_node* element) = 0;
  virtual void end_array() = 0;
  virtual void null() = 0;
  virtual void boolean(bool value) = 0;
  virtual void integer(std::int64_t value) = 0;
  virtual void unsigned_integer(std::uint64_t value) = 0;
  virtual void real(double value, bool is_f32) = 0;
  virtual void string(std::string_view value) = 0;
};

/// Decodes as decode() does, handing the value to `visitor` part by part.
/// Errors are decode()'s, thrown when the bytes that cause them are reached:
/// the visitor may have seen the parts before them.
void decode_to(const schema& s, std::span<const std::uint8_t> in, value_visitor& visitor,
               endian order = endian::native, json_mode mode = json_mode::strict);

}  // namespace comframe::core
