// comframe/firmware_sim/simulated_device.hpp — what a simulator serves, whatever
// the kind of device: the handlers that answer commands, and the timers that
// send events of the device's own accord.
//
//   std::unique_ptr<firmware_sim::simulated_device> dev = firmware_sim::make_builtin_device("thermo");
//   firmware_sim::device_host host(io, std::move(line), dev->device());
//   dev->attach(io, host);     // events (thermo's telemetry) go out through host
//   io.run();
//   dev->detach();             // before the host goes
//
// The kinds: thermo::simulated (simulated_thermo.hpp), sim_definition (a
// device from a JSON file, sim_definition.hpp) and answering_device (a device
// that only answers, such as echo).
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string_view>

#include "comframe/firmware_sim/device.hpp"
#include "comframe/firmware_sim/device_host.hpp"

namespace comframe::firmware_sim {

/// A device for a simulator to serve. Lifetime: a device_host keeps a reference
/// to device(), and an attached device keeps a pointer to its host, so make the
/// device first, then the host; detach() before the host is destroyed.
class simulated_device {
 public:
  virtual ~simulated_device() = default;

  /// The device to serve: hand it to a device_host. Lives as long as this object.
  virtual const firmware_sim::device& device() const noexcept = 0;
  /// Starts what the device does unasked (periodic events) through `host`, on
  /// timers of `io` (the io_context the host runs on). Replaces an earlier attachment.
  virtual void attach(boost::asio::io_context& io, device_host& host) = 0;
  /// Stops sending events; after it returns no event is emitted. Does not wait for the io_context.
  virtual void detach() = 0;
};

/// A device that only answers: attach() and detach() have nothing to start or stop.
class answering_device final : public simulated_device {
 public:
  explicit answering_device(firmware_sim::device d) : device_(std::move(d)) {}
  const firmware_sim::device& device() const noexcept override { return device_; }
  void attach(boost::asio::io_context&, device_host&) override {}
  void detach() override {}

 private:
  firmware_sim::device device_;
};

/// The built-in devices by name: "thermo" (thermo::simulated with its default
/// serial number and noise seed) or "echo" (make_echo()); nullptr for any other name.
std::unique_ptr<simulated_device> make_builtin_device(std::string_view name);

/// The names make_builtin_device() knows, for messages: "thermo, echo".
inline constexpr std::string_view builtin_device_names = "thermo, echo";

}  // namespace comframe::firmware_sim
