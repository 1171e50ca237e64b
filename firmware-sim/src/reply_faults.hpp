// firmware-sim/src/reply_faults.hpp — finding the replies in the bytes a
// device writes, for the device-level faults "reply late" and "never reply".
// Private to the firmware_sim library (not installed); its test reaches it
// through tests/firmware-sim/CMakeLists.txt.
//
// Those faults are applied where replies are made: device_host asks
// fault_injector::next_reply() for each reply, whatever its framing. A program
// behind `comframe sim --exec` makes its replies out of sight, in comframe's
// own framing: for its link (fault_injector::wrap with
// replies_in::comframe_stream) reply_scanner cuts the bytes it writes at each
// 0x00 and tells replies (response and error frames) from events and anything
// else by their header, and fault_injector applies the same draws:
//   - late: each reply leaves late_ms after the program wrote it; events and
//     other frames are not held back behind it (they may overtake it);
//   - never: each reply is dropped whole with probability `never` — the host
//     sees a request time out, not a broken frame.
// It knows only comframe's framing (COBS, comframe's header).
//
//   reply_scanner scanner;
//   scanner.feed(bytes, [&](std::span<const std::uint8_t> frame, bool is_reply) { … });
//
// Thread safety: a reply_scanner may be used by one thread at a time.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "comframe/transport/frame.hpp"

namespace comframe::firmware_sim {

/// True if `wire` (one frame's COBS bytes, with or without its 0x00) starts
/// like a response or error frame of protocol_version. Only the header's first
/// two bytes are looked at, not the CRC: the device's own frames are good.
bool is_reply_frame(std::span<const std::uint8_t> wire) noexcept;

/// Cuts a byte stream into frames at each 0x00.
class reply_scanner {
 public:
  /// Calls on_frame(frame, is_reply) for each frame completed in `bytes`, the
  /// 0x00 included, in order; bytes after the last 0x00 are kept until the
  /// frame's 0x00 arrives in a later feed(). `frame` is valid during the call.
  template <class F>
  void feed(std::span<const std::uint8_t> bytes, F&& on_frame) {
    std::size_t begin = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (bytes[i] != 0) continue;
      if (partial_.empty()) {
        const auto frame = bytes.subspan(begin, i + 1 - begin);
        on_frame(frame, is_reply_frame(frame));
      } else {
        partial_.insert(partial_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(begin),
                        bytes.begin() + static_cast<std::ptrdiff_t>(i + 1));
        on_frame(std::span<const std::uint8_t>(partial_), is_reply_frame(partial_));
        partial_.clear();
      }
      begin = i + 1;
    }
    partial_.insert(partial_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(begin), bytes.end());
  }

  /// Bytes of an unfinished frame held for the next feed().
  std::span<const std::uint8_t> pending() const noexcept { return partial_; }
  /// Hands the held bytes out (e.g. to pass them on unchanged) and forgets them.
  std::vector<std::uint8_t> take_pending() noexcept { return std::exchange(partial_, {}); }

 private:
  std::vector<std::uint8_t> partial_;
};

}  // namespace comframe::firmware_sim
