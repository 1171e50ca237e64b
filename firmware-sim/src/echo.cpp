#include "comframe/firmware_sim/devices/echo.hpp"

namespace comframe::firmware_sim {

namespace echo = devices::builtin::echo;

device make_echo() {
  device dev(echo::profile());
  // Every byte string is a valid u8[] and char[] value: no decoding needed.
  const auto reflect = [](std::span<const std::uint8_t> request) {
    return std::vector<std::uint8_t>(request.begin(), request.end());
  };
  dev.on_raw(echo::echo::id, reflect);
  dev.on_raw(echo::echo_text::id, reflect);
  return dev;
}

}  // namespace comframe::firmware_sim
