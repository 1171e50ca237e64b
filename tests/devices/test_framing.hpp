// Test support: a framing with traits of our choosing, on comframe's bytes, so
// that sessions and device hosts can be tested with every kind of reply
// matching, with device addresses and without describe, whatever framings
// transport implements. With `carry_sequence` false, its frames carry no
// sequence number: the header's sequence field carries the device address
// instead (frame_header::address both ways), and max_sequence should be 0.
#pragma once

#include <memory>

#include "comframe/transport/framing.hpp"

namespace comframe::test {

class traits_framing final : public transport::framing {
 public:
  traits_framing(const transport::framing_params& p, transport::framing_traits t, bool carry_sequence)
      : inner_(transport::make_comframe_framing(p)), traits_(std::move(t)), carry_sequence_(carry_sequence) {}

  /// A factory for session_options::framing / a device host.
  static transport::framing_factory factory(transport::framing_traits t, bool carry_sequence) {
    return [t, carry_sequence](const transport::framing_params& p) -> std::unique_ptr<transport::framing> {
      return std::make_unique<traits_framing>(p, t, carry_sequence);
    };
  }

  void feed(std::span<const std::uint8_t> bytes, transport::frame_handler on_frame,
            transport::frame_error_handler on_error) override {
    inner_->feed(
        bytes,
        [&](const transport::frame_view& v) {
          if (carry_sequence_) return on_frame(v);
          transport::frame_view w = v;
          w.header.address = v.header.sequence;
          w.header.sequence = 0;
          on_frame(w);
        },
        on_error);
  }
  void reset() noexcept override { inner_->reset(); }
  const transport::decoder_stats& stats() const noexcept override { return inner_->stats(); }
  std::size_t encode(const transport::frame_header& h, std::span<const std::uint8_t> payload,
                     std::vector<std::uint8_t>& out) override {
    transport::frame_header w = h;
    if (!carry_sequence_) w.sequence = h.address;
    return inner_->encode(w, payload, out);
  }
  void append_resync(std::vector<std::uint8_t>& out) override { inner_->append_resync(out); }
  std::size_t max_payload_size() const noexcept override { return inner_->max_payload_size(); }
  std::optional<transport::frame_header> damaged_header(std::span<const std::uint8_t> raw) override {
    return inner_->damaged_header(raw);
  }
  const transport::framing_traits& traits() const noexcept override { return traits_; }

 private:
  std::unique_ptr<transport::framing> inner_;
  transport::framing_traits traits_;
  bool carry_sequence_;
};

}  // namespace comframe::test
