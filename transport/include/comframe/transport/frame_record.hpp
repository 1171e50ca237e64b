// comframe/transport/frame_record.hpp — one frame a channel sent, received or
// refused, as its observers see it (frame_channel.hpp, the session's and the
// device host's observe_frames, the bridge feed, monitor, log and tap).
//
//   channel->observe_frames([](const frame_record& r) {
//     if (r.error) std::cout << to_string(*r.error) << " (" << r.payload.size() << " raw bytes)\n";
//     else         std::cout << to_string(r.header->kind) << " " << r.header->command << "\n";
//   });
//
// A light header: no Asio, no session, no JSON.
#pragma once

#include <chrono>
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
};

}  // namespace comframe::transport
