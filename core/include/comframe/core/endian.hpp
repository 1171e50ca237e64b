// comframe/core/endian.hpp — byte order chosen per encode/decode call.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <string_view>

namespace comframe::core {

/// Byte order of every scalar in an encoded value ("forced endianness").
/// `native` is the host's order; `little` and `big` force one regardless of host.
enum class endian : std::uint8_t { native, little, big };

/// True when values encoded with `e` must be byte-swapped on this host.
constexpr bool needs_swap(endian e) noexcept {
  if (e == endian::native) return false;
  return (e == endian::big) != (std::endian::native == std::endian::big);
}

/// "native", "little", "big".
constexpr std::string_view to_string(endian e) noexcept {
  switch (e) {
    case endian::little: return "little";
    case endian::big: return "big";
    default: return "native";
  }
}

/// The spellings parse_endian() accepts: schemas and command lines also take the
/// short "le" and "be"; a profile's "endian" is written in full only.
enum class endian_names : std::uint8_t { full_or_short, full };

/// Parses "native", "little", "big" (and, unless `names` is endian_names::full,
/// "le", "be"); nullopt for anything else.
constexpr std::optional<endian> parse_endian(std::string_view s,
                                             endian_names names = endian_names::full_or_short) noexcept {
  const bool short_ok = names == endian_names::full_or_short;
  if (s == "native") return endian::native;
  if (s == "little" || (short_ok && s == "le")) return endian::little;
  if (s == "big" || (short_ok && s == "be")) return endian::big;
  return std::nullopt;
}

}  // namespace comframe::core
