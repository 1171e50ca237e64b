// comframe/core/error.hpp — the error types every comframe layer throws.
//
// All comframe errors derive from comframe::error, which carries a stable id
// ("core.size", "transport.link", …) that programs and tests can match on
// without parsing the message. The core layer's codec_error adds the field path
// of the offending value (`readings.temps[3]`) and, for errors in bytes, the
// byte offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace comframe {

/// Base of every exception comframe throws. `id()` is stable across releases.
class error : public std::runtime_error {
 public:
  error(std::string id, const std::string& message)
      : std::runtime_error(message), id_(std::move(id)) {}
  /// Stable identifier, "<layer>.<kind>", e.g. "core.size".
  const std::string& id() const noexcept { return id_; }

 private:
  std::string id_;
};

}  // namespace comframe

namespace comframe::core {

/// What went wrong in the type system. Each value has one meaning.
enum class errc : std::uint8_t {
  definition,     ///< a type or schema breaks the definition rules (caller's or schema author's bug)
  schema_syntax,  ///< a schema document is not valid JSON or not of the schema language's shape
  unknown_type,   ///< a type name that the schema does not define
  size,           ///< a byte count that does not fit the type (too short, too long, bad tail)
  invalid_bytes,  ///< bytes that are no valid value of their type (a bool byte of 2)
  json_type,      ///< a JSON value of the wrong JSON type (string where a number belongs)
  json_range,     ///< a JSON number outside the range of its C type
  json_key,       ///< an unknown or a missing key in a JSON object (strict mode)
  json_length,    ///< a JSON array whose length differs from the fixed array's (strict mode)
  limit,          ///< input larger or deeper than comframe accepts (see core/limits.hpp)
  buffer,         ///< a caller's output buffer too small for the encoded value
  json_syntax,    ///< JSON text that does not parse, or repeats a key in one object
};

/// "definition", "size", … — the second part of the error id.
std::string_view to_string(errc kind) noexcept;

/// A type-system error: its kind, the path of the field concerned and, for
/// errors in bytes, the byte offset. what() reads like
///   "[core.size] readings.temps at byte 6: 14 bytes left, but a dynamic tail of i32 needs a multiple of 4"
class codec_error : public comframe::error {
 public:
  codec_error(errc kind, std::string detail, std::string path = {},
              std::optional<std::size_t> offset = std::nullopt);

  errc kind() const noexcept { return kind_; }
  /// Field path from the top-level value: "" (the value itself), "id", "vrx[1].y".
  const std::string& path() const noexcept { return path_; }
  /// Byte offset from the start of the encoded value, for errors in bytes.
  std::optional<std::size_t> offset() const noexcept { return offset_; }
  /// The message without id, path and offset.
  const std::string& detail() const noexcept { return detail_; }
  const char* what() const noexcept override { return message_.c_str(); }

  /// Used while an error travels outwards through nested values.
  void prepend_field(std::string_view name);
  void prepend_index(std::size_t index);

 private:
  void compose();
  errc kind_;
  std::string detail_;
  std::string path_;
  std::optional<std::size_t> offset_;
  std::string message_;
};

namespace detail {
/// "1 byte", "3 bytes": a count and its unit (singular), for messages.
std::string count_of(std::size_t n, std::string_view unit);
}  // namespace detail

}  // namespace comframe::core
