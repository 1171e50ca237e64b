// comframe/core/type_kind.hpp — the kinds of the type system, shared by both
// faces: core::kind_v<T> (comframe/core/codec.hpp) gives a static type's kind,
// type_node::kind (comframe/core/schema.hpp) a schema node's.
//
//   static_assert(core::kind_v<std::array<float, 3>> == core::type_kind::array);
//   if (s.root().kind == core::type_kind::structure) walk(s.root().fields);
#pragma once

#include <cstdint>

namespace comframe::core {

/// The kinds of the type system: the five of UD003, then the kinds that
/// describe device formats beyond C scalars (docs/schema.md, "Beyond whole
/// C scalars"). New kinds are only ever appended.
enum class type_kind : std::uint8_t {
  null, number, array, dynamic_array, structure,
  integer,      ///< an integer of any width: whole bytes in a struct, 1 to 64 bits in a bit record (u24, i40)
  enumeration,  ///< an integer with named values; JSON uses the names
  text,         ///< fixed-size UTF-8 text padded with NULs; JSON string
  raw_bytes,    ///< fixed-size raw bytes; JSON hex string
  bit_record,   ///< a struct whose fields are measured in bits; a whole number of bytes
  float16,      ///< IEEE 754 binary16 ("f2"): 2 bytes, JSON number
  flags,        ///< a bit mask over an unsigned integer with named bits; JSON lists the names of the set bits
};

/// What a counted field's count field counts (docs/schema.md, "Counted fields"):
/// the array's elements (the default) or its bytes.
enum class count_unit : std::uint8_t { elements, bytes };

}  // namespace comframe::core
