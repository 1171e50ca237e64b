// comframe/core/error.hpp — the error types every comframe layer throws.
//
// Every exception comframe throws is a comframe::error. It carries
//
//  - a stable id, "<scope>.<kind>": the namespace below comframe that throws it
//    ("core", "transport", "transport.bridge", "devices", "firmware_sim",
//    "tools"), a dot, and what went wrong ("core.size", "transport.link_lost",
//    "transport.bridge.corrupt", "devices.timeout"). Programs and tests match on
//    the id (or on the kind() of the error's own type), never on the message;
//    docs/errors.md lists every id.
//  - the detail: the message without id and location.
//  - where, when the error is in some input (error_location): the file, the
//    path within the value or document (`readings.temps[3]`, `commands[2].id`)
//    and the byte offset, each only when known.
//  - for a mismatch, what the input should have held and what it held
//    (expected() "an integer", found() "a string \"7\""), when known; the
//    detail says the same in words.
//
// what() composes these in one way for every error:
//
//   [id] file: path at byte N: detail
//
// leaving out each part that is absent:
//
//   [core.size] readings.temps at byte 6: 14 bytes left, but a dynamic tail of i32 needs a multiple of 4
//   [core.size] at byte 3: the input ends, but the value takes exactly 8 bytes (3 given)
//   [transport.capture] cap.pcapng at byte 28: block total length 7 is not a multiple of 4
//   [firmware_sim.sim_file] bench.sim.json: replies.scale.response: "$request.rwa" names no field of scale's request
//   [transport.open_failed] cannot open /dev/ttyUSB9: No such file or directory
//
// File and path come from outside (a user's file, a device's profile), so
// what() shows them through core::printable_text(): one line, no control
// characters, bounded.
//
// A caller's bug in using an API (a bad argument, an option out of range, a
// call from the wrong thread) is a usage_error, id "<scope>.usage", in every
// layer. Bytes, files and documents from outside never cause one.
//
// Functions that report failure without throwing return a comframe::result
// (comframe/core/result.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace comframe {

/// Where in its input an error is. Each part is optional; what() shows those present.
struct error_location {
  std::string file;                     ///< the file the input came from ("bench.sim.json"); "" if none
  std::string path;                     ///< within the value or document: "vrx[1].y", "commands[2].id"; "" for the whole
  std::optional<std::uint64_t> offset;  ///< the byte offset in the encoded value, the file or the text
};

/// Base of every exception comframe throws. Copyable; what() never throws.
class error : public std::runtime_error {
 public:
  /// An empty error: id(), detail() and what() "". It exists because a
  /// comframe::result<T, error> gives it from error() when it holds a value.
  error();
  /// An error with no location: what() is "[id] detail".
  error(std::string id, std::string detail);
  /// An error in some input: what() is "[id] file: path at byte N: detail".
  error(std::string id, std::string detail, error_location where);

  /// Stable identifier, "<scope>.<kind>", e.g. "core.size" (see the file comment).
  const std::string& id() const noexcept { return id_; }
  /// The message without id and location.
  const std::string& detail() const noexcept { return detail_; }
  /// Where in the input, each part empty when not known.
  const error_location& where() const noexcept { return where_; }
  /// where().file: the file the input came from, "" if none.
  const std::string& file() const noexcept { return where_.file; }
  /// where().path: the field or document path, "" for the value or document itself.
  const std::string& path() const noexcept { return where_.path; }
  /// where().offset: the byte offset, for errors in bytes or text.
  std::optional<std::uint64_t> offset() const noexcept { return where_.offset; }
  /// For a mismatch, what the input should have held: "an integer", "exactly 8 bytes",
  /// "0 to 255", "4 elements". "" when the error is no mismatch or it is not known.
  const std::string& expected() const noexcept { return expected_; }
  /// For a mismatch, what the input held: "a string \"7\"", "3 bytes", "300", "5 elements".
  /// Text from outside is escaped and cut as in the detail. "" with expected().
  const std::string& found() const noexcept { return found_; }

  /// The what() of an error with these parts. For an error that names another
  /// one in its detail at another location (a profile error in a file that a
  /// sim file names): `format(e.id(), e.detail(), {file, e.path(), e.offset()})`.
  static std::string format(const std::string& id, const std::string& detail, const error_location& where);

 protected:
  /// For errors that learn their path as they travel outwards (codec_error).
  void set_path(std::string path);
  /// For errors that know what was expected and found; what() is unchanged.
  void set_mismatch(std::string expected, std::string found);

 private:
  std::string id_;
  std::string detail_;
  error_location where_;
  std::string expected_;
  std::string found_;
};

/// A caller's bug in using a comframe API: an argument or option out of its
/// documented range, a buffer too small, a call that would wait for itself.
/// id() is "<scope>.usage" ("transport.usage", "transport.bridge.usage",
/// "devices.usage", "firmware_sim.usage"): the scope of the function misused.
class usage_error : public error {
 public:
  /// `scope` is the namespace below comframe of the function misused ("transport").
  usage_error(std::string_view scope, std::string detail);
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
  json_syntax,    ///< JSON text that does not parse, or repeats a key in one object
};

/// "definition", "size", … — the second part of the error id.
std::string_view to_string(errc kind) noexcept;

/// A type-system error: its kind, the path of the field concerned and, for
/// errors in bytes or JSON text, the byte offset. id() is "core.<kind>"; what() reads like
///   "[core.size] readings.temps at byte 6: 14 bytes left, but a dynamic tail of i32 needs a multiple of 4"
class codec_error : public comframe::error {
 public:
  codec_error(errc kind, std::string detail, std::string path = {},
              std::optional<std::size_t> offset = std::nullopt);

  errc kind() const noexcept { return kind_; }

  /// The same error with expected() and found() set, to throw:
  ///   throw codec_error(errc::size, "…").mismatch("exactly 8 bytes", "3 bytes");
  codec_error&& mismatch(std::string expected, std::string found) &&;

  /// Used while an error travels outwards through nested values.
  void prepend_field(std::string_view name);
  void prepend_index(std::size_t index);

 private:
  errc kind_;
};

namespace detail {
/// "1 byte", "3 bytes": a count and its unit (singular), for messages.
std::string count_of(std::size_t n, std::string_view unit);
/// Throws codec_error(errc::json_length): a JSON array of `got` elements where exactly `want` belong.
[[noreturn]] void throw_json_length(std::size_t want, std::size_t got);
}  // namespace detail

}  // namespace comframe::core
