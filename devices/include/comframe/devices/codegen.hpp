// comframe/devices/codegen.hpp — code generated from a device's profile: the
// firmware's C (structs, explicit encoders and decoders, handler prototypes,
// the command table, event emitters, the profile text and its hash for
// describe) and the host's C++ declarations (Boost.Describe structs and
// command<> / event<> aliases). docs/codegen.md has the generated API, the
// mapping of every schema kind to C and C++, and an example.
//
//   auto p = devices::profile::parse(text);
//   devices::c_options o;                       // prefix from p.device(), tails of 16
//   o.field_max_tail["sensor_readings.temps_cdeg"] = 8;
//   for (const auto& f : devices::generate_c(p, o)) write(dir / f.name, f.text);   // thermo_profile.h, .c
//   std::string hpp = devices::generate_cpp(p, {});                                // the host's header
//
// Output is deterministic: the same profile and options give the same bytes.
// Errors are comframe::error with id "devices.codegen" and, when a type is
// at fault, its path in the profile as path() ("commands[2].response.leds"):
// an option out of range, a --max-tail key that names no dynamic array or
// counted field, a name
// that is no usable C or C++ identifier, two names that become one identifier.
//
// Thread safety: the functions keep no state; call them from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "comframe/devices/profile.hpp"

namespace comframe::devices {

/// Options of generate_c (`comframe gen c`).
struct c_options {
  /// Prefix of every generated name; "" for the device name made a C identifier.
  std::string prefix;
  /// Most elements of a dynamic array, counted field, text[] or bytes[] (bytes
  /// for those two; its C array's length), 1 to 65535.
  std::size_t max_tail = 16;
  /// Per dynamic array or counted field, "TYPE.FIELD" -> most elements; TYPE is the profile's
  /// type name holding the field (or the generated struct's name without the
  /// prefix, e.g. "echo_request" for a payload that is no named struct, whose
  /// one field is "value"). A key that names no dynamic array is an error.
  std::map<std::string, std::size_t> field_max_tail;
};

/// One generated file: its name (no directory) and its text.
struct generated_file {
  std::string name;
  std::string text;
};

/// The C99 header and source for the firmware of `p`: "<prefix>_profile.h"
/// and "<prefix>_profile.c", in that order. Throws comframe::error
/// "devices.codegen".
std::vector<generated_file> generate_c(const profile& p, const c_options& options);

/// Options of generate_cpp (`comframe gen cpp`).
struct cpp_options {
  /// Namespace of the command and event aliases and of the profile() function;
  /// "" for the device name made an identifier. Payload types keep their
  /// profile names (a name with "::" becomes nested namespaces), so that the
  /// declarations export the same profile.
  std::string name_space;
};

/// A C++20 header with the host's declarations for `p`: its types, one
/// command<> or event<> alias per non-built-in command and event, and
/// `devices::profile profile()` returning profile::of<…>(device, version,
/// endian), whose to_json() and hash() equal p's. Throws comframe::error
/// "devices.codegen".
std::string generate_cpp(const profile& p, const cpp_options& options);

/// `name` as a C identifier: "::" and every character that is not a letter,
/// digit or '_' become '_' ("a::b::c" -> "a_b_c"); a leading digit gets '_' before it.
std::string c_identifier(const std::string& name);

}  // namespace comframe::devices
