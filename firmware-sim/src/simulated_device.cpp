#include "comframe/firmware_sim/simulated_device.hpp"

#include "comframe/firmware_sim/devices/echo.hpp"
#include "comframe/firmware_sim/devices/simulated_thermo.hpp"

namespace comframe::firmware_sim {

std::unique_ptr<simulated_device> make_builtin_device(std::string_view name) {
  if (name == "thermo") return std::make_unique<thermo::simulated>();
  if (name == "echo") return std::make_unique<answering_device>(make_echo());
  return nullptr;
}

}  // namespace comframe::firmware_sim
