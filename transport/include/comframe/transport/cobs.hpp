// comframe/transport/cobs.hpp — Consistent Overhead Byte Stuffing.
//
// COBS (Cheshire and Baker, 1999) rewrites any byte string so that it contains
// no 0x00, at a cost of at most one byte per 254 (and at least one byte), so
// 0x00 can delimit frames on a byte stream. The encoding is a sequence of
// blocks: a code byte c (1..255) followed by c-1 data bytes; every block with
// c < 255 stands for its data followed by one 0x00, except the last block,
// which has no implied 0x00. A block with c == 255 has no implied 0x00 either.
// This is the variant of the paper and of Wikipedia's examples:
//   {}                 -> 01
//   00                 -> 01 01
//   11 22 00 33        -> 03 11 22 02 33
//   254 bytes 01..FE   -> FF 01 .. FE
//   255 bytes 01..FF   -> FF 01 .. FE 02 FF
//
// These functions write into buffers the caller provides and never allocate;
// they do not add or expect the 0x00 delimiter (frame.hpp does that).
//
// Example:
//   std::array<std::uint8_t, comframe::transport::cobs_max_encoded_size(4)> enc;
//   std::size_t n = comframe::transport::cobs_encode(data, enc);           // data: 4 bytes
//   std::array<std::uint8_t, 4> back;
//   std::optional<std::size_t> m = comframe::transport::cobs_decode({enc.data(), n}, back);
//
// Thread safety: the functions are reentrant; a cobs_encoder object may be
// used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "comframe/core/error.hpp"

namespace comframe::transport {

/// Most bytes that cobs_encode() writes for `size_bytes` input bytes:
/// size_bytes plus one byte per started 254 bytes, and at least 1.
constexpr std::size_t cobs_max_encoded_size(std::size_t size_bytes) noexcept {
  return size_bytes == 0 ? 1 : size_bytes + (size_bytes + 253) / 254;
}

/// COBS-encodes `data` into `out` (no trailing 0x00) and returns the number of
/// bytes written. `out` must hold cobs_max_encoded_size(data.size()) bytes,
/// else usage_error ("transport.usage") is thrown and nothing is written.
/// `data` and `out` must not overlap.
std::size_t cobs_encode(std::span<const std::uint8_t> data, std::span<std::uint8_t> out);

/// Decodes the COBS bytes `encoded` (without the 0x00 delimiter) into `out` and
/// returns the number of bytes written, or nullopt when `encoded` is not valid
/// COBS (empty, contains a 0x00, or a block that runs past its end) or when
/// `out` is too small. The decoded size is always below encoded.size(), so an
/// `out` of encoded.size() bytes always suffices. Bytes of `out` past the
/// returned size may be overwritten (with garbage), as may all of `out` after
/// a failure. `encoded` and `out` must not overlap.
std::optional<std::size_t> cobs_decode(std::span<const std::uint8_t> encoded,
                                       std::span<std::uint8_t> out) noexcept;

namespace detail {
/// cobs_decode() for input already known to hold no 0x00 (the frame decoder
/// splits the stream at every 0x00), which spares a scan. Zeros in `encoded`
/// are not detected.
std::optional<std::size_t> cobs_decode_zero_free(std::span<const std::uint8_t> encoded,
                                                 std::span<std::uint8_t> out) noexcept;
}  // namespace detail

/// COBS-encodes data that comes in several pieces as if they were one, without
/// copying them together first (the frame encoder uses it for header, payload
/// and CRC).
///
///   cobs_encoder enc(out);      // out: cobs_max_encoded_size(total input) bytes
///   enc.append(header);
///   enc.append(payload);
///   std::size_t n = enc.finish();  // bytes written to out
class cobs_encoder {
 public:
  /// Encodes into `out`; nothing is written before the first append() or finish().
  explicit cobs_encoder(std::span<std::uint8_t> out) noexcept : out_(out) {}

  /// Encodes the next piece. Throws usage_error ("transport.usage"),
  /// leaving the encoder unchanged, when `out` cannot hold
  /// cobs_max_encoded_size() of all input so far.
  void append(std::span<const std::uint8_t> data);

  /// Completes the encoding and returns the total number of bytes written.
  /// Call it once, after the last append(); an encoder given no data encodes
  /// the empty string (one byte, 01).
  std::size_t finish();

 private:
  std::span<std::uint8_t> out_;
  std::size_t consumed_bytes_ = 0;  // input so far
  std::size_t code_index_ = 0;      // where the open block's code byte goes
  std::size_t write_index_ = 1;     // next data byte
  std::size_t run_bytes_ = 0;       // data bytes in the open block (0..254)
  bool block_open_ = true;          // false right after a full 254-byte block
};

}  // namespace comframe::transport
