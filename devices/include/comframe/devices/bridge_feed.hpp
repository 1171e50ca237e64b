// comframe/devices/bridge_feed.hpp — publishes what a session or a simulated
// device sees to a shared-memory bridge (transport/bridge.hpp): every frame,
// the device's profile, and the latest payload of each event.
//
//   auto bus = std::make_shared<transport::bridge::publisher>("lab");
//   devices::bridge_feed feed(bus);
//   feed.set_profile(p);          // latest value "profile": the profile's JSON text
//   feed.publish(record);         // for each frame_record, e.g. from observe_frames
//
// Latest values it keeps: "profile" (schema name "comframe.profile", JSON text)
// and, for each event, "event.<name>" (schema name: the event's name; value:
// its payload bytes, in the profile's byte order). Without a profile an event
// is keyed "event.0x<id>". A value that does not fit the bus is counted in
// latest_errors(), never thrown: publishing must not stop a session.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "comframe/devices/profile.hpp"
#include "comframe/devices/session.hpp"
#include "comframe/transport/bridge.hpp"

namespace comframe::devices {

/// The latest-value key of the device's profile and the schema name it carries.
inline constexpr std::string_view profile_key = "profile";
inline constexpr std::string_view profile_schema_name = "comframe.profile";

/// The device profile a publisher keeps on its bus (latest value `profile_key`),
/// if it has one that parses; a subscriber decodes frames with it (frame_view.hpp).
std::optional<profile> profile_on_bus(const transport::bridge::subscriber& bus);

class bridge_feed {
 public:
  explicit bridge_feed(std::shared_ptr<transport::bridge::publisher> bus, std::uint16_t link_id = 0);

  /// Puts the profile's JSON text in the latest-value store and uses the
  /// profile to name events.
  void set_profile(const profile& p);
  /// Publishes one frame: a good one as its frame bytes, a refused one as its
  /// raw bytes flagged refused.
  void publish(const frame_record& r);

  transport::bridge::publisher& bus() const noexcept { return *bus_; }
  std::uint64_t latest_errors() const noexcept { return latest_errors_.load(); }

 private:
  std::shared_ptr<transport::bridge::publisher> bus_;
  std::uint16_t link_id_;
  std::mutex mutex_;
  std::shared_ptr<const profile> profile_;
  std::atomic<std::uint64_t> latest_errors_{0};
};

}  // namespace comframe::devices
