// comframe/transport/frame_parse.hpp — checking a frame read back whole.
//
// A frame kept as it is before COBS (header, payload, CRC), as captures and
// the shared-memory bridge keep it, is checked by parse_frame(). It reports
// failure without throwing, as a comframe::result (core/result.hpp, which
// brings Boost.System; that is why this is not in frame.hpp).
#pragma once

#include <cstdint>
#include <span>

#include "comframe/core/result.hpp"
#include "comframe/transport/frame.hpp"

namespace comframe::transport {

/// Checks a frame as it is before COBS (header, payload, CRC): its size
/// (too_short), CRC (crc), version (bad_version) and kind (bad_kind). Gives the
/// view, pointing into `bytes`, or the frame_error that says why there is none
/// (comframe/core/result.hpp). For frames read back from a capture or the bridge:
///   if (auto f = parse_frame(bytes)) use(f->header, f->payload); else count(f.error());
comframe::result<frame_view, frame_error> parse_frame(std::span<const std::uint8_t> bytes) noexcept;

}  // namespace comframe::transport
