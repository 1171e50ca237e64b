#include "comframe/devices/builtin/echo.hpp"
#include "comframe/devices/builtin/thermo.hpp"

namespace comframe::devices::builtin {

devices::profile thermo::profile() {
  return devices::profile::of<get_info, read_sensors, set_led, get_config, set_config, start_telemetry,
                              stop_telemetry, telemetry>("thermo", "1.4.2");
}

// Inside namespace echo, `echo` is the command.
devices::profile echo::profile() { return devices::profile::of<echo, echo_text>("echo", "1.0"); }

}  // namespace comframe::devices::builtin
