// comframe/devices/profile.hpp — a device's commands and events, with their
// schemas, as one JSON document.
//
// A profile says everything a generic tool needs to talk to a device it was
// never compiled for: each command's id, name, request and response schema,
// and each event's id, name and payload schema (docs/profiles.md has the
// format, every key explained, and a full example). C++ declarations export
// it; a profile loaded from JSON drives `comframe call`, `comframe monitor`
// and the simulator.
//
//   using GetInfo   = command<0x0001, core::null, DeviceInfo, "get_info">;
//   using Telemetry = event<0x0100, Sample, "telemetry">;
//
//   auto p = profile::of<GetInfo, Telemetry>("thermo", "1.0");   // from C++ declarations
//   std::string text = p.dump();                                 // JSON for people and files
//   auto q = profile::parse(text);                               // checks every rule, names the path
//   assert(q == p && q.hash() == p.hash());
//   const command_info* c = q.find_command("get_info");
//   nlohmann::json info = core::decode(c->response, reply_bytes, q.payload_endian());
//
// The builtin command builtin::describe (id 0xFFF0) is part of every profile,
// whether or not a JSON document lists it.
//
// Loading is strict: the profile comes from files and from devices, so it is
// untrusted input. Every key is checked (a typo is an error, never ignored),
// sizes are bounded (profile_limits below) and every error is a profile_error
// naming the path, e.g.
//   [devices.profile] commands[2].response: [core.unknown_type] unknown type "Reading" (…)
//
// Thread safety: a profile is an immutable value once made; any number of
// threads may read one at once. Its schemas share their nodes (see core::schema).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comframe/core/endian.hpp"
#include "comframe/core/error.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/core/schema_export.hpp"
#include "comframe/devices/command.hpp"
#include "comframe/transport/framing_spec.hpp"

namespace comframe::devices {

/// Bounds on a profile loaded from outside. Beyond any of them loading fails
/// with a profile_error; core::limits bounds each schema as well.
namespace profile_limits {
/// Most entries in "commands" and in "events" (each).
inline constexpr std::size_t max_commands = 4096;
inline constexpr std::size_t max_events = 4096;
/// Most type nodes in all command and event schemas together (a type used by
/// ten commands counts ten times), so that loading takes time in proportion to
/// the profile, whatever it holds.
inline constexpr std::size_t max_schema_nodes = std::size_t{1} << 18;
/// Longest "device" and "version" string, in bytes; names follow core::limits::max_name_length.
inline constexpr std::size_t max_text_length = 128;
/// Deepest JSON nesting of "types" and of any type expression (well above what a valid schema needs).
inline constexpr std::size_t max_json_depth = 128;
/// Largest canonical form (to_json().dump()) in bytes: what describe sends and
/// a bridge keeps (transport::bridge::publisher_options::profile_bytes).
inline constexpr std::size_t max_canonical_bytes = std::size_t{1} << 20;
}  // namespace profile_limits

/// The one format version this comframe reads and writes ("comframe_profile": 1).
inline constexpr int profile_format_version = 1;

/// A command of a profile.
struct command_info {
  std::uint16_t id = 0;
  std::string name;
  core::schema request;   ///< holds exactly the named types the request uses
  core::schema response;  ///< likewise
  friend bool operator==(const command_info&, const command_info&) = default;
};

/// An event of a profile.
struct event_info {
  std::uint16_t id = 0;
  std::string name;
  core::schema payload;  ///< holds exactly the named types the payload uses
  friend bool operator==(const event_info&, const event_info&) = default;
};

/// A profile that breaks a rule. id() is "devices.profile"; path() is where in
/// the document ("commands[2].response", "" for the whole document) and, for
/// JSON syntax errors, offset() the byte offset in the text. what() reads
///   "[devices.profile] commands[2].id: 65280 (0xff00) is reserved for comframe's builtin commands (…)"
/// An error of the type system keeps its own id inside the detail:
///   "[devices.profile] commands[2].response: [core.unknown_type] unknown type \"Reading\" (…)"
class profile_error : public comframe::error {
 public:
  profile_error(std::string path, std::string detail, std::optional<std::size_t> offset = std::nullopt);
};

/// A device's commands and events with their schemas. A value type: copy it,
/// compare it, keep it.
class profile {
 public:
  /// The empty profile: device "", version "1", little-endian payloads, and
  /// only the builtin describe command.
  profile();

  /// Loads a profile from JSON text (docs/profiles.md). Throws profile_error:
  /// not valid JSON (with the byte offset), a key repeated in one object, and
  /// every rule that from_json checks.
  static profile parse(std::string_view json_text);

  /// Loads a profile already parsed as JSON. Throws profile_error naming the
  /// path for: a missing or unsupported "comframe_profile", an unknown or
  /// missing key anywhere, an id that is not an integer in 0..65535, two
  /// commands (or two events) with one id or one name, a name that is not an
  /// identifier, a user id in the reserved range 0xFF00–0xFFFF (commands and
  /// events; an entry equal to builtin::describe is allowed), an "endian"
  /// other than "little", "big" or "native", any schema error (wrapped with its
  /// path), input beyond profile_limits, and a "framing" section that
  /// transport::parse_framing_spec refuses (its path kept: "framing.check.type"),
  /// a line text naming no command ("framing.texts.NAME"), a schema_length
  /// framing with a request, response or event whose length its schema does not
  /// imply ("commands[2].response"), and a framing without a kind field given an
  /// id that is both a command and an event ("events[0].id").
  static profile from_json(const nlohmann::json& document);

  /// The profile of C++ declarations: each Item is a command<…> or an event<…>;
  /// builtin::describe is added unless listed. Request, response and payload
  /// schemas are core::schema::of<T>(), their named types merged into one map.
  /// Throws profile_error when one type name has two definitions (naming the
  /// type and the commands or events that use it), and for every rule from_json checks.
  ///   auto p = profile::of<GetInfo, ReadSensors, SetLed, Telemetry>("thermo", "1.0");
  template <class... Items>
  static profile of(std::string device, std::string version = "1", core::endian payload_endian = core::endian::little);

  /// The canonical document: every key present, commands and events sorted by
  /// id, builtin::describe included, "types" holding exactly the named types
  /// that some command or event uses. from_json(p.to_json()) == p.
  nlohmann::json to_json() const;
  /// The canonical document as JSON text for people: keys in the documented
  /// order, short objects and arrays on one line. parse(p.dump()) == p.
  std::string dump(int indent = 2) const;
  /// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) of the
  /// bytes of to_json().dump(): nlohmann's compact form, keys sorted, no
  /// spaces, UTF-8. Equal profiles have equal hashes, however they were
  /// written; builtin::describe reports it so a host can tell whether its copy
  /// of a device's profile is current. Computed on each call.
  std::uint64_t hash() const;

  /// "" for the empty profile.
  const std::string& device() const noexcept { return device_; }
  /// Free text chosen by the profile's author; "1" unless given.
  const std::string& version() const noexcept { return version_; }
  /// The byte order of every command and event payload of this device.
  core::endian payload_endian() const noexcept { return endian_; }

  /// How the device's frames sit on the wire (the "framing" section,
  /// docs/framing.md): comframe's own framing (is_default()) unless the
  /// document gives another. Line texts carry their commands' ids.
  const transport::framing_spec& framing() const noexcept { return framing_; }

  /// Sorted by id; builtin::describe always among them.
  const std::vector<command_info>& commands() const noexcept { return commands_; }
  /// Sorted by id; may be empty.
  const std::vector<event_info>& events() const noexcept { return events_; }

  /// The command with this id or name, or nullptr. By id in O(log n).
  const command_info* find_command(std::uint16_t id) const noexcept;
  const command_info* find_command(std::string_view name) const noexcept;
  /// The event with this id or name, or nullptr. By id in O(log n).
  const event_info* find_event(std::uint16_t id) const noexcept;
  const event_info* find_event(std::string_view name) const noexcept;

  /// The names of the commands and events that differ between this profile and
  /// `other`: a different request, response or payload schema, a different id,
  /// or present in only one of the two. Sorted, each name once (a command and
  /// an event may share a name), and "framing" when the two framings differ. Device, version and
  /// endian are not compared.
  std::vector<std::string> differences(const profile& other) const;

  /// Equal canonical documents (to_json()).
  friend bool operator==(const profile& a, const profile& b);

  /// One C++ declaration for of<…>(); an implementation detail.
  struct declaration {
    bool is_event = false;
    std::uint16_t id = 0;
    std::string name;
    core::schema first;   ///< request, or the event's payload
    core::schema second;  ///< response (commands only)
  };

 private:
  struct blank {};
  explicit profile(blank) {}
  static profile from_declarations(std::string device, std::string version, core::endian payload_endian,
                                   const std::vector<declaration>& items);

  std::string device_;
  std::string version_ = "1";
  core::endian endian_ = core::endian::little;
  std::vector<command_info> commands_;
  std::vector<event_info> events_;
  transport::framing_spec framing_;  ///< is_default() unless the document has a "framing" section
  nlohmann::json types_ = nlohmann::json::object();  ///< canonical "types": the union of the schemas' types
};

// ---- profile::of -------------------------------------------------------------

namespace detail {

template <class T>
concept command_item = requires {
  { T::id } -> std::convertible_to<std::uint16_t>;
  { T::name } -> std::convertible_to<std::string_view>;
  typename T::request;
  typename T::response;
};

template <class T>
concept event_item = requires {
  { T::id } -> std::convertible_to<std::uint16_t>;
  { T::name } -> std::convertible_to<std::string_view>;
  typename T::payload;
};

/// Throws the profile_error for a core error met at `path`.
[[noreturn]] void throw_schema_error(const core::codec_error& e, const std::string& path, bool expression);

template <class T>
core::schema item_schema(std::string_view item, const char* part) {
  try {
    return core::schema::of<T>();
  } catch (const core::codec_error& e) {
    throw_schema_error(e, std::string(item) + "." + part, true);
  }
}

template <class Item>
profile::declaration declare() {
  static_assert(command_item<Item> || event_item<Item>,
                "comframe: profile::of<…> takes command<Id, Request, Response, \"name\"> and "
                "event<Id, Payload, \"name\"> types");
  if constexpr (command_item<Item>) {
    return {false, Item::id, std::string(Item::name), item_schema<typename Item::request>(Item::name, "request"),
            item_schema<typename Item::response>(Item::name, "response")};
  } else {
    return {true, Item::id, std::string(Item::name), item_schema<typename Item::payload>(Item::name, "payload"), {}};
  }
}

}  // namespace detail

template <class... Items>
profile profile::of(std::string device, std::string version, core::endian payload_endian) {
  std::vector<declaration> items;
  items.reserve(sizeof...(Items));
  (items.push_back(detail::declare<Items>()), ...);
  return from_declarations(std::move(device), std::move(version), payload_endian, items);
}

}  // namespace comframe::devices
