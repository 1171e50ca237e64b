// comframe/transport/frame_record.hpp — frames as they are seen and as they are kept.
//
// frame_record: one frame a channel sent, received or refused, as its
// observers see it live (frame_channel.hpp, the session's and the device
// host's observe_frames, the bridge feed, monitor, log and tap): the header
// decoded, the payload pointing into the decoder.
//
// recorded_frame: one frame as it is kept — in a capture file
// (capture_record) or on the shared-memory bridge (bridge::record): the bytes
// before COBS, when and which way, and the record_flag bits. Captures and the
// bridge add only what is theirs (lost_before and a note; a sequence number).
//
//   channel->observe_frames([](const frame_record& r) {
//     if (r.error) std::cout << to_string(*r.error) << " (" << r.payload.size() << " raw bytes)\n";
//     else         std::cout << to_string(r.header->kind) << " " << r.header->command << "\n";
//   });
//
// A light header: no Asio, no session, no JSON.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "comframe/transport/frame.hpp"

namespace comframe::transport {

/// One frame sent or received, or a received frame that was refused. The spans
/// are valid only during the call that hands the record over.
struct frame_record {
  direction dir;  ///< seen from the host: to_device or from_device
  std::chrono::system_clock::time_point time;
  std::optional<frame_header> header;  ///< empty for a refused frame
  std::span<const std::uint8_t> payload;  ///< the payload, or a refused frame's raw bytes
  std::optional<frame_error> error;       ///< why a received frame was refused
  /// The frame as captures and the bridge keep it (framing::write_kept: for
  /// comframe's framing header, payload and CRC; docs/framing.md per kind), or
  /// a refused frame's raw bytes as the framing handed them over. frame_channel
  /// fills it for frames it writes only while it is observed.
  std::span<const std::uint8_t> bytes{};
};

class framing;  // framing.hpp

/// Bits of recorded_frame::flags, in captures and on the bridge alike.
enum record_flag : std::uint8_t {
  refused = 0x01,    ///< a received frame the decoder refused: `bytes` are its raw bytes, COBS-encoded
  truncated = 0x02,  ///< the source cut the bytes (a bridge's max_record_bytes); original_length says how long it was
};

/// One frame as it is kept. `bytes` is the frame before COBS (header, payload,
/// CRC; see write_frame_bytes) or, for a refused frame, its raw bytes as received.
struct recorded_frame {
  std::uint64_t time_ns = 0;              ///< nanoseconds since the Unix epoch (UTC, CLOCK_REALTIME)
  direction dir = direction::to_device;   ///< seen from the host
  std::uint16_t link_id = 0;              ///< which link, when a source has several
  std::uint8_t flags = 0;                 ///< record_flag bits
  std::optional<frame_error> error;       ///< for a refused frame: why
  std::span<const std::uint8_t> bytes;    ///< valid as long as the reader's record (until its next read)
  /// The frame's length before the source cut it (flag truncated); 0 means
  /// bytes.size(). pcapng keeps it as the EPB's original packet length.
  std::uint32_t original_length = 0;

  /// The frame's length before any cut: original_length or bytes.size(), whichever is larger.
  std::size_t length() const noexcept { return original_length > bytes.size() ? original_length : bytes.size(); }
  /// The frame's header and payload, or empty for a refused, truncated or
  /// otherwise bad frame (parse_frame()). The view points into `bytes`.
  std::optional<frame_view> frame() const noexcept;
  /// The same in framing `kept` (framing::parse_kept): for frames recorded in
  /// a framing described in a profile; nullptr gives frame().
  std::optional<frame_view> frame(const framing* kept) const noexcept;
};

}  // namespace comframe::transport
