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
/// direction alternates (a reply follows a request). Where neither can (both
/// refuse, or no frame ends within the longest a frame can be), the start moves
/// on: to the next delimiter where the framing has one (cobs 0x00, slip 0xC0,
/// hdlc 0x7E, a line's terminator), else by one byte after a refusal or by
/// half of what is held when nothing was refused. The trial decoders keep their
/// state between calls, so each byte is decoded once per frame start, and the
/// work per byte is bounded. A reply of a framing matched by order gets the
/// command of the request before it.
class bus_splitter {
 public:
  explicit bus_splitter(const devices::profile& p);
  ~bus_splitter();

  using handler = std::function<void(const devices::frame_record&)>;
  /// Takes bytes in chunks of any size; calls `on_frame` for each frame found,
  /// and for the bytes skipped before it (a record with error length and the
  /// bytes as payload), and for every `skipped_chunk` bytes skipped meanwhile.
  void feed(std::span<const std::uint8_t> bytes, const handler& on_frame);
  /// At the end: reports the bytes skipped and not yet reported, and what is
  /// held that made no frame (as skipped bytes).
  void finish(const handler& on_frame);

  static constexpr std::size_t skipped_chunk = 256;

  std::uint64_t frames_to_device() const noexcept { return frames_[0]; }
  std::uint64_t frames_from_device() const noexcept { return frames_[1]; }
  std::uint64_t skipped_bytes() const noexcept { return skipped_; }

 private:
  struct trial;
  bool step(const handler& on_frame);  // one frame or skipped bytes; false: more bytes needed
  void skip(std::size_t n, const handler& on_frame);  // drops the first n held bytes as skipped
  void flush_skipped(const handler& on_frame);
  void restart();  // a new frame start at held_[0]

  struct outcome {
    bool refused = false;
    bool found = false;
    transport::frame_header header;
    std::vector<std::uint8_t> payload, kept;
  };

  std::shared_ptr<const transport::payload_schemas> schemas_;
  std::unique_ptr<trial> trials_[2];  // [0] frames to the device, [1] frames from it
  bool has_kind_ = false;
  bool by_order_ = false;
  std::size_t max_frame_ = 0;
  std::optional<std::uint8_t> delimiter_;  // a byte frames end or start on, where the framing has one
  bool delimiter_leads_ = false;           // frames start at the delimiter (slip, hdlc), else after it
  std::vector<std::uint8_t> held_;     // bytes from the current frame start
  std::size_t scanned_ = 0;            // of held_, the bytes the trials have decoded from the start
  outcome o_[2];
  std::vector<std::uint8_t> skipped_bytes_;
  transport::direction last_ = transport::direction::from_device;
  std::optional<std::uint16_t> last_request_;
  std::uint64_t frames_[2] = {0, 0};
  std::uint64_t skipped_ = 0;
};

}  // namespace comframe::tools
