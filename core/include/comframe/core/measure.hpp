// comframe/core/measure.hpp — how many bytes a value of a schema takes, read
// from the bytes themselves: what a framing with no length field of its own
// (Modbus RTU) uses to find where a frame's payload ends.
//
// Example (Modbus's read-holding-registers response, docs/schema.md "Counted fields"):
//   auto s = core::schema::parse(R"({"struct": [{"name": "byte_count", "type": "u8"},
//       {"name": "values", "type": ">u16[]", "count": "byte_count", "count_unit": "bytes"}]})");
//   core::measure(s, bytes{0x04, 0x00, 0x01}, endian::little);        // need_more, 5
//   core::measure(s, bytes{0x04, 0, 1, 0, 2, 0xc4, 0x0b}, endian::little);  // complete, 5
//   core::measure(core::schema::parse("u8[]"), {}, endian::little);    // unbounded
//
// Thread safety: reentrant; it keeps no state and allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "comframe/core/endian.hpp"
#include "comframe/core/schema.hpp"

namespace comframe::core {

/// What measure() found.
struct measured {
  enum class state : std::uint8_t {
    complete,   ///< a value takes `size` bytes (≤ the bytes given)
    need_more,  ///< at least `size` (> the bytes given) bytes are needed to say more
    unbounded,  ///< the value ends only where its input does (a dynamic array, text[] or bytes[] that is not
                ///< counted); `size` is the least it takes
    invalid,    ///< the bytes hold a count no value can have: beyond core::limits (max_elements), or a count in
                ///< bytes that is no multiple of the element's size; `size` is the offset of the counted field
  } st;
  std::size_t size;

  friend bool operator==(const measured&, const measured&) = default;
};

/// Measures the value of `s`'s root type at the start of `bytes`, whose
/// scalars are in byte order `e` (where the schema does not fix one). Reads
/// only the count fields; checks nothing else (decode() does). A schema
/// without a root is invalid at 0. noexcept; no allocation.
measured measure(const schema& s, std::span<const std::uint8_t> bytes, endian e) noexcept;

/// The same for one type node of a loaded schema.
measured measure(const type_node& t, std::span<const std::uint8_t> bytes, endian e) noexcept;

}  // namespace comframe::core
