// comframe/devices/dissector.hpp — a Wireshark dissector for a device, in Lua,
// generated from its profile.
//
//   std::string lua = devices::lua_dissector(profile);   // write it to comframe.lua, then
//   //   wireshark -X lua_script:comframe.lua cap.pcapng
//   //   tshark -X lua_script:comframe.lua -r cap.pcapng -T fields -e comframe.name -e comframe.seq
//
// The dissector registers protocol "comframe" for LINKTYPE_USER0 (DLT 147, the
// link type of comframe captures; transport/capture.hpp) and decodes each
// packet as a frame before COBS:
//   comframe.direction   "to_device" / "from_device" (from the capture's epb_flags)
//   comframe.version, comframe.kind (request/response/event/error), comframe.command
//   (the id), comframe.name (command or event name), comframe.seq, comframe.crc and
//   comframe.crc_good (the CRC-32C checked), comframe.payload (the payload bytes)
// and every payload field by name:
//   comframe.<command>.request.<field>[.<field>…]   comframe.<command>.response.<field>…
//   comframe.<event>.<field>…                        comframe.error.code, comframe.error.message
// A payload that is a single value has the field comframe.<command>.request (etc.).
// Nested structs and arrays are subtrees; array elements share their field
// (tshark prints them comma-separated); a dynamic array takes the rest of the
// payload. Numbers are read in the profile's payload byte order, or the order a
// schema fixes for a field. Odd-width integers, enums (with their names), text,
// raw bytes and bit records are decoded; a kind this generator does not know is
// shown as raw bytes of its size. A packet that is no valid frame (a frame the
// receiver refused, kept as its raw bytes) is shown as raw bytes with the reason.
//
// If an abbreviation would repeat (an event named like a command with a field
// "request", say), the later one gets "_2", "_3" … appended.
#pragma once

#include <cstddef>
#include <string>

#include "comframe/core/error.hpp"
#include "comframe/devices/profile.hpp"

namespace comframe::devices {

/// Most protocol fields one generated dissector declares; beyond it lua_dissector
/// throws comframe::error "devices.dissector" (a profile whose expansion is huge).
inline constexpr std::size_t max_dissector_fields = std::size_t{1} << 18;

/// The Lua source of a Wireshark dissector for the device of `p` (see the header comment).
std::string lua_dissector(const profile& p);

}  // namespace comframe::devices
