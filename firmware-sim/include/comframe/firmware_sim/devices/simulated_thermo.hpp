// comframe/firmware_sim/devices/simulated_thermo.hpp — the `thermo` example
// device's firmware: the handlers of every command of devices/builtin/thermo.hpp, the
// device's state, and a timer that streams telemetry events.
//
//   boost::asio::io_context io;
//   firmware_sim::thermo::simulated thermo;                          // serial 20240601, noise seed 1
//   firmware_sim::device_host host(io, transport::open_link(io, url), thermo.device());
//   thermo.attach(io, host);                                         // telemetry goes out through host
//   io.run();
//   …
//   thermo.detach();                                                 // before the host goes
//
// What it answers
// ---------------
//   get_info         firmware 1.4.2, the serial number given, name "thermo" (NUL-padded)
//   read_sensors     sequence 0, 1, 2 … (readings so far), supply_mv 3300 ± 3, one
//                    temperature per active channel: channel c reads 2150 + 37·c
//                    (0.01 °C) ± 5 of noise
//   set_led          index 0..7, else out_of_range "LED index 9 is outside 0..7"
//   get_config       the configuration in effect; at power-up channels 4,
//                    sample_period_ms 100, alarm_high_cdeg 8000, alarm disabled
//   set_config       checks channels 1..8 and sample_period_ms 10..60000 (else
//                    out_of_range "channels 9 is outside 1..8"), keeps the
//                    configuration and answers it
//   start_telemetry  rate_hz 1..1000 (else out_of_range "rate_hz 0 is outside 1..1000");
//                    restarts the stream: sample sequence from 0
//   stop_telemetry   stops the stream (also when it was not running)
//
// While streaming and attached, sample k (sequence k, from 0) is emitted at
// start + (k + 1) / rate_hz, computed from the start each time so that the
// schedule does not drift; a timer that fell more than a second behind (a
// stalled io_context) skips the missed ticks instead of bursting them out.
// Each sample has the active channels' temperatures and uptime_us, the time
// since this object was made. The noise comes from std::mt19937 seeded with
// `noise_seed`, so one seed and one order of requests give the same values.
//
// Lifetime: the device_host keeps a reference to device(), and an attached
// device keeps a pointer to the host. So: make this first, then the host;
// detach() (or destroy this) before the host is destroyed while the io_context
// still runs. After detach() returns no event is emitted any more.
//
// Thread safety: every member function may be called from any thread. The
// handlers run where device_host (or whoever calls device().handle()) runs them,
// the telemetry timer on the io_context given to attach().
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>

#include "comframe/devices/builtin/thermo.hpp"
#include "comframe/firmware_sim/device.hpp"
#include "comframe/firmware_sim/device_host.hpp"
#include "comframe/firmware_sim/simulated_device.hpp"

namespace comframe::firmware_sim::thermo {

// The contract (commands, payload types, profile()) is named here too, so
// firmware code finds thermo::get_info beside thermo::simulated.
using namespace devices::builtin::thermo;

class simulated final : public simulated_device {
 public:
  static constexpr std::uint32_t default_serial_number = 20240601;

  explicit simulated(std::uint32_t serial_number = default_serial_number, std::uint32_t noise_seed = 1);
  /// Detaches (see detach()).
  ~simulated() override;
  simulated(const simulated&) = delete;
  simulated& operator=(const simulated&) = delete;

  /// The device to serve: hand it to a device_host. Lives as long as this object.
  const firmware_sim::device& device() const noexcept override { return device_; }

  /// Sends telemetry through `host`, with a timer on `io` (the io_context the
  /// host runs on). Replaces an earlier attachment. A stream started before
  /// attach() begins now.
  void attach(boost::asio::io_context& io, device_host& host) override;
  /// Stops sending events; the stream's state (running, rate) is kept. After
  /// it returns no event is emitted. Does not wait for the io_context.
  void detach() override;

  // Snapshots of the device's state, for tests and front ends.
  thermo_config config() const;
  std::array<std::array<std::uint8_t, 3>, 8> leds() const;
  /// True between start_telemetry and stop_telemetry.
  bool streaming() const;
  /// Telemetry samples emitted since the object was made.
  std::uint64_t samples_emitted() const;

  struct state;

 private:
  std::shared_ptr<state> state_;  // shared with the handlers and the timer
  firmware_sim::device device_;
};

}  // namespace comframe::firmware_sim::thermo
