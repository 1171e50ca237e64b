// comframe/devices/command.hpp — declaring a device's commands and events.
//
// A command is one short declaration: its id, request type, response type and
// name. Request and response are any comframe core types (described structs,
// arrays, numbers, core::null for "no payload").
//
//   struct DeviceInfo { std::array<char, 16> name; std::uint32_t serial; };
//   BOOST_DESCRIBE_STRUCT(DeviceInfo, (), (name, serial))
//
//   using GetInfo   = comframe::devices::command<0x0001, comframe::core::null, DeviceInfo, "get_info">;
//   using Telemetry = comframe::devices::event<0x0100, Sample, "telemetry">;
//
//   DeviceInfo info = session.request<GetInfo>({});
//
// Command ids 0xFF00–0xFFFF are reserved for comframe's built-in commands
// (see builtin::describe below and docs/protocol.md).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "comframe/core/codec.hpp"

namespace comframe::devices {

/// A string literal usable as a template argument, for names: command<…, "get_info">.
/// (Not core::fixed_string<N>, the fixed-size text field of a wire layout.)
template <std::size_t N>
struct name_literal {
  char value[N]{};
  constexpr name_literal(const char (&s)[N]) { std::copy_n(s, N, value); }
  constexpr std::string_view view() const { return {value, N - 1}; }
};

/// First command id reserved for comframe's built-in commands.
inline constexpr std::uint16_t first_reserved_command = 0xFF00;

/// A command: the host sends a Request, the device answers with a Response (or an error).
template <std::uint16_t Id, class Request, class Response, name_literal Name>
struct command {
  static constexpr std::uint16_t id = Id;
  static constexpr std::string_view name = Name.view();
  using request = Request;
  using response = Response;
};

/// An event: the device sends a Payload on its own, identified by Id.
template <std::uint16_t Id, class Payload, name_literal Name>
struct event {
  static constexpr std::uint16_t id = Id;
  static constexpr std::string_view name = Name.view();
  using payload = Payload;
};

/// Byte order of everything a generic host must read before it has a device's
/// profile: the built-in commands' requests and replies and every error reply.
/// Always little-endian, like the frame header, whatever the profile's "endian"
/// says; the profile's order applies to the device's own commands and events.
inline constexpr core::endian builtin_endian = core::endian::little;

/// The byte order of a frame's payload: builtin_endian for error replies and
/// built-in commands, else the profile's order.
constexpr core::endian payload_order(bool is_error_or_builtin, core::endian profile_order) {
  return is_error_or_builtin ? builtin_endian : profile_order;
}

/// The payload of every error-kind reply: a code and a human-readable message.
struct error_payload {
  std::uint16_t code = 0;
  std::vector<char> message;  ///< UTF-8 text, not NUL-terminated
};
BOOST_DESCRIBE_STRUCT(error_payload, (), (code, message))

/// Error codes every device may use; device-specific codes start at 0x0100.
namespace error_code {
inline constexpr std::uint16_t unknown_command = 1;  ///< no handler for this command id
inline constexpr std::uint16_t bad_request = 2;      ///< the request payload does not decode
inline constexpr std::uint16_t out_of_range = 3;     ///< an argument outside what the device accepts
inline constexpr std::uint16_t busy = 4;             ///< the device cannot do it now
inline constexpr std::uint16_t internal = 5;         ///< the device failed
inline constexpr std::uint16_t first_device_specific = 0x0100;
}  // namespace error_code

/// comframe's built-in commands, answered by every comframe device (the simulator does).
namespace builtin {

/// Asks for part of the device's profile (its JSON text) and the profile's hash.
/// With max_bytes = 0 only the hash and the total size come back.
struct describe_request {
  std::uint32_t offset = 0;
  std::uint16_t max_bytes = 0;
};
BOOST_DESCRIBE_STRUCT(describe_request, (), (offset, max_bytes))

struct describe_response {
  std::uint64_t hash = 0;   ///< profile::hash() of the device's profile
  std::uint32_t total = 0;  ///< bytes of the whole profile text
  std::vector<char> chunk;  ///< profile text from `offset`, at most `max_bytes`
};
BOOST_DESCRIBE_STRUCT(describe_response, (), (hash, total, chunk))

using describe = command<0xFFF0, describe_request, describe_response, "describe">;

/// Bytes of a describe reply before its chunk: hash (8) and total (4).
inline constexpr std::size_t describe_reply_fields_bytes = 12;
/// The largest chunk one describe reply can carry within `max_payload_size`
/// (4084 with the default 4096); a larger max_bytes is clamped to it.
constexpr std::size_t max_describe_chunk(std::size_t max_payload_size) {
  return max_payload_size > describe_reply_fields_bytes ? max_payload_size - describe_reply_fields_bytes : 0;
}

}  // namespace builtin

}  // namespace comframe::devices
