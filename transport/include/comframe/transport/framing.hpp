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
#include <string>
#include <string_view>
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

/// How replies are paired with the requests they answer (framing_spec.hpp's "replies").
enum class reply_match : std::uint8_t {
  sequence,         ///< by sequence number (comframe's own framing); many requests may be outstanding
  command,          ///< by command id, one request outstanding at a time
  order,            ///< by order: the next reply answers the one request outstanding
  address_command,  ///< by device address and command id, one request outstanding at a time
};
/// "sequence", "command", "order", "address_command".
std::string_view to_string(reply_match m) noexcept;

/// What a session, a device host and a recorder must know about a framing
/// beyond its bytes.
struct framing_traits {
  reply_match replies = reply_match::sequence;
  /// The largest sequence number the wire holds (65535 for comframe's u16;
  /// 255 for a u8 field); 0 when frames carry none (replies then match
  /// otherwise and sequence 0 is not "fire and forget").
  std::uint16_t max_sequence = 0xFFFF;
  /// Frames carry a device address (frame_header::address).
  bool has_address = false;
  /// The address a request goes to when the caller names none.
  std::uint16_t default_address = 0;
  /// A request to this address is for every device and is answered by none.
  std::optional<std::uint16_t> broadcast_address;
  /// Frames carry their kind; otherwise a device's frame is a response, an
  /// error (by the framing's error rule) or an event (an id the profile has
  /// only as an event).
  bool has_kind = true;
  /// The device can answer comframe's builtin describe (only comframe's own
  /// framing); otherwise a host needs the profile from a file.
  bool describe = true;
  /// Quiet line the sender keeps before each frame, in character times (11
  /// bits each: start, 8 data, parity or stop, stop); 0 for none. Modbus RTU: 3.5.
  double silence_characters = 0;
  /// The framing as captures name it (capture.hpp): "" for comframe's own,
  /// else the framing section's canonical JSON text, compact (framing_spec::to_json).
  std::string name;
};

/// An error reply as the device's code and text (the session's device_error).
struct device_error_reply {
  std::uint16_t code = 0;
  std::string message;
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
  /// The line's baud rate where known (a serial port's ?baud=, the simulator's
  /// --baud), for the silence between frames; 0: unknown, no silence is kept.
  std::uint32_t baud = 0;
  /// The byte order of the device's payloads (the profile's "endian"), for a
  /// framing that measures payloads by their schema (schema_length).
  core::endian payload_endian = core::endian::little;
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

  /// What the framing means for sessions, devices and recorders.
  virtual const framing_traits& traits() const noexcept;
  /// The line's baud rate it was made for (framing_params::baud; 0: unknown).
  /// A frame channel keeps traits().silence_characters of quiet line before
  /// each frame it sends when this is not 0. Default: 0.
  virtual std::uint32_t baud() const noexcept { return 0; }

  /// Appends one frame as captures and the bridge keep it — the frame's bytes
  /// without delimiters and after de-stuffing (comframe: header, payload, CRC;
  /// see docs/framing.md per kind) — and returns how many. Throws as encode().
  virtual std::size_t write_kept(const frame_header& header, std::span<const std::uint8_t> payload,
                                 std::vector<std::uint8_t>& out);
  /// Checks a frame in its kept form (read back from a capture or the bridge),
  /// travelling `dir`: the view (pointing into `bytes`), or empty with `*why`
  /// set to the reason. Does not throw.
  virtual std::optional<frame_view> parse_kept(std::span<const std::uint8_t> bytes, direction dir,
                                               frame_error* why = nullptr) const;

  /// The code and text of an error-kind reply's payload (comframe:
  /// devices::error_payload, little-endian u16 code then UTF-8 text; a framing
  /// with an error rule: its code field, the text its code's name). Empty when
  /// the payload does not hold one.
  virtual std::optional<device_error_reply> read_error(std::span<const std::uint8_t> payload) const;
  /// The payload of an error-kind reply with `code` and `message`, for a device
  /// (the inverse of read_error; a framing with an error rule drops the message).
  virtual std::vector<std::uint8_t> error_payload(std::uint16_t code, std::string_view message) const;
};

/// Makes the framing of one link.
using framing_factory = std::function<std::unique_ptr<framing>(const framing_params&)>;

/// comframe's framing: header, payload, CRC-32C, COBS, one 0x00 (frame.hpp).
/// Its refused frames are counted as frame_decoder counts them.
std::unique_ptr<framing> make_comframe_framing(const framing_params& params);

}  // namespace comframe::transport
