// framing_check.hpp (private) — the check of a framing_spec as a callable:
// the named CRCs through Boost.CRC's crc_optimal, CRCs given by parameters
// through a 256-entry table built once (from boost::crc_basic) when the
// framing is made, sum-8 and xor-8.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "comframe/transport/framing_spec.hpp"

namespace comframe::transport::detail {

class check_engine {
 public:
  check_engine() = default;
  explicit check_engine(const framing_spec& spec);

  /// The check value of `bytes` (the low size() bytes count).
  std::uint64_t compute(std::span<const std::uint8_t> bytes) const noexcept;
  /// Bytes the check takes on the wire.
  std::size_t size() const noexcept { return size_; }

 private:
  using named_fn = std::uint64_t (*)(std::span<const std::uint8_t>);
  check_kind kind_ = check_kind::none;
  std::size_t size_ = 0;
  named_fn named_ = nullptr;  // a named CRC: its crc_optimal
  // CRC by parameters, table-driven
  unsigned width_ = 0;
  bool reflected_ = false;     // refin: the register is kept reflected
  bool reflect_out_ = false;   // the result is reflected once more (refin != refout)
  std::uint64_t init_ = 0;     // as the register starts (reflected when refin)
  std::uint64_t xorout_ = 0;
  std::uint64_t mask_ = 0;
  std::array<std::uint64_t, 256> table_{};
};

}  // namespace comframe::transport::detail
