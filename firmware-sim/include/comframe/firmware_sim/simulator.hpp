// comframe/firmware_sim/simulator.hpp — a simulated device on a pty, run on a
// thread of its own: what `comframe sim` serves, for programs and test benches
// that start, fault, disconnect and stop devices themselves (the Python
// package's comframe.Simulator is this class).
//
//   firmware_sim::simulator sim({.device = "thermo", .baud = 115200});
//   devices::session s(sim.port());                  // the symlink: it survives disconnects
//   sim.set_faults(firmware_sim::parse_faults("drop=0.01,seed=7"));
//   sim.disconnect(std::chrono::milliseconds(200));  // the pty closes, a new one comes after 200 ms
//   nlohmann::json st = sim.stats();                 // the fields of `comframe sim --stats-json`
//   sim.stop();                                      // or the destructor
//
// The device is one of: a built-in device (`device`), a sim file
// (`sim_file`, docs/simulator.md), a bare profile (`profile_file`: every
// command answers its response type's zero value) — exactly one — or a
// program (`program`: native firmware whose stdin and stdout are the device's
// bytes, as `comframe sim --exec` runs it; `profile_file` then optionally
// names its profile, for profile() and the bridge). The port is
// always reached through a symlink (`symlink`, or one the simulator makes in a
// private folder under $TMPDIR): a disconnect closes the pty and opens a new
// one, and the symlink follows it, so a session on the symlink reconnects.
//
// Errors: the constructor throws what loading the device throws
// (firmware_sim.sim_file, devices.profile, …), firmware_sim.unknown_device for
// a built-in name it does not know, and transport errors for a pty or bridge
// it cannot open.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "comframe/devices/profile.hpp"
#include "comframe/firmware_sim/device_host.hpp"
#include "comframe/firmware_sim/fault_injector.hpp"
#include "comframe/firmware_sim/program_host.hpp"
#include "comframe/firmware_sim/simulated_device.hpp"

namespace comframe::firmware_sim {

/// The simulated device of a sim file, a bare profile or a built-in device:
/// exactly one of the three non-empty. Throws comframe::error
/// "firmware_sim.unknown_device" for a built-in name it does not know, and
/// what loading the file throws.
std::unique_ptr<simulated_device> make_simulation(const std::string& device, const std::string& sim_file,
                                                  const std::string& profile_file);

/// Adds the counters of a finished connection to those of the ones before
/// (the peaks: the larger of the two).
void accumulate(host_stats& into, const host_stats& add);

/// The statistics as one JSON object, `comframe sim --stats-json`'s
/// (docs/simulator.md lists the fields); with a program, "program" too.
nlohmann::json stats_json(const host_stats& host, const fault_stats& faults, const program_stats* program = nullptr);

/// Serves `dev` on `line` as `comframe sim` does: the line paced to `baud`
/// (0: not paced), then `faults`' byte faults, then a device_host whose replies
/// draw `faults`' late and never faults; `dev` attached to it. Detach `dev`
/// before the host is destroyed.
std::unique_ptr<device_host> serve_simulation(boost::asio::io_context& io, std::unique_ptr<transport::link> line,
                                              simulated_device& dev, std::shared_ptr<fault_injector> faults,
                                              std::uint32_t baud = 0, std::optional<std::uint16_t> address = {});

struct simulator_options {
  std::string device{};        ///< a built-in device: "thermo", "echo"
  std::string sim_file{};      ///< or a sim file
  std::string profile_file{};  ///< or a bare profile
  /// Keep a symlink here to the current pty; empty: one in a private folder
  /// the simulator makes and removes.
  std::string symlink{};
  std::uint32_t baud = 0;                  ///< emulated baud rate (8N1); 0: as fast as the pty goes
  std::optional<std::uint16_t> address{};  ///< the device's own on a framing with addresses
  fault_config faults{};                   ///< faults from the start
  std::string bridge{};                      ///< publish every frame to this bridge name; empty: none
  /// Or a program as the device: its path (or a name in PATH) and arguments.
  std::string program{};
  std::vector<std::string> program_args{};
  /// How long stop() waits after SIGTERM before SIGKILL (program_host).
  std::chrono::milliseconds stop_grace{2000};
};

class simulator {
 public:
  /// Opens the pty and starts serving on a thread of its own.
  explicit simulator(simulator_options options);
  /// stop().
  ~simulator();
  simulator(const simulator&) = delete;
  simulator& operator=(const simulator&) = delete;

  /// Where hosts connect: the symlink to the current pty.
  const std::string& port() const noexcept;
  /// The pty the symlink names now ("/dev/pts/7").
  std::string pty() const;
  /// The device's profile (a program's: profile_file's, or the empty profile).
  const devices::profile& profile() const noexcept;
  /// For a program: how it ended its part ("PROG exited with status 0"), or ""
  /// while it runs. Always "" for a simulated device.
  std::string ended() const;
  /// The seed the faults draw from (the one given, or a random one).
  std::uint64_t seed() const;

  /// Replaces the faults (as `comframe sim`'s `faults SPEC` line).
  void set_faults(const fault_config& faults);
  fault_config faults() const;
  /// Holds everything the device writes for `ms`.
  void stall(std::chrono::milliseconds ms);
  /// Closes the pty; a new one opens after `ms` and the symlink follows it.
  void disconnect(std::chrono::milliseconds ms);
  /// stats_json() of what it served so far.
  nlohmann::json stats() const;
  /// Stops serving, closes the pty and removes the symlink. Idempotent.
  void stop();
  bool running() const noexcept;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace comframe::firmware_sim
