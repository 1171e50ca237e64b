#include "comframe/transport/framing.hpp"

#include <algorithm>
#include <string>

#include "comframe/core/error.hpp"
#include "comframe/transport/frame_parse.hpp"

namespace comframe::transport {

namespace {

// frame.hpp's encoder and decoder behind the framing interface.
class comframe_framing final : public framing {
 public:
  explicit comframe_framing(const framing_params& p) : decoder_(p.max_payload_size), max_payload_(p.max_payload_size) {}

  void feed(std::span<const std::uint8_t> bytes, frame_handler on_frame, frame_error_handler on_error) override {
    decoder_.feed(bytes, on_frame, on_error);
  }
  void reset() noexcept override { decoder_.reset(); }
  const decoder_stats& stats() const noexcept override { return decoder_.stats(); }

  std::size_t encode(const frame_header& header, std::span<const std::uint8_t> payload,
                     std::vector<std::uint8_t>& out) override {
    const std::size_t at = out.size();
    if (payload.size() > max_payload_)
      throw usage_error("transport", "payload of " + std::to_string(payload.size()) +
                                                     " bytes is over the encoder's maximum of " +
                                                     std::to_string(max_payload_));
    out.resize(at + max_encoded_frame_size(payload.size()));
    const std::size_t n = encode_frame(header, payload, std::span<std::uint8_t>(out).subspan(at));
    out.resize(at + n);
    return n;
  }

  void append_resync(std::vector<std::uint8_t>& out) override { out.push_back(0x00); }

  std::size_t max_payload_size() const noexcept override { return max_payload_; }

  std::optional<frame_header> damaged_header(std::span<const std::uint8_t> raw) override {
    scratch_.resize(raw.size());
    const auto n = cobs_decode(raw, scratch_);
    if (!n || *n < header_size_bytes) return std::nullopt;
    const auto u16 = [&](std::size_t at) { return static_cast<std::uint16_t>(scratch_[at] | scratch_[at + 1] << 8); };
    return frame_header{scratch_[0], static_cast<frame_kind>(scratch_[1]), u16(2), u16(4)};  // header_endian: little
  }

 private:
  frame_decoder decoder_;
  std::size_t max_payload_;
  std::vector<std::uint8_t> scratch_;  // a refused frame, COBS-decoded to read its header
};

}  // namespace

std::string_view to_string(reply_match m) noexcept {
  switch (m) {
    case reply_match::sequence: return "sequence";
    case reply_match::command: return "command";
    case reply_match::order: return "order";
    case reply_match::address_command: return "address_command";
  }
  return "unknown";
}

const framing_traits& framing::traits() const noexcept {
  static const framing_traits comframe_traits{};
  return comframe_traits;
}

std::size_t framing::write_kept(const frame_header& header, std::span<const std::uint8_t> payload,
                                std::vector<std::uint8_t>& out) {
  if (payload.size() > max_payload_size())
    throw usage_error("transport", "payload of " + std::to_string(payload.size()) +
                                       " bytes is over the encoder's maximum of " + std::to_string(max_payload_size()));
  const std::size_t at = out.size();
  out.resize(at + frame_size(payload.size()));
  return write_frame_bytes(header, payload, std::span<std::uint8_t>(out).subspan(at));
}

std::optional<frame_view> framing::parse_kept(std::span<const std::uint8_t> bytes, direction dir,
                                              frame_error* why) const {
  (void)dir;
  auto f = parse_frame(bytes);
  if (f) return *f;
  if (why != nullptr) *why = f.error();
  return std::nullopt;
}

// devices::error_payload, written out: u16 code little-endian, then the text.
std::optional<device_error_reply> framing::read_error(std::span<const std::uint8_t> payload) const {
  if (payload.size() < 2) return std::nullopt;
  return device_error_reply{static_cast<std::uint16_t>(payload[0] | payload[1] << 8),
                            std::string(payload.begin() + 2, payload.end())};
}

std::vector<std::uint8_t> framing::error_payload(std::uint16_t code, std::string_view message) const {
  std::vector<std::uint8_t> out(2 + message.size());
  out[0] = static_cast<std::uint8_t>(code & 0xFF);
  out[1] = static_cast<std::uint8_t>(code >> 8);
  std::copy(message.begin(), message.end(), out.begin() + 2);
  return out;
}

std::unique_ptr<framing> make_comframe_framing(const framing_params& params) {
  return std::make_unique<comframe_framing>(params);
}

}  // namespace comframe::transport
