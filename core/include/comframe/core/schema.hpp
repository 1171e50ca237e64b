// comframe/core/schema.hpp — the schema language: types described at run time,
// so that a program can handle values of types it was not compiled with.
//
// A schema document (docs/schema.md has the whole language):
//   {
//     "types": {
//       "Point": {"struct": [{"name": "x", "type": "f32"}, {"name": "y", "type": "f32"}]},
//       "Shape": {"struct": [{"name": "id", "type": "u32"}, {"name": "vrx", "type": "Point[3]"}]}
//     },
//     "root": "Shape"
//   }
// A bare type expression ("i16[]", {"struct": …}) is a document too.
// Device formats add odd-width integers ("u24", bpack's ">i4"), bit records
// ({"bits": […], "order": "msb"}), enums ({"enum": "u8", "values": {…}}),
// "text[N]", "bytes[N]", field "offset" and "endian", and struct "size"; the
// comment on type_node says what a generic tool reads for each kind.
//
// Example:
//   auto s = comframe::core::schema::parse(text);   // checks every rule, names the path
//   s.type_names();                                  // {"Point", "Shape"}
//   s.fixed_size();                                  // 28
//   s.type("Point").dump();                          // the canonical document, for people
//
// The same rules as the static face (comframe/core/codec.hpp) hold, checked
// at load time: a dynamic array only as the last leaf unless it is counted
// ({"name": "values", "type": ">u16[]", "count": "byte_count", "count_unit": "bytes"}), fixed arrays of at
// least one element, array elements (fixed or dynamic) of non-zero size, at
// most limits::max_elements elements in a value (comframe/core/limits.hpp).
//
// The rest of the dynamic face lives beside this header:
//   comframe/core/dynamic_codec.hpp   values as nlohmann::json to bytes and back by a schema
//   comframe/core/schema_export.hpp   schema::of<T>(), the schema of a static type
//
// Thread safety: a schema is immutable; copies share their nodes and may be
// used from any number of threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comframe/core/bits.hpp"
#include "comframe/core/endian.hpp"
#include "comframe/core/scalar.hpp"
#include "comframe/core/type_kind.hpp"

namespace comframe::core {

/// One type of a loaded schema. Nodes belong to their schema and live as long
/// as any schema that shares them; generic tools walk them.
///
/// What a consumer (a dissector generator, a pretty printer) reads per kind:
///   null           nothing; 0 bytes.
///   number         `number` (a C scalar, size_of(number) bytes), and `order`.
///   integer        `bits` and `is_signed`, and `order`. In a struct `bits` is a
///                  multiple of 8 (bits / 8 bytes, e.g. u24 = 3 bytes); as the type
///                  of a bit field the field's `bit_width` counts, not `bits`.
///                  Values are two's complement, sign-extended from the width.
///   enumeration    as integer (`bits`, `is_signed`, `order`), plus `enumerators`
///                  (name, value). JSON shows the name; a value without a name is
///                  a decode error.
///   float16        IEEE 754 binary16 ("f2"), 2 bytes, and `order`; JSON number.
///   flags          an unsigned integer of `bits` bits (`min_size` bytes, `order`)
///                  whose bits are named: `enumerators` (name, bit position, 0 =
///                  least significant), sorted by position. JSON is the list of
///                  the set bits' names in bit order; a set bit without a name is
///                  a decode error in strict mode and its number in lenient mode.
///   text           `length` bytes of UTF-8 padded with NULs; JSON string. With
///                  `dynamic` set ("text[]"): no `length`, the text takes the
///                  rest of the value or, in a counted field, its count of bytes.
///   raw_bytes      `length` bytes; JSON lowercase hex string. "bytes[]" is
///                  `dynamic` as "text[]" is.
///   array          `element` × `length`.
///   dynamic_array  `element` × (whatever the bytes hold), or, in a counted
///                  field, × the count.
///   structure      `fields`; each field's bytes start at `field::offset` from the
///                  struct's start (offsets only grow; bytes between fields are
///                  gaps, skipped on decode and zero on encode); the struct is
///                  `min_size` bytes (more than the end of its last field when the
///                  schema states a "size"). `field::order`, when set, fixes the
///                  byte order of everything inside that field.
///                  A counted field (`field::counted_by` set) is a dynamic array,
///                  text[] or bytes[] whose length the earlier field
///                  `fields[counted_by]` (an unsigned integer) holds, in elements
///                  or in bytes (`field::count_unit`). It takes 0 bytes in
///                  `min_size` and in the offsets: every field after it starts
///                  `offset` + the bytes the counted fields before it take
///                  in this value. A struct with one (at any depth, but not
///                  in its dynamic tail) is `counted`.
///   bit_record     `fields`, `bit_order` and `min_size` bytes (= `bit_size` / 8).
///                  Each field is `field::bit_width` bits at bit `field::bit_offset`
///                  (see comframe/core/bits.hpp for how bits are numbered); its
///                  type is number (bool or an integer scalar), integer,
///                  enumeration or flags, giving signedness and names. A field
///                  with `count` > 0 is a packed array: `count` elements of
///                  `bit_width` bits from `bit_offset` on, element i at
///                  `bit_offset + i * bit_width`, each in the record's bit order
///                  (bits(f) = bit_width * max(count, 1)). Bit offsets only
///                  grow; bits no field covers are zero on encode and skipped on
///                  decode. The call's byte order does not apply inside a bit record.
/// Byte order of a number, integer or enumeration leaf: its own `order` if set,
/// else the `order` of the innermost enclosing field that has one, else the
/// order asked for by the encode/decode call.
struct type_node {
  struct field {
    std::string name;
    const type_node* type = nullptr;
    std::size_t offset = 0;             ///< structure: byte offset from the struct's start
    std::optional<endian> order;        ///< structure: a byte order for everything in the field ("endian")
    std::size_t bit_offset = 0;         ///< bit_record: bit offset from the record's start
    unsigned bit_width = 0;             ///< bit_record: width in bits, 1 to 64 (of each element when `count`)
    std::size_t count = 0;              ///< bit_record: > 0 for a packed array of `count` elements of `bit_width`
                                        ///< bits each, one after the other; JSON array
    static constexpr std::size_t none = static_cast<std::size_t>(-1);
    std::size_t counted_by = none;      ///< structure: the index of the earlier field that holds this field's
                                        ///< count ("count"); its type is a dynamic array, text[] or bytes[]
    core::count_unit count_unit = core::count_unit::elements;  ///< what that count counts ("count_unit")
    std::size_t counts = none;          ///< structure: the index of the later field whose count this field holds
    std::size_t count_slot = 0;         ///< structure: of a count field, its number among the struct's count
                                        ///< fields (0 to max_count_fields - 1)
  };
  struct enumerator {
    std::string name;
    std::int64_t value = 0;
  };
  type_kind kind = type_kind::null;
  scalar number = scalar::u8;          ///< kind == number
  std::string name;                    ///< a named type's name; "" for an anonymous one
  std::vector<field> fields;           ///< kind == structure or bit_record, in order
  const type_node* element = nullptr;  ///< kind == array or dynamic_array
  std::size_t length = 0;              ///< kind == array (elements), text and raw_bytes (bytes)
  bool dynamic = false;                ///< holds the dynamic array (as its last leaf)
  bool counted = false;                ///< holds a counted field: its size varies and is read from its bytes
                                       ///< (core::measure); every counted field's element has a fixed size
                                       ///< unless the element is `counted` itself
  std::size_t min_size = 0;            ///< bytes of everything but the dynamic array's elements
  std::size_t tail_element_size = 0;   ///< bytes per element of that dynamic array
  std::size_t elements = 0;            ///< array elements and fields, at every depth, of everything but the dynamic array
  std::size_t depth = 1;               ///< nesting levels, 1 for a number or null
  unsigned bits = 0;                   ///< integer, enumeration: width in bits (1 to 64)
  bool is_signed = false;              ///< integer, enumeration
  std::optional<endian> order;         ///< number, integer, enumeration: byte order fixed by the schema ("<u16")
  std::vector<enumerator> enumerators; ///< enumeration, sorted by value
  core::bit_order bit_order = core::bit_order::msb;  ///< bit_record
  std::size_t bit_size = 0;            ///< bit_record: total bits (min_size * 8)
};

/// A loaded schema: a set of named types and the one chosen as its root.
class schema {
 public:
  /// The Null schema.
  schema();

  /// Loads a schema document from JSON text. Throws codec_error: schema_syntax
  /// (bad JSON or shape), definition (a rule broken), unknown_type, limit — each
  /// naming the offending path ("Shape.vrx").
  static schema parse(std::string_view json_text);
  /// Loads a schema document already parsed as JSON.
  static schema from_json(const nlohmann::json& document);
  /// The schema of a static type; structs become named types (type_name<T>).
  /// Defined in comframe/core/schema_export.hpp: include that header to call it.
  template <class T>
  static schema of();

  /// The same document with another named type as its root. Throws unknown_type.
  schema type(std::string_view name) const;
  /// The names of the document's named types, sorted.
  std::vector<std::string> type_names() const;
  /// False when the document has several types and names no root.
  bool has_root() const noexcept { return root_ != nullptr; }
  /// The root type. Throws unknown_type when there is none (use type(name)).
  const type_node& root() const;

  /// The canonical document: {"types": {…}, "root": …}. Loading it gives an equal schema.
  nlohmann::json to_json() const;
  /// to_json() as text for people: short objects such as a field stay on one line.
  std::string dump(int indent = 2) const;
  /// The root as a short type expression: "Shape", "i16[]", "u8[4]".
  std::string type_expression() const;

  /// Encoded size of every value, or nullopt for a dynamic or counted root.
  std::optional<std::size_t> fixed_size() const;
  /// Bytes of everything but the dynamic array's elements (and counted fields' contents).
  std::size_t min_size() const;
  /// Bytes per element of the dynamic array, or nullopt for a fixed root.
  std::optional<std::size_t> element_size() const;
  /// Encoded size of this JSON value (its dynamic array's and counted fields' lengths count).
  std::size_t current_size(const nlohmann::json& value) const;

  /// Same types and same root, compared in canonical form.
  friend bool operator==(const schema& a, const schema& b);

  struct document;  ///< implementation detail: the shared, immutable node store

 private:
  schema(std::shared_ptr<const document> doc, const type_node* root);
  std::shared_ptr<const document> doc_;
  const type_node* root_ = nullptr;
};

namespace detail {

// A type string without an array suffix can take one ("u8" → "u8[4]"); an
// array of arrays needs the object form.
inline bool is_plain_name(const nlohmann::json& e) {
  return e.is_string() && e.get_ref<const std::string&>().find('[') == std::string::npos;
}

}  // namespace detail

}  // namespace comframe::core
