// comframe/core/scalar.hpp — the C scalars a Number can hold, and how they
// become bytes.
#pragma once

#include <bit>
#include <climits>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <type_traits>

namespace comframe::core {

/// The scalar types of the schema language. The enumerator order is stable.
enum class scalar : std::uint8_t { u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, boolean, character };

/// Schema name of a scalar: "u8" … "f64", "bool", "char".
constexpr std::string_view to_string(scalar s) noexcept {
  constexpr std::string_view names[] = {"u8",  "u16", "u32", "u64", "i8",   "i16",
                                        "i32", "i64", "f32", "f64", "bool", "char"};
  return names[static_cast<std::size_t>(s)];
}

/// Parses a scalar's schema name; nullopt if `name` is not one.
constexpr std::optional<scalar> parse_scalar(std::string_view name) noexcept {
  for (std::uint8_t i = 0; i <= static_cast<std::uint8_t>(scalar::character); ++i)
    if (to_string(static_cast<scalar>(i)) == name) return static_cast<scalar>(i);
  return std::nullopt;
}

/// Size in bytes of a scalar.
constexpr std::size_t size_of(scalar s) noexcept {
  switch (s) {
    case scalar::u8: case scalar::i8: case scalar::boolean: case scalar::character: return 1;
    case scalar::u16: case scalar::i16: return 2;
    case scalar::u32: case scalar::i32: case scalar::f32: return 4;
    default: return 8;
  }
}

/// A C++ type that the static face encodes as a Number.
template <class T>
concept number_type = (std::is_arithmetic_v<T> || std::is_enum_v<T>) && !std::is_same_v<T, long double>;

namespace detail {
template <class T, bool = std::is_enum_v<T>>
struct number_repr { using type = T; };
template <class T>
struct number_repr<T, true> { using type = std::underlying_type_t<T>; };
template <class T>
using number_repr_t = typename number_repr<T>::type;
}

/// The scalar a C++ number type encodes as. `char` is "char"; `signed char` and
/// `unsigned char` are i8 and u8; enums take their underlying type.
template <number_type T>
constexpr scalar scalar_of() noexcept {
  using R = detail::number_repr_t<T>;
  static_assert(sizeof(R) <= 8, "comframe: integers wider than 64 bits are not supported");
  if constexpr (std::is_same_v<R, bool>) return scalar::boolean;
  else if constexpr (std::is_same_v<R, char>) return scalar::character;
  else if constexpr (std::is_floating_point_v<R>) {
    static_assert(sizeof(R) == 4 || sizeof(R) == 8, "comframe: only 32- and 64-bit floating point");
    return sizeof(R) == 4 ? scalar::f32 : scalar::f64;
  } else if constexpr (std::is_signed_v<R>) {
    constexpr scalar s[] = {scalar::i8, scalar::i16, scalar::i8, scalar::i32,
                            scalar::i8, scalar::i8,  scalar::i8, scalar::i64};
    return s[sizeof(R) - 1];
  } else {
    constexpr scalar s[] = {scalar::u8, scalar::u16, scalar::u8, scalar::u32,
                            scalar::u8, scalar::u8,  scalar::u8, scalar::u64};
    return s[sizeof(R) - 1];
  }
}

/// The C conversion that UD003's SerNumber applies: integers wrap modulo 2^N,
/// so c_cast<std::uint16_t>(-3456) == 62080 and c_cast<std::uint16_t>(100000) == 34464.
/// Floating-point targets take the nearest value. Use it where wrapping is wanted;
/// the JSON decoders refuse out-of-range values unless asked to be lenient.
template <class To, class From>
  requires std::is_arithmetic_v<To> && std::is_arithmetic_v<From>
constexpr To c_cast(From v) noexcept {
  if constexpr (std::is_same_v<To, bool>) return v != From{};
  else if constexpr (std::is_integral_v<To> && std::is_integral_v<From>)
    return static_cast<To>(static_cast<std::make_unsigned_t<To>>(v));  // modular since C++20
  else return static_cast<To>(v);
}

/// Calls `f(std::type_identity<C>{})` with the C++ type C of scalar `s`
/// (bool for boolean, char for character), returning what `f` returns.
template <class F>
constexpr decltype(auto) visit_scalar(scalar s, F&& f) {
  switch (s) {
    case scalar::u8: return f(std::type_identity<std::uint8_t>{});
    case scalar::u16: return f(std::type_identity<std::uint16_t>{});
    case scalar::u32: return f(std::type_identity<std::uint32_t>{});
    case scalar::u64: return f(std::type_identity<std::uint64_t>{});
    case scalar::i8: return f(std::type_identity<std::int8_t>{});
    case scalar::i16: return f(std::type_identity<std::int16_t>{});
    case scalar::i32: return f(std::type_identity<std::int32_t>{});
    case scalar::i64: return f(std::type_identity<std::int64_t>{});
    case scalar::f32: return f(std::type_identity<float>{});
    case scalar::f64: return f(std::type_identity<double>{});
    case scalar::boolean: return f(std::type_identity<bool>{});
    default: return f(std::type_identity<char>{});
  }
}

namespace detail {

template <class U>
constexpr U bswap(U v) noexcept {
  if constexpr (sizeof(U) == 1) return v;
  else if constexpr (sizeof(U) == 2) return static_cast<U>(__builtin_bswap16(static_cast<std::uint16_t>(v)));
  else if constexpr (sizeof(U) == 4) return static_cast<U>(__builtin_bswap32(static_cast<std::uint32_t>(v)));
  else return static_cast<U>(__builtin_bswap64(static_cast<std::uint64_t>(v)));
}

template <std::size_t N> struct uint_of_size;
template <> struct uint_of_size<1> { using type = std::uint8_t; };
template <> struct uint_of_size<2> { using type = std::uint16_t; };
template <> struct uint_of_size<4> { using type = std::uint32_t; };
template <> struct uint_of_size<8> { using type = std::uint64_t; };

/// Writes one number's bytes at `p`, swapped when `Swap`.
template <bool Swap, number_type T>
inline void store(std::uint8_t* p, T value) noexcept {
  using U = typename uint_of_size<sizeof(T)>::type;
  U bits;
  if constexpr (std::is_same_v<T, bool>) bits = value ? 1 : 0;
  else std::memcpy(&bits, &value, sizeof bits);
  if constexpr (Swap) bits = bswap(bits);
  std::memcpy(p, &bits, sizeof bits);
}

/// Reads one number's bytes at `p`. For bool, returns false and sets `ok` to
/// false when the byte is neither 0 nor 1.
template <bool Swap, number_type T>
inline T load(const std::uint8_t* p, bool& ok) noexcept {
  using U = typename uint_of_size<sizeof(T)>::type;
  U bits;
  std::memcpy(&bits, p, sizeof bits);
  if constexpr (Swap) bits = bswap(bits);
  if constexpr (std::is_same_v<T, bool>) {
    ok &= bits <= 1;
    return bits == 1;
  } else {
    T value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }
}

}  // namespace detail
}  // namespace comframe::core
