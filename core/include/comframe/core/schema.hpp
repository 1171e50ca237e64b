// comframe/core/schema.hpp — the dynamic face of the type system: a schema
// loaded at run time, values as nlohmann::json.
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
//   auto s = comframe::core::schema::parse(text);               // checks every rule, names the path
//   auto b = comframe::core::encode(s, value_json, endian::big);
//   nlohmann::json v = comframe::core::decode(s, b, endian::big);
//   auto t = comframe::core::schema::of<Shape>();               // the schema of a static type
//
// The same rules as the static face hold, checked at load time: a dynamic
// array only as the last leaf, fixed arrays of at least one element, array
// elements (fixed or dynamic) of non-zero size, at most limits::max_elements
// elements in a value. Both faces give identical bytes and JSON.
//
// Thread safety: a schema is immutable; copies share their nodes and may be
// used from any number of threads at once.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "comframe/core/bits.hpp"
#include "comframe/core/codec.hpp"
#include "comframe/core/json_number.hpp"
#include "comframe/core/limits.hpp"

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
///   text           `length` bytes of UTF-8 padded with NULs; JSON string.
///   raw_bytes      `length` bytes; JSON lowercase hex string.
///   array          `element` × `length`.
///   dynamic_array  `element` × (whatever the bytes hold).
///   structure      `fields`; each field's bytes start at `field::offset` from the
///                  struct's start (offsets only grow; bytes between fields are
///                  gaps, skipped on decode and zero on encode); the struct is
///                  `min_size` bytes (more than the end of its last field when the
///                  schema states a "size"). `field::order`, when set, fixes the
///                  byte order of everything inside that field.
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
  std::string describe() const;

  /// Encoded size of every value, or nullopt for a dynamic root.
  std::optional<std::size_t> fixed_size() const;
  /// Bytes of everything but the dynamic array's elements.
  std::size_t min_size() const;
  /// Bytes per element of the dynamic array, or nullopt for a fixed root.
  std::optional<std::size_t> element_size() const;
  /// Encoded size of this JSON value (its dynamic array's length counts).
  std::size_t current_size(const nlohmann::json& value) const;

  /// Same types and same root, compared in canonical form.
  friend bool operator==(const schema& a, const schema& b);

  struct document;  ///< implementation detail: the shared, immutable node store

 private:
  schema(std::shared_ptr<const document> doc, const type_node* root);
  std::shared_ptr<const document> doc_;
  const type_node* root_ = nullptr;
};

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

/// JSON text of a value of `s`'s root type with object keys in field order
/// (nlohmann::json itself keeps keys sorted). indent < 0: one line.
std::string format_json(const schema& s, const nlohmann::json& value, int indent = -1);

// ---- Schema of a static type ------------------------------------------------

namespace detail {

// A type string without an array suffix can take one ("u8" → "u8[4]"); an
// array of arrays needs the object form.
inline bool is_plain_name(const nlohmann::json& e) {
  return e.is_string() && e.get_ref<const std::string&>().find('[') == std::string::npos;
}

template <class T>
nlohmann::json export_type(nlohmann::json& types);

template <class E>
std::string export_enum(nlohmann::json& types) {
  const std::string name(type_name_v<E>);
  if (!types.contains(name)) {
    nlohmann::json values = nlohmann::json::object();
    using tab = enum_table<E>;
    for (std::size_t i = 0; i < tab::size; ++i) values[std::string(tab::names[i])] = tab::values[i];
    types[name] = {{"enum", std::string(to_string(scalar_of<std::underlying_type_t<E>>()))}, {"values", values}};
  }
  return name;
}

// A flag set, inline: {"flags": "u8", "values": {name: bit position}}.
template <class T>
nlohmann::json export_flags(unsigned width = sizeof(typename T::base_type) * 8) {
  nlohmann::json values = nlohmann::json::object();
  using tab = flags_table<T>;
  for (std::size_t i = 0; i < tab::size; ++i) values[std::string(tab::names[i])] = tab::positions[i];
  return {{"flags", "u" + std::to_string(width)}, {"values", std::move(values)}};
}

// A bit field's type and, when it differs from the type's own width, its "bits".
template <class T, unsigned W>
nlohmann::json export_bit_field(nlohmann::json& types, std::string_view name, const bit_field<T, W>*) {
  nlohmann::json f = {{"name", name}};
  if constexpr (std::is_same_v<T, bool>) {
    f["type"] = "bool";
    if (W != 1) f["bits"] = W;
  } else if constexpr (described_enum<T>) {
    f["type"] = export_enum<T>(types);
    if (W != sizeof(T) * 8) f["bits"] = W;
  } else {
    using R = comframe::core::detail::number_repr_t<T>;
    f["type"] = std::string(1, std::is_signed_v<R> ? 'i' : 'u') += std::to_string(W);
  }
  return f;
}

// A packed array: the element's field with a "count".
template <class T, unsigned W, std::size_t N>
nlohmann::json export_bit_field(nlohmann::json& types, std::string_view name, const std::array<bit_field<T, W>, N>*) {
  nlohmann::json f = export_bit_field(types, name, static_cast<const bit_field<T, W>*>(nullptr));
  f["count"] = N;
  return f;
}

template <class T>
nlohmann::json export_type(nlohmann::json& types) {
  constexpr type_kind k = kind_v<T>;
  if constexpr (is_ordered_v<T>) {
    static_assert(kind_v<typename T::value_type> == type_kind::number ||
                      kind_v<typename T::value_type> == type_kind::integer ||
                      kind_v<typename T::value_type> == type_kind::float16,
                  "comframe: big<T>/little<T> of a struct, array or enum must be a struct member");
    nlohmann::json e = export_type<typename T::value_type>(types);
    return (T::order == endian::little ? "<" : T::order == endian::big ? ">" : "=") + e.get<std::string>();
  } else if constexpr (k == type_kind::null) {
    return "null";
  } else if constexpr (k == type_kind::number) {
    return std::string(to_string(scalar_of<T>()));
  } else if constexpr (k == type_kind::integer || k == type_kind::text) {
    return describe_type<T>();
  } else if constexpr (k == type_kind::raw_bytes) {
    static_assert(!is_reserved_v<T>, "comframe: reserved<N> may only be a struct member");
    return describe_type<T>();
  } else if constexpr (k == type_kind::enumeration) {
    return export_enum<T>(types);
  } else if constexpr (k == type_kind::float16) {
    return "f2";
  } else if constexpr (k == type_kind::flags) {
    return export_flags<T>();
  } else if constexpr (k == type_kind::array) {
    nlohmann::json e = export_type<typename std_array_traits<T>::element>(types);
    constexpr std::size_t n = std_array_traits<T>::length;
    if (is_plain_name(e)) return e.get<std::string>() + "[" + std::to_string(n) + "]";
    return {{"array", e}, {"length", n}};
  } else if constexpr (k == type_kind::dynamic_array) {
    nlohmann::json e = export_type<typename vector_traits<T>::element>(types);
    if (is_plain_name(e)) return e.get<std::string>() + "[]";
    return {{"dynamic_array", e}};
  } else if constexpr (k == type_kind::bit_record) {
    const std::string name(type_name_v<T>);
    if (!types.contains(name)) {
      types[name] = nullptr;
      nlohmann::json fields = nlohmann::json::array();
      std::size_t pos = 0;
      bool gap = false;
      boost::mp11::mp_for_each<members_t<T>>([&](auto d) {
        using D = decltype(d);
        using M = member_type_t<T, D>;
        if constexpr (is_reserved_bits_v<M>) {
          gap = true;  // the next field states its offset, or the record its size
        } else {
          nlohmann::json f = export_bit_field(types, D::name, static_cast<const M*>(nullptr));
          if (gap) f["offset"] = pos;
          gap = false;
          fields.push_back(std::move(f));
        }
        pos += bit_width_of<M>();
      });
      nlohmann::json def = {{"bits", fields}, {"order", std::string(to_string(bit_order_of<T>))}};
      if (gap) def["size"] = pos;
      types[name] = std::move(def);
    }
    return name;
  } else {
    const std::string name(type_name_v<T>);
    if (!types.contains(name)) {
      types[name] = nullptr;  // reserve the name first
      nlohmann::json fields = nlohmann::json::array();
      std::size_t pos = 0;
      bool gap = false;
      boost::mp11::mp_for_each<members_t<T>>([&](auto d) {
        using D = decltype(d);
        using M = member_type_t<T, D>;
        if constexpr (is_reserved_v<M>) {
          gap = true;  // the next field states its offset, or the struct its size
        } else {
          nlohmann::json f = {{"name", D::name}};
          if constexpr (is_ordered_v<M>) {
            f["type"] = export_type<typename M::value_type>(types);
            f["endian"] = std::string(to_string(M::order));
          } else {
            f["type"] = export_type<M>(types);
          }
          if (gap) f["offset"] = pos;
          gap = false;
          fields.push_back(std::move(f));
        }
        pos += info_v<M>.min_size;
      });
      nlohmann::json def = {{"struct", fields}};
      if (gap) def["size"] = pos;
      types[name] = std::move(def);
    }
    return name;
  }
}

}  // namespace detail

template <class T>
schema schema::of() {
  nlohmann::json types = nlohmann::json::object();
  nlohmann::json root = detail::export_type<T>(types);
  return from_json({{"types", std::move(types)}, {"root", std::move(root)}});
}

}  // namespace comframe::core
