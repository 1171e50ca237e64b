// comframe/core/flags.hpp — a flag set: a bit mask over an unsigned integer
// whose bits have names (schema {"flags": "u8", "values": {"ready": 0, …}}).
//
// The names come from an enum described with BOOST_DESCRIBE_ENUM whose
// enumerator values are bit positions (0 = the least significant bit):
//
//   enum class status_bit : std::uint8_t { ready = 0, error = 3 };
//   BOOST_DESCRIBE_ENUM(status_bit, ready, error)
//   core::flags<status_bit> s{status_bit::ready, status_bit::error};   // bits 0x09
//   s.has(status_bit::error);     // true
//   core::to_json(s);             // ["ready", "error"]
//
// The bits are stored as the integer `Base` (by default the unsigned type of the
// enum's width), in the call's byte order like any integer. Decoding refuses a
// set bit that has no name (core.invalid_bytes), as it refuses an enum value
// without a name; to_json of a program's own value lists such a bit as its number.
#pragma once

#include <initializer_list>
#include <type_traits>

namespace comframe::core {

/// A set of the flags E (bit positions) stored in the unsigned integer Base.
template <class E, class Base = std::make_unsigned_t<std::underlying_type_t<E>>>
struct flags {
  static_assert(std::is_enum_v<E>, "comframe: flags<E, Base> names its bits with an enum E (values are bit positions)");
  static_assert(std::is_unsigned_v<Base> && !std::is_same_v<Base, bool>,
                "comframe: the base of flags<E, Base> is an unsigned integer type");
  using enum_type = E;
  using base_type = Base;
  Base bits{};  ///< bit i set = the flag at position i is set

  constexpr flags() noexcept = default;
  constexpr flags(std::initializer_list<E> set) noexcept {  // NOLINT: {a, b} reads as the set of a and b
    for (E e : set) bits = static_cast<Base>(bits | mask(e));
  }
  static constexpr flags from_bits(Base b) noexcept {
    flags f;
    f.bits = b;
    return f;
  }
  /// The bit of flag `e`.
  static constexpr Base mask(E e) noexcept {
    return static_cast<Base>(Base{1} << static_cast<unsigned>(static_cast<std::underlying_type_t<E>>(e)));
  }
  constexpr bool has(E e) const noexcept { return (bits & mask(e)) != 0; }
  constexpr flags& set(E e, bool on = true) noexcept {
    bits = static_cast<Base>(on ? (bits | mask(e)) : (bits & ~mask(e)));
    return *this;
  }
  friend constexpr bool operator==(const flags&, const flags&) = default;
};

namespace detail {
template <class T> struct flags_traits : std::false_type {};
template <class E, class B> struct flags_traits<flags<E, B>> : std::true_type {};
}  // namespace detail

}  // namespace comframe::core
