// comframe/transport/framing.hpp — how frames sit on a byte stream, behind one
// interface, so that a frame channel (frame_channel.hpp) and every tool on it
// work with any framing.
//
// comframe's own framing (header, payload, CRC-32C, COBS, one 0x00; frame.hpp,
// docs/protocol.md) is the one implemented. Framings of devices that speak
// their own protocols (sync bytes + length + CRC-16, Modbus RTU, SLIP) find a
// frame's end differently — some only from the payload schema of the frame
// they expect — so a framing is made for one direction of one link and may be
// given the payload schemas of the device's profile:
//
//   framing_params p{.incoming = direction::from_device, .schemas = &schemas};
//   std::unique_ptr<framing> f = make_comframe_framing(p);
//   std::vector<std::uint8_t> wire;
//   f->encode({.kind = frame_kind::request, .command = 2, .sequence = 1}, payload, wire);
//   f->feed(chunk, [&](const frame_view& v) { … }, [&](frame_error e, auto raw) { … });
//
// Whatever the framing, what it hands over is the same: a frame_view (header,
// payload, the frame's bytes as captures and the bridge keep them) or a
// refused frame counted in decoder_stats under one frame_error.
//
// Thread safety: a framing object is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "comframe/transport/frame.hpp"

namespace comframe::core {
class schema;
}

namespace comframe::transport {

/// The payload schemas a framing may look up: the schema of the payload a frame
/// of `kind` and `command` carries, or nullptr when it is not known. A device
/// profile provides them (devices::profile_schemas).
class payload_schemas {
 public:
  virtual ~payload_schemas() = default;
  virtual const core::schema* find(frame_kind kind, std::uint16_t command) const noexcept = 0;
};

/// What a framing is made for.
struct framing_params {
  /// The direction of the frames it decodes (from_device on the host,
  /// to_device on the device side); it encodes the other one.
  direction incoming = direction::from_device;
  /// The device's payload schemas, or nullptr; must outlive the framing.
  const payload_schemas* schemas = nullptr;
  /// The largest payload it encodes or accepts.
  std::size_t max_payload_size = default_max_payload_size;
};

/// Splits a received byte stream into frames and turns frames into bytes.
class framing {
 public:
  virtual ~framing() = default;

  /// Consumes received bytes in chunks of any size, calling `on_frame` for each
  /// good frame and `on_error` for each refused one (with its raw bytes), as
  /// frame_decoder::feed does. Does not allocate or throw on its own.
  virtual void feed(std::span<const std::uint8_t> bytes, frame_handler on_frame, frame_error_handler on_error) = 0;
  /// Drops a partly received frame (the link was reopened), counting it in
  /// stats().truncated; keeps the statistics.
  virtual void reset() noexcept = 0;
  /// Frames and errors since the framing was made.
  virtual const decoder_stats& stats() const noexcept = 0;

  /// Appends one frame's wire bytes to `out` and returns how many. Throws
  /// usage_error ("transport.usage") for a payload over
  /// max_payload_size(); `out` is then unchanged. Allocates only when `out`
  /// must grow.
  virtual std::size_t encode(const frame_header& header, std::span<const std::uint8_t> payload,
                             std::vector<std::uint8_t>& out) = 0;
  /// Appends the bytes that end whatever noise a line holds, sent before the
  /// first frame on a newly opened link so the peer reads that frame whole
  /// (comframe: one 0x00). May append nothing.
  virtual void append_resync(std::vector<std::uint8_t>& out) = 0;

  virtual std::size_t max_payload_size() const noexcept = 0;

  /// The header of a refused frame (its raw bytes as given to on_error), where
  /// the damage spared it enough to be read — a frame whose CRC failed still
  /// says what it was and which request it answers — else empty. Unchecked: the
  /// damage may be in the header too. Default: empty.
  virtual std::optional<frame_header> damaged_header(std::span<const std::uint8_t> raw) {
    (void)raw;
    return std::nullopt;
  }
};

/// Makes the framing of one link.
using framing_factory = std::function<std::unique_ptr<framing>(const framing_params&)>;

/// comframe's framing: header, payload, CRC-32C, COBS, one 0x00 (frame.hpp).
/// Its refused frames are counted as frame_decoder counts them.
std::unique_ptr<framing> make_comframe_framing(const framing_params& params);

}  // namespace comframe::transport
