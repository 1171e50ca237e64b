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

}  // namespace comframe::core
