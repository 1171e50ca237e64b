// COBS with memchr/memcpy over whole runs: the byte loop of the textbook
// version costs several times more on the long zero-free runs of real payloads.
#include "comframe/transport/cobs.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace comframe::transport {
namespace {

constexpr std::size_t max_run_bytes = 254;

[[noreturn]] void throw_small_output(std::size_t have, std::size_t need) {
  throw codec_usage_error("transport.cobs", "COBS output buffer holds " + std::to_string(have) +
                                                " bytes, but encoding needs up to " + std::to_string(need));
}

}  // namespace

void cobs_encoder::append(std::span<const std::uint8_t> data) {
  const std::size_t need = cobs_max_encoded_size(consumed_bytes_ + data.size());
  if (out_.size() < need) throw_small_output(out_.size(), need);
  consumed_bytes_ += data.size();

  std::uint8_t* const out = out_.data();
  const std::uint8_t* p = data.data();
  const std::uint8_t* const end = p + data.size();
  while (p != end) {
    if (!block_open_) {
      code_index_ = write_index_++;
      run_bytes_ = 0;
      block_open_ = true;
    }
    const std::size_t span_bytes = std::min<std::size_t>(max_run_bytes - run_bytes_, static_cast<std::size_t>(end - p));
    const auto* zero = static_cast<const std::uint8_t*>(std::memchr(p, 0, span_bytes));
    if (zero != nullptr) {
      const auto k = static_cast<std::size_t>(zero - p);
      std::memcpy(out + write_index_, p, k);
      write_index_ += k;
      out[code_index_] = static_cast<std::uint8_t>(run_bytes_ + k + 1);
      // The zero itself becomes the next block's code byte.
      code_index_ = write_index_++;
      run_bytes_ = 0;
      p = zero + 1;
    } else {
      std::memcpy(out + write_index_, p, span_bytes);
      write_index_ += span_bytes;
      run_bytes_ += span_bytes;
      p += span_bytes;
      if (run_bytes_ == max_run_bytes) {
        out[code_index_] = 0xFF;
        block_open_ = false;  // a full block implies no zero; open the next one lazily
      }
    }
  }
}

std::size_t cobs_encoder::finish() {
  if (out_.empty()) throw_small_output(0, 1);
  if (block_open_) out_[code_index_] = static_cast<std::uint8_t>(run_bytes_ + 1);
  return write_index_;
}

std::size_t cobs_encode(std::span<const std::uint8_t> data, std::span<std::uint8_t> out) {
  cobs_encoder encoder(out);
  encoder.append(data);
  return encoder.finish();
}

std::optional<std::size_t> cobs_decode(std::span<const std::uint8_t> encoded, std::span<std::uint8_t> out) noexcept {
  const std::size_t n = encoded.size();
  if (n == 0 || std::memchr(encoded.data(), 0, n) != nullptr) return std::nullopt;
  const std::uint8_t* const in = encoded.data();
  std::uint8_t* const dst = out.data();
  const std::size_t capacity = out.size();
  std::size_t i = 0;
  std::size_t o = 0;
  while (i < n) {
    const std::size_t code = in[i];
    const std::size_t k = code - 1;
    if (k > n - i - 1 || k > capacity - o) return std::nullopt;
    if (k != 0) std::memcpy(dst + o, in + i + 1, k);
    o += k;
    i += code;
    if (code != 0xFF && i < n) {
      if (o == capacity) return std::nullopt;
      dst[o++] = 0;
    }
  }
  return o;
}

}  // namespace comframe::transport
