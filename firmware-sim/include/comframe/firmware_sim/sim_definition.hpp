// comframe/firmware_sim/sim_definition.hpp — a device defined without C++: a
// JSON "sim file" names a profile, what each command replies and which events
// the device sends on its own. `comframe sim --sim FILE` serves one.
//
//   {
//     "profile_file": "bench.profile.json",                    // or "profile": {…a profile document…}
//     "replies": {
//       "get_info": {"response": {"serial": 7, "name": "bench"}},           // a fixed value
//       "echo":     {"response": "$request"},                               // the whole request
//       "scale":    {"response": {"value": "$request.raw", "unit": "mV"}},  // a field of the request
//       "fail":     {"error": {"code": 3, "message": "always out of range"}}
//     },
//     "events": {"heartbeat": {"every_ms": 1000, "payload": {"count": "$count"}}}
//   }
//
//   auto sim = firmware_sim::load_sim_file("bench.sim.json");   // checks everything, or throws sim_definition_error
//   firmware_sim::device_host host(io, transport::open_link(io, url), sim.device());
//   sim.attach(io, host);                                       // the periodic events start
//   io.run();
//
// docs/simulator.md ("Devices defined in a file") has the whole format. In
// short: a reply template is the response's JSON value in which a string
// "$request", "$request.a.b[2]" stands for (part of) the request, "$count" for
// how many times this command was answered before (in an event: how many
// times it was sent before), and "$$…" for a literal string starting with "$".
// A string given where the type is an array of char is its UTF-8 bytes
// (NUL-padded in a fixed array). A command with no entry in "replies" answers
// the zero value of its response type (zeros, false, empty dynamic arrays).
//
// Loading checks everything a reply could get wrong that does not depend on
// the request: each template against the command's response schema (every
// key, type and fixed length), each reference against the request schema
// (the field exists, a fixed-array index is in range, its type fits where it
// is used). Only what depends on a request is left to run time: a dynamic
// array's index past the request's end answers out_of_range; an integer
// copied into a narrower integer wraps as a C cast does.
//
// A sim file is untrusted input (a CLI argument): it is bounded (16 MiB, JSON
// nesting) and nothing in it can crash the process.
//
// Thread safety: a sim_definition may be used from any thread; its device's
// handlers follow firmware_sim::device's rules. Lifetime as for
// thermo::simulated: the device_host keeps a reference to device(), an attached
// definition a pointer to the host; detach() (or destroy) it before the host.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comframe/core/error.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/firmware_sim/device.hpp"
#include "comframe/firmware_sim/device_host.hpp"
#include "comframe/firmware_sim/simulated_device.hpp"

namespace comframe::firmware_sim {

/// Bounds on a sim file.
namespace sim_file_limits {
inline constexpr std::size_t max_file_bytes = std::size_t{16} << 20;
/// Deepest nesting of a template (JSON levels).
inline constexpr std::size_t max_template_depth = 128;
/// Longest and shortest event period.
inline constexpr std::uint32_t min_every_ms = 1;
inline constexpr std::uint32_t max_every_ms = 3'600'000;
}  // namespace sim_file_limits

/// A sim file that cannot be loaded. id() is "firmware_sim.sim_file" (the id
/// stays as it was when this class was sim_file_error: ids are a contract); file() is
/// the file's name as given to load_sim_file() ("" for parse_sim_file()),
/// path() where in the document ("replies.scale.response.value", "" for the
/// whole document) and offset() the byte offset for text that is not JSON.
/// what() reads
///   [firmware_sim.sim_file] bench.sim.json: replies.scale.response.value: "$request.rwa" names no field of scale's request (fields: raw)
class sim_definition_error : public comframe::error {
 public:
  sim_definition_error(std::string file, std::string path, std::string detail,
                       std::optional<std::size_t> offset = std::nullopt);
};

/// An event the definition sends on its own.
struct periodic_event {
  std::string name;
  std::uint16_t id = 0;
  std::chrono::milliseconds every{0};
};

/// A loaded sim file: the device, its profile and its event schedule.
/// Movable (not while attached); device() keeps its address across moves.
class sim_definition final : public simulated_device {
 public:
  sim_definition(sim_definition&&) noexcept;
  sim_definition& operator=(sim_definition&&) noexcept;
  /// Detaches (see detach()).
  ~sim_definition() override;

  const firmware_sim::device& device() const noexcept override;
  const devices::profile& profile() const noexcept;
  /// The "events" entries, sorted by event id.
  const std::vector<periodic_event>& events() const noexcept;
  /// Commands of the profile without an entry in "replies" (they answer zero values), sorted by id.
  const std::vector<std::string>& defaulted_commands() const noexcept;

  /// Starts the periodic events: event e's n-th emission (count n, from 0) goes
  /// out through `host` at attach time + (n + 1) · every_ms, on a timer on `io`
  /// (the io_context the host runs on). Replaces an earlier attachment; counts
  /// start again from 0.
  void attach(boost::asio::io_context& io, device_host& host) override;
  /// Stops the events. After it returns none is emitted. Does not wait for the io_context.
  void detach() override;

  /// The payload bytes event `name` has on its emission with this count.
  /// Throws comframe::error "firmware_sim.profile" for an event not in "events".
  std::vector<std::uint8_t> event_payload(std::string_view name, std::uint64_t count) const;

  struct impl;

 private:
  friend sim_definition parse_sim_file(std::string_view, const std::filesystem::path&);
  friend sim_definition load_sim_file(const std::filesystem::path&);
  explicit sim_definition(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

/// Loads a sim file. A relative "profile_file" is relative to the sim file's
/// folder. Throws sim_definition_error (its file() is `path` as given).
sim_definition load_sim_file(const std::filesystem::path& path);

/// Loads a sim file from its text; a relative "profile_file" is relative to
/// `base_dir`. Throws sim_definition_error (with file() "").
sim_definition parse_sim_file(std::string_view json_text, const std::filesystem::path& base_dir = ".");

}  // namespace comframe::firmware_sim
