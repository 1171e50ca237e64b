// comframe/devices/builtin/echo.hpp — the contract of the `echo` example
// device: every response is its request, byte for byte (as the mock device of
// the UD003 Python library answers). `comframe sim --device echo` serves it
// (firmware_sim::make_echo()); it is the simplest thing to point a new host
// program, a logger or a fault test at. devices/profiles/echo.json is its
// profile as JSON (profile().dump()).
//
//   command    id      request  response
//   echo       0x0001  u8[]     u8[]      the request's bytes
//   echo_text  0x0002  char[]   char[]    the request's text
//
//   std::vector<std::uint8_t> back = session.request<echo::echo>({1, 2, 3});   // {1, 2, 3}
//
// Any payload up to the maximum payload size is a valid request, an empty one
// included; the reply is a frame of the same size.
#pragma once

#include <cstdint>
#include <vector>

#include "comframe/devices/command.hpp"
#include "comframe/devices/profile.hpp"

namespace comframe::devices::builtin::echo {

using echo = devices::command<0x0001, std::vector<std::uint8_t>, std::vector<std::uint8_t>, "echo">;
using echo_text = devices::command<0x0002, std::vector<char>, std::vector<char>, "echo_text">;

/// The echo device's profile: device "echo", version "1.0", little-endian.
devices::profile profile();

}  // namespace comframe::devices::builtin::echo
