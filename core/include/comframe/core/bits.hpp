// comframe/core/bits.hpp — integers of any width and fields measured in bits:
// the byte- and bit-level primitives both faces share.
//
// Odd-width integers (u24, i40, …) take whole bytes, in the byte order of the
// call or the one the schema fixes for them, like any other number.
//
// A bit record is read as a stream of bits numbered from 0:
//   bit_order::msb  bit i is bit (7 - i % 8) of byte i / 8, and a field's first
//                   bit is its value's most significant bit (bitstruct, bpack's
//                   default, network headers): fields 0xa, 0xb of 4 bits → "ab".
//   bit_order::lsb  bit i is bit (i % 8) of byte i / 8, and a field's first bit
//                   is its value's least significant bit (C bit fields as g++
//                   lays them out on a little-endian host): fields 0xa, 0xb → "ba".
// The byte order of a call does not apply inside a bit record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace comframe::core {

/// Which end of a byte a bit record starts at (see the header comment).
enum class bit_order : std::uint8_t { msb, lsb };

constexpr std::string_view to_string(bit_order o) noexcept { return o == bit_order::msb ? "msb" : "lsb"; }

constexpr std::optional<bit_order> parse_bit_order(std::string_view s) noexcept {
  if (s == "msb") return bit_order::msb;
  if (s == "lsb") return bit_order::lsb;
  return std::nullopt;
}

namespace detail {

constexpr std::uint64_t low_mask(unsigned width) noexcept {
  return width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
}

/// Sign-extends the low `width` bits of `v`.
constexpr std::int64_t sign_extend(std::uint64_t v, unsigned width) noexcept {
  if (width >= 64) return static_cast<std::int64_t>(v);
  const std::uint64_t sign = std::uint64_t{1} << (width - 1);
  v &= low_mask(width);
  return static_cast<std::int64_t>((v ^ sign) - sign);
}

/// The `width`-bit field at bit `offset` of the record at `p`.
constexpr std::uint64_t read_bits(const std::uint8_t* p, std::size_t offset, unsigned width, bit_order o) noexcept {
  std::uint64_t v = 0;
  unsigned done = 0;
  while (done < width) {
    const std::size_t pos = offset + done;
    const unsigned bit = static_cast<unsigned>(pos % 8);
    const unsigned take = (8 - bit) < (width - done) ? (8 - bit) : (width - done);
    const unsigned mask = (1u << take) - 1;
    if (o == bit_order::msb) {
      v = (v << take) | ((p[pos / 8] >> (8 - bit - take)) & mask);
    } else {
      v |= static_cast<std::uint64_t>((p[pos / 8] >> bit) & mask) << done;
    }
    done += take;
  }
  return v;
}

/// Writes the low `width` bits of `v` as the field at bit `offset`; other bits are kept.
constexpr void write_bits(std::uint8_t* p, std::size_t offset, unsigned width, std::uint64_t v, bit_order o) noexcept {
  unsigned done = 0;
  while (done < width) {
    const std::size_t pos = offset + done;
    const unsigned bit = static_cast<unsigned>(pos % 8);
    const unsigned take = (8 - bit) < (width - done) ? (8 - bit) : (width - done);
    const unsigned mask = (1u << take) - 1;
    unsigned chunk, shift;
    if (o == bit_order::msb) {
      chunk = static_cast<unsigned>(v >> (width - done - take)) & mask;
      shift = 8 - bit - take;
    } else {
      chunk = static_cast<unsigned>(v >> done) & mask;
      shift = bit;
    }
    std::uint8_t& b = p[pos / 8];
    b = static_cast<std::uint8_t>((b & ~(mask << shift)) | (chunk << shift));
    done += take;
  }
}

/// An integer of `n` bytes (1 to 8) at `p`, big-endian when `big`.
constexpr std::uint64_t load_uint(const std::uint8_t* p, std::size_t n, bool big) noexcept {
  std::uint64_t v = 0;
  if (big) {
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  } else {
    for (std::size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  }
  return v;
}

constexpr void store_uint(std::uint8_t* p, std::size_t n, std::uint64_t v, bool big) noexcept {
  if (big) {
    for (std::size_t i = n; i-- > 0; v >>= 8) p[i] = static_cast<std::uint8_t>(v);
  } else {
    for (std::size_t i = 0; i < n; ++i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
  }
}

}  // namespace detail
}  // namespace comframe::core
