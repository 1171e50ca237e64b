// comframe/transport/frame.hpp — frames on a byte stream: header, payload,
// CRC-32C, COBS, one 0x00 delimiter. docs/protocol.md specifies the bytes.
//
// Before COBS a frame is (all multi-byte fields little-endian):
//   offset 0     u8   version   protocol_version (1)
//   offset 1     u8   kind      frame_kind
//   offset 2     u16  command   command id
//   offset 4     u16  sequence  sequence number; a response or error carries its request's
//   offset 6     N    payload   0..max_payload_size bytes
//   offset 6+N   u32  crc       crc32c() of bytes 0..6+N-1
// then it is COBS-encoded and followed by exactly one 0x00.
//
// Sending:
//   frame_header h{.kind = frame_kind::request, .command = 2, .sequence = 1};
//   std::vector<std::uint8_t> wire = encode_frame(h, payload);   // ends with 0x00
//
// Receiving, in chunks of any size:
//   frame_decoder decoder;                                      // max_payload_size 4096
//   decoder.feed(chunk, [&](const frame_view& f) { handle(f.header, f.payload); });
//   decoder.stats().crc_errors;                                 // what went wrong, counted
//
// Checking a frame read back whole (from a capture or the bridge):
// parse_frame() in frame_parse.hpp.
//
// Thread safety: the free functions are reentrant. A frame_encoder or
// frame_decoder object may be used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "comframe/core/endian.hpp"
#include "comframe/transport/cobs.hpp"

namespace comframe::transport {

/// What a frame is. Values outside these four are refused by the decoder.
enum class frame_kind : std::uint8_t { request = 0, response = 1, event = 2, error = 3 };

/// "request", "response", "event", "error"; "unknown" for other values.
std::string_view to_string(frame_kind kind) noexcept;

/// The first six bytes of every frame: the four fields in this order, encoded
/// with header_endian. comframe/transport/frame_header_codec.hpp describes it
/// as a core Struct, for code that encodes it with the core codec.
struct frame_header {
  std::uint8_t version = 1;
  frame_kind kind = frame_kind::request;
  std::uint16_t command = 0;
  std::uint16_t sequence = 0;
  /// The device address of a multi-drop bus (RS-485, Modbus). Not on the wire
  /// in comframe's own framing (always 0 there); a framing whose header has an
  /// address field (framing_spec.hpp) reads and writes it.
  std::uint16_t address = 0;

  friend bool operator==(const frame_header&, const frame_header&) = default;
};

/// A command or event id as every comframe message and record prints it:
/// "0x00ff" — 0x, then four lowercase hex digits.
std::string command_id_text(std::uint16_t id);

/// The byte order of the header and the CRC on the wire.
inline constexpr core::endian header_endian = core::endian::little;

/// The protocol version this code writes by default and the only one it accepts.
inline constexpr std::uint8_t protocol_version = 1;

inline constexpr std::size_t header_size_bytes = 6;
inline constexpr std::size_t crc_size_bytes = 4;
/// Bytes of a frame with an empty payload, before COBS: header and CRC.
inline constexpr std::size_t min_frame_size_bytes = header_size_bytes + crc_size_bytes;
inline constexpr std::size_t default_max_payload_size = 4096;
/// The largest max_payload_size an encoder or decoder accepts (16 MiB).
inline constexpr std::size_t max_supported_payload_size = std::size_t{16} << 20;

/// The header in the first header_size_bytes of `bytes` (a frame before COBS,
/// or a truncated one), as it reads, without checking version or kind.
/// `bytes` must hold header_size_bytes, else usage_error ("transport.usage").
frame_header decode_frame_header(std::span<const std::uint8_t> bytes);

/// Most bytes a frame with `payload_size_bytes` of payload takes on the wire,
/// COBS overhead and the 0x00 delimiter included.
constexpr std::size_t max_encoded_frame_size(std::size_t payload_size_bytes) noexcept {
  return cobs_max_encoded_size(min_frame_size_bytes + payload_size_bytes) + 1;
}

/// Which way a frame went, seen from the host: to the device or from it. A
/// simulator or a monitor records frames the same way, so captures compare.
enum class direction : std::uint8_t { to_device = 0, from_device = 1 };
/// "to_device", "from_device"; "unknown" for other values.
std::string_view to_string(direction dir) noexcept;

/// Bytes of a frame before COBS: header, payload and CRC.
constexpr std::size_t frame_size(std::size_t payload_size_bytes) noexcept {
  return min_frame_size_bytes + payload_size_bytes;
}
/// Writes a frame as it is before COBS (header, payload, CRC-32C) into `out`,
/// which must hold frame_size(payload.size()) bytes, else usage_error
/// ("transport.usage"). Returns the bytes written. This is the form captures and
/// the shared-memory bridge keep. Does not allocate.
std::size_t write_frame_bytes(const frame_header& header, std::span<const std::uint8_t> payload,
                              std::span<std::uint8_t> out);
/// The same into a new vector.
std::vector<std::uint8_t> frame_bytes(const frame_header& header, std::span<const std::uint8_t> payload);

/// Encodes one frame into `out` and returns the bytes written, the trailing 0x00
/// included. `out` must hold max_encoded_frame_size(payload.size()) bytes, else
/// usage_error ("transport.usage") is thrown and nothing is written. The
/// header is written as given, not checked, so tests can make bad frames too.
/// Does not allocate.
std::size_t encode_frame(const frame_header& header, std::span<const std::uint8_t> payload,
                         std::span<std::uint8_t> out);

/// Encodes one frame into a new vector (the trailing 0x00 included).
std::vector<std::uint8_t> encode_frame(const frame_header& header, std::span<const std::uint8_t> payload);

/// Encodes frames into a buffer it allocates once, for senders that must not
/// allocate per frame.
class frame_encoder {
 public:
  /// Payloads up to `max_payload_size` bytes can be encoded. Throws
  /// usage_error ("transport.usage") above max_supported_payload_size.
  explicit frame_encoder(std::size_t max_payload_size = default_max_payload_size);

  /// Encodes one frame and returns its wire bytes (the trailing 0x00 included),
  /// valid until the next call. Throws usage_error ("transport.usage")
  /// when the payload is larger than max_payload_size().
  std::span<const std::uint8_t> encode(const frame_header& header, std::span<const std::uint8_t> payload);

  std::size_t max_payload_size() const noexcept { return max_payload_size_; }

 private:
  std::size_t max_payload_size_;
  std::vector<std::uint8_t> buffer_;
};

/// A good frame, as handed to frame_decoder's frame handler. The spans point
/// into the decoder and are valid only during the call.
struct frame_view {
  frame_header header;
  std::span<const std::uint8_t> payload;
  /// The whole frame before COBS: header, payload and CRC.
  std::span<const std::uint8_t> bytes;
};

/// Why the decoder refused a frame. Each kind has its counter in decoder_stats.
enum class frame_error : std::uint8_t {
  cobs,         ///< not valid COBS: a block runs past the end (typically lost or stray bytes)
  too_short,    ///< fewer than min_frame_size_bytes after COBS decoding
  oversize,     ///< more than the decoder's maximum; dropped while streaming, never buffered whole
  crc,          ///< the CRC-32C does not match (corrupted bytes, or two frames run together)
  bad_version,  ///< the CRC matches but the protocol version is not protocol_version
  bad_kind,     ///< the CRC matches but the kind is not a frame_kind
  escape,       ///< byte stuffing broken: an escape byte followed by a byte it may not escape (SLIP, HDLC)
  length,       ///< the frame's length cannot be right or cannot be told (a length field out of range,
                ///< a command whose payload schema is unknown to a framing that needs it)
};

/// "cobs", "too_short", "oversize", "crc", "bad_version", "bad_kind", "escape", "length".
std::string_view to_string(frame_error error) noexcept;

/// What a frame_decoder has seen since it was made. Every refused frame is in
/// exactly one error counter.
struct decoder_stats {
  std::uint64_t frames = 0;        ///< good frames handed to the frame handler
  std::uint64_t bytes = 0;         ///< every byte fed, delimiters and garbage included
  std::uint64_t empty_frames = 0;  ///< 0x00 right after 0x00 (or first): ignored, not an error
  std::uint64_t cobs_errors = 0;
  std::uint64_t too_short = 0;
  std::uint64_t oversize = 0;
  std::uint64_t crc_errors = 0;
  std::uint64_t bad_version = 0;
  std::uint64_t bad_kind = 0;
  std::uint64_t truncated = 0;     ///< partial frames dropped by frame_decoder::reset()
  std::uint64_t escape_errors = 0; ///< frame_error::escape (framings with byte stuffing)
  std::uint64_t length_errors = 0; ///< frame_error::length (framings with a length field or schema-implied length)

  /// All refused frames: the sum of the error counters.
  std::uint64_t errors() const noexcept {
    return cobs_errors + too_short + oversize + crc_errors + bad_version + bad_kind + truncated + escape_errors +
           length_errors;
  }
  friend bool operator==(const decoder_stats&, const decoder_stats&) = default;
};

namespace detail {
// A non-owning reference to a callable, so frame_decoder::feed() can take a
// lambda without allocating and without being a template.
template <class Signature>
class function_ref;

template <class R, class... Args>
class function_ref<R(Args...)> {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, function_ref> && std::is_object_v<std::remove_reference_t<F>> &&
             std::is_invocable_r_v<R, F&, Args...>)
  function_ref(F&& f) noexcept  // NOLINT: implicit on purpose, like std::function
      : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* object, Args... args) -> R {
          return std::invoke(*static_cast<std::remove_reference_t<F>*>(object), std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};
}  // namespace detail

/// Called for each good frame.
using frame_handler = detail::function_ref<void(const frame_view&)>;
/// Called for each refused frame with its raw bytes as received (COBS-encoded,
/// without the 0x00). For an oversize frame these are only its first bytes, as
/// many as the decoder buffers. The span is valid only during the call.
using frame_error_handler = detail::function_ref<void(frame_error, std::span<const std::uint8_t>)>;

/// Splits a byte stream into frames and checks them.
///
/// Accepts the stream in chunks of any size, from one byte to megabytes; a
/// frame may span any number of chunks. Its buffers are allocated once, in the
/// constructor; feed() neither allocates nor throws on its own.
///
/// Resynchronisation: every 0x00 ends a frame. Whatever went wrong with a frame
/// (garbage, lost or corrupted bytes, a frame cut short, an oversize frame),
/// the decoder counts it under one error kind, drops it and starts afresh after
/// the next 0x00, so the frame after it is received intact. Garbage that does
/// not end in 0x00 runs into the next frame and spoils it; senders may send a
/// 0x00 before a frame to end whatever came before (empty frames are ignored).
///
/// Checks, in order: buffered size (oversize), COBS (cobs), decoded size
/// (too_short, oversize), CRC (crc), then the header (bad_version, bad_kind).
class frame_decoder {
 public:
  /// Accepts payloads up to `max_payload_size` bytes; larger frames are refused
  /// as frame_error::oversize. Allocates about 2 * max_encoded_frame_size(max_payload_size).
  /// Throws usage_error ("transport.usage") above max_supported_payload_size.
  explicit frame_decoder(std::size_t max_payload_size = default_max_payload_size);

  /// Consumes `bytes`, calling `on_frame` for every good frame completed in them.
  /// If a handler throws, the exception propagates and the rest of `bytes` is
  /// dropped; the decoder stays usable.
  void feed(std::span<const std::uint8_t> bytes, frame_handler on_frame);
  /// The same, and calls `on_error` for every refused frame.
  void feed(std::span<const std::uint8_t> bytes, frame_handler on_frame, frame_error_handler on_error);

  /// Drops a partly received frame (call it when a link reconnects), counting it
  /// in stats().truncated if there was one. Keeps the statistics.
  void reset() noexcept;

  const decoder_stats& stats() const noexcept { return stats_; }
  std::size_t max_payload_size() const noexcept { return max_payload_size_; }
  /// Bytes of a partly received frame held until its 0x00 arrives.
  std::size_t buffered_bytes() const noexcept { return raw_size_; }

 private:
  void feed_impl(std::span<const std::uint8_t> bytes, frame_handler& on_frame, frame_error_handler* on_error);
  void buffer_partial(const std::uint8_t* data, std::size_t size) noexcept;
  void finish_frame(std::span<const std::uint8_t> raw, bool oversize, frame_handler& on_frame,
                    frame_error_handler* on_error);
  void refuse(frame_error error, std::span<const std::uint8_t> raw, frame_error_handler* on_error);

  std::size_t max_payload_size_;
  std::size_t max_encoded_size_;        // a frame's COBS bytes, without the 0x00
  std::vector<std::uint8_t> raw_;       // a frame's COBS bytes until its 0x00 arrives
  std::size_t raw_size_ = 0;
  bool discarding_ = false;             // the buffered frame is oversize: drop until 0x00
  std::vector<std::uint8_t> decoded_;   // the frame after COBS decoding
  decoder_stats stats_;
};

}  // namespace comframe::transport
