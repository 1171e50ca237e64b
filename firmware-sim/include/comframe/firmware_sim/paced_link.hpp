// comframe/firmware_sim/paced_link.hpp — a link decorator that emulates a
// serial line's baud rate, so a simulated device is no faster than the real one.
//
//   auto line = firmware_sim::make_paced_link(port.link(), 921600);   // 92160 bytes/s each way
//   firmware_sim::device_host host(io, std::move(line), dev);
//
// A byte takes 10 bit times (8N1: start, 8 data, stop), so bytes move at
// baud / 10 per second in each direction, independently:
//   - writes: the bytes are handed to the inner link as their line time
//     passes; the write completes when the last byte has "left".
//   - reads: bytes that arrive from the inner link are handed to the reader as
//     if they came in over the line: one byte per 10 bit times after the line
//     was free. Up to read_buffer_bytes are taken from the inner link ahead.
// Byte k of a busy period (the line sending without pause) is due exactly
// at start + ceil((k + 1) * 10 s / baud), computed from the period's start and
// the byte's index, so long streams keep the exact average rate whatever the
// chunking and timer lateness. Bytes are not held beyond their line time,
// except that long transfers move in chunks of about 1 ms (a byte is then at
// most ~1 ms late, the average rate is unaffected); a short write or read
// completes at its exact line time. A write (or an arrival) that comes
// within 1 ms after the line went idle continues the busy period, as on a UART
// whose next bytes are queued while the last one is shifted out: back-to-back
// writes keep the exact rate despite handler latency (at the cost of at most
// 1 ms of line time sent at once). If the inner link applies back pressure
// (a write takes longer than its bytes' line time), the period restarts when
// it completes — the line is never faster than baud / 10 afterwards.
//
// Thread safety and completion as for every transport::link: use it from its
// executor; handlers never run inside the starting call. close() closes the
// inner link too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "comframe/transport/link.hpp"

namespace comframe::firmware_sim {

/// Bytes per second of a baud rate with 8N1 framing (10 bits per byte).
constexpr double line_bytes_per_second(std::uint32_t baud) noexcept { return baud / 10.0; }

struct paced_link_options {
  std::uint32_t baud = 115200;                ///< bits per second, > 0
  std::size_t read_buffer_bytes = 4096;       ///< bytes read ahead from the inner link, > 0
};

/// Wraps `inner` (which must be open) so that bytes cross it at options.baud / 10
/// bytes per second in each direction. Throws comframe::usage_error
/// ("firmware_sim.usage") for no inner link, or a baud or buffer size of 0.
std::unique_ptr<transport::link> make_paced_link(std::unique_ptr<transport::link> inner,
                                                 paced_link_options options);

/// The same with the default options and this baud.
inline std::unique_ptr<transport::link> make_paced_link(std::unique_ptr<transport::link> inner, std::uint32_t baud) {
  return make_paced_link(std::move(inner), paced_link_options{.baud = baud});
}

}  // namespace comframe::firmware_sim
