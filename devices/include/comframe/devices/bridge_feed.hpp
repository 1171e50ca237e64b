// comframe/devices/bridge_feed.hpp — publishes what a session or a simulated
// device sees to a shared-memory bridge (transport/bridge.hpp): every frame,
// the device's profile, and the latest payload of each event.
//
//   auto bridge = std::make_shared<transport::bridge::publisher>("lab");
//   devices::bridge_feed feed(bridge);
//   feed.set_profile(p);          // the profile's canonical JSON text, in the bridge's profile region
//   feed.publish(record);         // for each frame_record, e.g. from observe_frames
//
// Latest values it keeps: for each event, "event.<name>" (schema name: the
// event's name, not its payload type; value: its payload bytes, in the
// profile's byte order). Without a profile, or for an event the profile does
// not name, an event is keyed "event.0x<id>" (4 lowercase hex digits) with an
// empty schema name. A value that does not fit the bridge (a key over 47 bytes,
// a payload over the slot, no slot left, a profile over the region) is
// counted in latest_errors() and in the segment (publisher::refused()), never
// thrown: publishing must not stop a session.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "comframe/devices/profile.hpp"
#include "comframe/devices/frame_record.hpp"
#include "comframe/transport/bridge.hpp"

namespace comframe::devices {

/// The device profile a publisher keeps on its bridge (its profile region), if it
/// has one that parses; a subscriber decodes frames with it (frame_json.hpp).
std::optional<profile> profile_on_bridge(const transport::bridge::subscriber& subscriber);

class bridge_feed {
 public:
  explicit bridge_feed(std::shared_ptr<transport::bridge::publisher> publisher, std::uint16_t link_id = 0);

  /// Puts the profile's JSON text in the latest-value store and uses the
  /// profile to name events.
  void set_profile(const profile& p);
  /// Publishes one frame: a good one as its frame bytes, a refused one as its
  /// raw bytes flagged refused.
  void publish(const frame_record& r);

  transport::bridge::publisher& publisher() const noexcept { return *publisher_; }
  std::uint64_t latest_errors() const noexcept { return latest_errors_.load(); }

 private:
  std::shared_ptr<transport::bridge::publisher> publisher_;
  std::uint16_t link_id_;
  std::mutex mutex_;
  std::shared_ptr<const profile> profile_;
  std::atomic<std::uint64_t> latest_errors_{0};
};

}  // namespace comframe::devices
