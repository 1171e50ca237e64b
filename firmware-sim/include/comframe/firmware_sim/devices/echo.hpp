// comframe/firmware_sim/devices/echo.hpp — the `echo` example device, simulated:
// every response is its request, byte for byte. Its contract (commands and
// profile) is comframe/devices/builtin/echo.hpp.
//
//   auto dev = firmware_sim::make_echo();
//   firmware_sim::device_host host(io, transport::open_link(io, url), dev);
//   …
//   std::vector<std::uint8_t> back = session.request<devices::builtin::echo::echo>({1, 2, 3});   // {1, 2, 3}
#pragma once

#include "comframe/devices/builtin/echo.hpp"
#include "comframe/firmware_sim/device.hpp"

namespace comframe::firmware_sim {

/// A device answering echo and echo_text (and describe) with the request's payload.
device make_echo();

}  // namespace comframe::firmware_sim
