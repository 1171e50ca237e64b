// Listening to a line that carries both directions (an RS-485 bus, a tap on a
// serial line): frames told apart without sending anything. Used by
// `comframe monitor --listen` (docs/framing.md, "Watching a bus").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "comframe/devices/frame_record.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/transport/framing.hpp"

namespace comframe::tools {

/// Splits a byte stream that holds frames of both directions — requests from a
/// host and replies from devices, in the profile's framing — into frames. From
/// each frame start it decodes the bytes as a frame to the device and as one
/// from it, with a framing of each direction, and takes the first frame either
/// completes. Where both do (the same bytes are a valid request and a valid
/// reply: a Modbus write's echo), the frame's kind field decides, else the
/// direction alternates (a reply follows a request). Where neither can, one
/// byte is skipped. A reply of a framing matched by order gets the command of
/// the request before it.
class bus_splitter {
 public:
  explicit bus_splitter(const devices::profile& p);
  ~bus_splitter();

  using handler = std::function<void(const devices::frame_record&)>;
  /// Takes bytes in chunks of any size; calls `on_frame` for each frame found,
  /// and for the bytes skipped before it (a record with error length and the
  /// bytes as payload).
  void feed(std::span<const std::uint8_t> bytes, const handler& on_frame);

  std::uint64_t frames_to_device() const noexcept { return frames_[0]; }
  std::uint64_t frames_from_device() const noexcept { return frames_[1]; }
  std::uint64_t skipped_bytes() const noexcept { return skipped_; }

 private:
  struct trial;
  bool step(const handler& on_frame);  // one frame or one skipped byte; false: more bytes needed
  void flush_skipped(const handler& on_frame);

  std::shared_ptr<const transport::payload_schemas> schemas_;
  std::unique_ptr<trial> trials_[2];  // [0] frames to the device, [1] frames from it
  bool has_kind_ = false;
  bool by_order_ = false;
  std::size_t max_frame_ = 0;
  std::vector<std::uint8_t> held_;     // bytes from the current frame start
  std::vector<std::uint8_t> skipped_bytes_;
  transport::direction last_ = transport::direction::from_device;
  std::optional<std::uint16_t> last_request_;
  std::uint64_t frames_[2] = {0, 0};
  std::uint64_t skipped_ = 0;
};

}  // namespace comframe::tools
