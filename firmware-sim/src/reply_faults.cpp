#include "reply_faults.hpp"

namespace comframe::firmware_sim {

bool is_reply_frame(std::span<const std::uint8_t> wire) noexcept {
  // COBS: the first byte c says c - 1 data bytes follow before an implied 0x00.
  // The version is decoded byte 0 and the kind decoded byte 1; a c of 2 means
  // the kind byte is the implied 0x00 (a request).
  if (wire.size() < 2 || wire[0] < 2) return false;
  if (wire[1] != transport::protocol_version) return false;
  if (wire[0] == 2) return false;
  if (wire.size() < 3) return false;
  const auto kind = static_cast<transport::frame_kind>(wire[2]);
  return kind == transport::frame_kind::response || kind == transport::frame_kind::error;
}

}  // namespace comframe::firmware_sim
