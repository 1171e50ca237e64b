// comframe/devices/builtin/thermo.hpp — the contract of the `thermo` example
// device, a sensor board: its commands, events and payload types. These
// declarations are the device's whole interface; the simulator
// (firmware_sim::thermo::simulated) and host programs include the same header,
// so both sides agree by construction. A host links comframe::devices only.
// `comframe sim --device thermo` serves it; devices/profiles/thermo.json is
// its profile as JSON (profile().dump()), for tools and code generators.
//
//   command          id      request          response
//   get_info         0x0001  null             device_info
//   read_sensors     0x0002  null             sensor_readings (ends in a dynamic array of temperatures)
//   set_led          0x0003  led_setting      null             (error out_of_range for index > 7)
//   get_config       0x0004  null             thermo_config
//   set_config       0x0005  thermo_config    thermo_config    (error out_of_range for a bad value)
//   start_telemetry  0x0006  telemetry_rate   null             (error out_of_range for rate 0 or > 1000 Hz)
//   stop_telemetry   0x0007  null             null
//   event telemetry  0x0100  telemetry_sample
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "comframe/core/codec.hpp"
#include "comframe/devices/command.hpp"
#include "comframe/devices/profile.hpp"

namespace comframe::devices::builtin::thermo {

struct firmware_version {
  std::uint8_t major;
  std::uint8_t minor;
  std::uint16_t patch;
};
BOOST_DESCRIBE_STRUCT(firmware_version, (), (major, minor, patch))

struct device_info {
  firmware_version firmware;
  std::uint32_t serial_number;
  core::fixed_string<16> name;  ///< "thermo": text, NUL-padded (schema text[16])
};
BOOST_DESCRIBE_STRUCT(device_info, (), (firmware, serial_number, name))

struct sensor_readings {
  std::uint32_t sequence;            ///< counts readings since start
  std::uint16_t supply_mv;           ///< supply voltage, millivolts
  std::vector<std::int16_t> temps_cdeg;  ///< one per channel, 0.01 °C
};
BOOST_DESCRIBE_STRUCT(sensor_readings, (), (sequence, supply_mv, temps_cdeg))

struct led_setting {
  std::uint8_t index;              ///< 0..7
  std::array<std::uint8_t, 3> rgb;
};
BOOST_DESCRIBE_STRUCT(led_setting, (), (index, rgb))

struct thermo_config {
  std::uint8_t channels;           ///< active channels, 1..8
  std::uint16_t sample_period_ms;  ///< 10..60000
  std::int16_t alarm_high_cdeg;    ///< alarm threshold, 0.01 °C
  bool alarm_enabled;
};
BOOST_DESCRIBE_STRUCT(thermo_config, (), (channels, sample_period_ms, alarm_high_cdeg, alarm_enabled))

struct telemetry_rate {
  std::uint16_t rate_hz;           ///< 1..1000
};
BOOST_DESCRIBE_STRUCT(telemetry_rate, (), (rate_hz))

struct telemetry_sample {
  std::uint32_t sequence;          ///< counts samples since start_telemetry
  std::uint64_t uptime_us;
  std::vector<std::int16_t> temps_cdeg;
};
BOOST_DESCRIBE_STRUCT(telemetry_sample, (), (sequence, uptime_us, temps_cdeg))

using get_info = devices::command<0x0001, core::null, device_info, "get_info">;
using read_sensors = devices::command<0x0002, core::null, sensor_readings, "read_sensors">;
using set_led = devices::command<0x0003, led_setting, core::null, "set_led">;
using get_config = devices::command<0x0004, core::null, thermo_config, "get_config">;
using set_config = devices::command<0x0005, thermo_config, thermo_config, "set_config">;
using start_telemetry = devices::command<0x0006, telemetry_rate, core::null, "start_telemetry">;
using stop_telemetry = devices::command<0x0007, core::null, core::null, "stop_telemetry">;
using telemetry = devices::event<0x0100, telemetry_sample, "telemetry">;

/// The thermo profile: device "thermo", version "1.4.2", little-endian, the
/// commands and the event above.
devices::profile profile();

}  // namespace comframe::devices::builtin::thermo

// Schema names without the namespace: "device_info", not "comframe::devices::builtin::thermo::device_info".
#define COMFRAME_THERMO_NAME(T)                                   \
  template <>                                                     \
  struct comframe::core::type_name<comframe::devices::builtin::thermo::T> { \
    static constexpr std::string_view value = #T;                 \
  };
COMFRAME_THERMO_NAME(firmware_version)
COMFRAME_THERMO_NAME(device_info)
COMFRAME_THERMO_NAME(sensor_readings)
COMFRAME_THERMO_NAME(led_setting)
COMFRAME_THERMO_NAME(thermo_config)
COMFRAME_THERMO_NAME(telemetry_rate)
COMFRAME_THERMO_NAME(telemetry_sample)
#undef COMFRAME_THERMO_NAME
