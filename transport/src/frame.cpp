// Frame encoder and the streaming frame decoder.
#include "comframe/transport/frame.hpp"
#include "comframe/transport/frame_parse.hpp"
#include "comframe/transport/frame_record.hpp"
#include "comframe/transport/framing.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "comframe/core/hex.hpp"
#include "comframe/transport/frame_header_codec.hpp"
#include "comframe/transport/crc32c.hpp"

namespace comframe::transport {
namespace {

void store_le32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v >> 16);
  p[3] = static_cast<std::uint8_t>(v >> 24);
}

std::uint32_t load_le32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// Checked before any buffer is sized from it.
std::size_t checked_max_payload(std::size_t max_payload_size) {
  if (max_payload_size > max_supported_payload_size)
    throw usage_error("transport", "max_payload_size " + std::to_string(max_payload_size) +
                                                   " is over the supported " +
                                                   std::to_string(max_supported_payload_size) + " bytes");
  return max_payload_size;
}

}  // namespace

std::string command_id_text(std::uint16_t id) {
  std::string text = "0x";
  core::append_hex(text, static_cast<std::uint8_t>(id >> 8));
  core::append_hex(text, static_cast<std::uint8_t>(id & 0xff));
  return text;
}

std::string_view to_string(frame_kind kind) noexcept {
  switch (kind) {
    case frame_kind::request: return "request";
    case frame_kind::response: return "response";
    case frame_kind::event: return "event";
    case frame_kind::error: return "error";
  }
  return "unknown";
}

std::string_view to_string(frame_error error) noexcept {
  switch (error) {
    case frame_error::cobs: return "cobs";
    case frame_error::too_short: return "too_short";
    case frame_error::oversize: return "oversize";
    case frame_error::crc: return "crc";
    case frame_error::bad_version: return "bad_version";
    case frame_error::bad_kind: return "bad_kind";
    case frame_error::escape: return "escape";
    case frame_error::length: return "length";
  }
  return "unknown";
}

// ---- encoding ---------------------------------------------------------------

std::size_t encode_frame(const frame_header& header, std::span<const std::uint8_t> payload,
                         std::span<std::uint8_t> out) {
  const std::size_t need = max_encoded_frame_size(payload.size());
  if (out.size() < need)
    throw usage_error("transport", "frame output buffer holds " + std::to_string(out.size()) +
                                                   " bytes, but a frame with a " + std::to_string(payload.size()) +
                                                   "-byte payload needs up to " + std::to_string(need));
  std::array<std::uint8_t, header_size_bytes> head;
  core::encode(header, std::span<std::uint8_t>(head), header_endian);
  std::array<std::uint8_t, crc_size_bytes> crc;
  store_le32(crc.data(), crc32c(payload, crc32c(head)));

  // COBS straight from the three pieces: no copy of the payload.
  cobs_encoder cobs(out.first(need - 1));
  cobs.append(head);
  cobs.append(payload);
  cobs.append(crc);
  const std::size_t n = cobs.finish();
  out[n] = 0x00;
  return n + 1;
}

std::string_view to_string(direction dir) noexcept {
  switch (dir) {
    case direction::to_device: return "to_device";
    case direction::from_device: return "from_device";
  }
  return "unknown";
}

std::size_t write_frame_bytes(const frame_header& header, std::span<const std::uint8_t> payload,
                              std::span<std::uint8_t> out) {
  const std::size_t need = frame_size(payload.size());
  if (out.size() < need)
    throw usage_error("transport", "frame output buffer holds " + std::to_string(out.size()) +
                                                   " bytes, but a frame with a " + std::to_string(payload.size()) +
                                                   "-byte payload needs " + std::to_string(need));
  core::encode(header, out.first(header_size_bytes), header_endian);
  if (!payload.empty()) std::memcpy(out.data() + header_size_bytes, payload.data(), payload.size());
  const std::size_t crc_offset = header_size_bytes + payload.size();
  store_le32(out.data() + crc_offset, crc32c(out.first(crc_offset)));
  return need;
}

std::vector<std::uint8_t> frame_bytes(const frame_header& header, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> out(frame_size(payload.size()));
  write_frame_bytes(header, payload, out);
  return out;
}

comframe::result<frame_view, frame_error> parse_frame(std::span<const std::uint8_t> bytes) noexcept {
  auto fail = [](frame_error e) -> comframe::result<frame_view, frame_error> { return e; };
  const std::size_t size = bytes.size();
  if (size < min_frame_size_bytes) return fail(frame_error::too_short);
  const std::uint8_t* const frame = bytes.data();
  const std::size_t crc_offset = size - crc_size_bytes;
  if (crc32c({frame, crc_offset}) != load_le32(frame + crc_offset)) return fail(frame_error::crc);
  frame_view view;
  core::decode_into(std::span<const std::uint8_t>(frame, header_size_bytes), view.header, header_endian);
  if (view.header.version != protocol_version) return fail(frame_error::bad_version);
  if (static_cast<std::uint8_t>(view.header.kind) > static_cast<std::uint8_t>(frame_kind::error))
    return fail(frame_error::bad_kind);
  view.payload = {frame + header_size_bytes, crc_offset - header_size_bytes};
  view.bytes = bytes;
  return view;
}

std::optional<frame_view> recorded_frame::frame() const noexcept {
  if (flags & (record_flag::refused | record_flag::truncated)) return std::nullopt;
  if (auto f = parse_frame(bytes)) return *f;
  return std::nullopt;
}

std::optional<frame_view> recorded_frame::frame(const framing* kept) const noexcept {
  if (!kept) return frame();
  if (flags & (record_flag::refused | record_flag::truncated)) return std::nullopt;
  return kept->parse_kept(bytes, dir);
}

frame_header decode_frame_header(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < header_size_bytes)
    throw usage_error("transport", "a frame header needs " + std::to_string(header_size_bytes) +
                                                   " bytes, got " + std::to_string(bytes.size()));
  return core::decode<frame_header>(bytes.first(header_size_bytes), header_endian);
}

std::vector<std::uint8_t> encode_frame(const frame_header& header, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> out(max_encoded_frame_size(payload.size()));
  out.resize(encode_frame(header, payload, out));
  return out;
}

frame_encoder::frame_encoder(std::size_t max_payload_size)
    : max_payload_size_(checked_max_payload(max_payload_size)), buffer_(max_encoded_frame_size(max_payload_size_)) {}

std::span<const std::uint8_t> frame_encoder::encode(const frame_header& header,
                                                    std::span<const std::uint8_t> payload) {
  if (payload.size() > max_payload_size_)
    throw usage_error("transport", "payload of " + std::to_string(payload.size()) +
                                                   " bytes is over the encoder's maximum of " +
                                                   std::to_string(max_payload_size_));
  return {buffer_.data(), encode_frame(header, payload, buffer_)};
}

// ---- decoding ---------------------------------------------------------------

frame_decoder::frame_decoder(std::size_t max_payload_size)
    : max_payload_size_(checked_max_payload(max_payload_size)),
      max_encoded_size_(max_encoded_frame_size(max_payload_size_) - 1),
      raw_(max_encoded_size_),
      decoded_(max_encoded_size_) {}

void frame_decoder::feed(std::span<const std::uint8_t> bytes, frame_handler on_frame) {
  feed_impl(bytes, on_frame, nullptr);
}

void frame_decoder::feed(std::span<const std::uint8_t> bytes, frame_handler on_frame,
                         frame_error_handler on_error) {
  feed_impl(bytes, on_frame, &on_error);
}

void frame_decoder::reset() noexcept {
  if (raw_size_ != 0) ++stats_.truncated;
  raw_size_ = 0;
  discarding_ = false;
}

void frame_decoder::feed_impl(std::span<const std::uint8_t> bytes, frame_handler& on_frame,
                              frame_error_handler* on_error) {
  stats_.bytes += bytes.size();
  const std::uint8_t* p = bytes.data();
  const std::uint8_t* const end = p + bytes.size();
  while (p != end) {
    const auto* zero = static_cast<const std::uint8_t*>(std::memchr(p, 0, static_cast<std::size_t>(end - p)));
    if (zero == nullptr) {
      buffer_partial(p, static_cast<std::size_t>(end - p));
      return;
    }
    const auto size = static_cast<std::size_t>(zero - p);
    if (raw_size_ == 0) {
      // The whole frame is in this chunk: check it where it lies.
      finish_frame({p, size}, false, on_frame, on_error);
    } else {
      buffer_partial(p, size);
      const std::size_t raw_size = raw_size_;
      const bool oversize = discarding_;
      // Ready for the next frame before any handler runs, in case it throws.
      raw_size_ = 0;
      discarding_ = false;
      finish_frame({raw_.data(), raw_size}, oversize, on_frame, on_error);
    }
    p = zero + 1;
  }
}

void frame_decoder::buffer_partial(const std::uint8_t* data, std::size_t size) noexcept {
  if (discarding_ || size == 0) return;
  const std::size_t room = max_encoded_size_ - raw_size_;
  if (size > room) {
    // Keep the start for the error handler, drop the rest as it streams by.
    std::memcpy(raw_.data() + raw_size_, data, room);
    raw_size_ = max_encoded_size_;
    discarding_ = true;
    return;
  }
  std::memcpy(raw_.data() + raw_size_, data, size);
  raw_size_ += size;
}

void frame_decoder::refuse(frame_error error, std::span<const std::uint8_t> raw, frame_error_handler* on_error) {
  switch (error) {
    case frame_error::cobs: ++stats_.cobs_errors; break;
    case frame_error::too_short: ++stats_.too_short; break;
    case frame_error::oversize: ++stats_.oversize; break;
    case frame_error::crc: ++stats_.crc_errors; break;
    case frame_error::bad_version: ++stats_.bad_version; break;
    case frame_error::bad_kind: ++stats_.bad_kind; break;
    case frame_error::escape: ++stats_.escape_errors; break;
    case frame_error::length: ++stats_.length_errors; break;
  }
  if (on_error != nullptr) (*on_error)(error, raw);
}

void frame_decoder::finish_frame(std::span<const std::uint8_t> raw, bool oversize, frame_handler& on_frame,
                                 frame_error_handler* on_error) {
  if (raw.empty()) {
    ++stats_.empty_frames;
    return;
  }
  if (oversize || raw.size() > max_encoded_size_) {
    refuse(frame_error::oversize, raw.first(std::min(raw.size(), max_encoded_size_)), on_error);
    return;
  }
  // decoded_ holds max_encoded_size_ bytes, more than any decoding of `raw`.
  const std::optional<std::size_t> decoded = detail::cobs_decode_zero_free(raw, decoded_);  // split at 0x00s
  if (!decoded) {
    refuse(frame_error::cobs, raw, on_error);
    return;
  }
  const std::size_t size = *decoded;
  if (size < min_frame_size_bytes) {
    refuse(frame_error::too_short, raw, on_error);
    return;
  }
  if (size > min_frame_size_bytes + max_payload_size_) {
    refuse(frame_error::oversize, raw, on_error);
    return;
  }
  const auto view = parse_frame({decoded_.data(), size});
  if (!view) {
    refuse(view.error(), raw, on_error);
    return;
  }
  ++stats_.frames;
  on_frame(*view);
}

}  // namespace comframe::transport
