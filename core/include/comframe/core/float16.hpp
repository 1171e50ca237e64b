// comframe/core/float16.hpp — IEEE 754 binary16, the schema's "f2".
//
// core::float16 holds the 16 bits of a half-precision float; converting to
// float is exact, converting from double (or float) rounds to the nearest
// half, ties to even, with subnormals, infinities and NaN as IEEE 754 says.
// The conversions are the compiler's own (_Float16, or clang's storage type
// __fp16 where _Float16 is missing, as in clang 14 on x86-64), not hand-written.
//
// Example:
//   core::float16 h(0.1);          // bits 0x2e66, the half nearest 0.1
//   float f = h;                    // 0.0999755859375f
//   auto b = core::encode(h, endian::big);   // 2e 66
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace comframe::core {

namespace detail {
#if defined(__FLT16_MAX__)
using half_native = _Float16;
#elif defined(__clang__)
using half_native = __fp16;  // converts with IEEE 754 rounding, like _Float16
#else
#error "comframe: core::float16 needs a compiler with _Float16 (g++ 12, clang 15) or clang's __fp16"
#endif
}  // namespace detail

/// A half-precision float (schema "f2"): 2 bytes, JSON number.
struct float16 {
  std::uint16_t bits = 0;  ///< the binary16 bit pattern: sign, 5 exponent bits, 10 fraction bits

  constexpr float16() noexcept = default;
  /// The half nearest `v` (ties to even); beyond ±65504 rounds to ±infinity as IEEE 754 does.
  explicit float16(double v) noexcept : bits(std::bit_cast<std::uint16_t>(static_cast<detail::half_native>(v))) {}
  /// The exact value as a float.
  operator float() const noexcept {  // NOLINT
    detail::half_native h;  // memcpy, not bit_cast: __fp16 cannot be a function's return type
    std::memcpy(&h, &bits, sizeof h);
    return static_cast<float>(h);
  }

  static constexpr float16 from_bits(std::uint16_t b) noexcept {
    float16 h;
    h.bits = b;
    return h;
  }
  /// Compares bit patterns: NaN equals the same NaN, and 0 differs from -0.
  friend constexpr bool operator==(float16 a, float16 b) noexcept { return a.bits == b.bits; }
};

}  // namespace comframe::core
