// comframe/core/layout.hpp — static-face types for device formats beyond whole
// C scalars: odd-width integers, fixed-size text and bytes, reserved bytes,
// a byte order per field, and bit fields. Included by comframe/core/codec.hpp.
//
//   core::uint_n<24> / core::u24, core::int_n<40> / core::i40   integers of whole bytes (schema "u24", "i40")
//   core::fixed_string<N>      N bytes of UTF-8 padded with NULs (schema "text[N]"), JSON string
//   core::fixed_bytes<N>       N raw bytes (schema "bytes[N]"), JSON hex string
//   core::reserved<N>          a struct member of N zero bytes: skipped on decode, not in JSON
//                              (schema: the next field's "offset", or the struct's "size")
//   core::big<T>, core::little<T>  a struct member whose bytes are always in that order (schema "endian")
//   core::reserved_bits<W>     W zero bits in a bit record (schema: the next field's "offset")
//   core::bit_field<T, W>      a field of W bits (T bool, an integer or an enum); a described
//                              struct whose members are all bit fields is a bit record
//                              (schema {"bits": […]}), most significant bit first unless
//                              core::bit_order_of<T> is specialised to bit_order::lsb.
//   core::counted<std::vector<T>, "n", Unit>  a struct member: a dynamic array whose length the
//                              earlier member "n" (an unsigned integer) holds, in elements or
//                              bytes (schema {"type": "T[]", "count": "n", "count_unit": …});
//                              encode writes n from the length, decode reads it.
//   An enum described with BOOST_DESCRIBE_ENUM is an enumeration: JSON uses its names.
//
// Example:
//   struct Status { core::bit_field<bool, 1> ready; core::bit_field<std::uint8_t, 7> channel; };
//   BOOST_DESCRIBE_STRUCT(Status, (), (ready, channel))
//   struct Header { Status status; core::big<core::u24> counter; core::reserved<2> spare; };
//   BOOST_DESCRIBE_STRUCT(Header, (), (status, counter, spare))
//   static_assert(core::fixed_size<Header>() == 6);
//
// The wrappers convert to and from their value type, so `h.counter = 5;` and
// `h.counter + 1` read as they would for the plain integer. An integer_n or a
// bit_field keeps only its low bits when encoded, as a C cast would.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include "comframe/core/bits.hpp"
#include "comframe/core/endian.hpp"
#include "comframe/core/type_kind.hpp"

namespace comframe::core {

/// An integer of `Bits` bits (whole bytes in a struct; see bit_field for fewer).
template <unsigned Bits, bool Signed>
struct integer_n {
  static_assert(Bits >= 1 && Bits <= 64, "comframe: an integer is 1 to 64 bits wide");
  using value_type = std::conditional_t<Signed, std::int64_t, std::uint64_t>;
  static constexpr unsigned bits = Bits;
  static constexpr bool is_signed = Signed;
  value_type value{};
  constexpr integer_n() noexcept = default;
  constexpr integer_n(value_type v) noexcept : value(v) {}  // NOLINT: converts like the integer it stands for
  constexpr operator value_type() const noexcept { return value; }
};

template <unsigned Bits> using uint_n = integer_n<Bits, false>;
template <unsigned Bits> using int_n = integer_n<Bits, true>;
using u24 = uint_n<24>;
using u40 = uint_n<40>;
using u48 = uint_n<48>;
using u56 = uint_n<56>;
using i24 = int_n<24>;
using i40 = int_n<40>;
using i48 = int_n<48>;
using i56 = int_n<56>;

/// N bytes of UTF-8 text padded with NULs. The value is the text up to the first
/// NUL (`view()`): decoding leaves NULs after it, encoding writes NULs there.
template <std::size_t N>
struct fixed_string {
  static_assert(N > 0, "comframe: a fixed_string holds at least one byte");
  std::array<char, N> data{};
  constexpr fixed_string() noexcept = default;
  /// The first N bytes of `s`.
  constexpr fixed_string(std::string_view s) noexcept {  // NOLINT: a string literal reads as a fixed_string
    for (std::size_t i = 0; i < N && i < s.size(); ++i) data[i] = s[i];
  }
  /// The text up to the first NUL.
  constexpr std::string_view view() const noexcept {
    std::size_t n = 0;
    while (n < N && data[n] != '\0') ++n;
    return {data.data(), n};
  }
  /// Equal texts: what follows the first NUL is no part of the value.
  friend constexpr bool operator==(const fixed_string& a, const fixed_string& b) noexcept { return a.view() == b.view(); }
};

/// N raw bytes.
template <std::size_t N>
struct fixed_bytes {
  static_assert(N > 0, "comframe: fixed_bytes holds at least one byte");
  std::array<std::uint8_t, N> data{};
  friend constexpr bool operator==(const fixed_bytes&, const fixed_bytes&) = default;
};

/// N reserved bytes in a struct: zero on encode, skipped on decode, not in JSON.
template <std::size_t N>
struct reserved {
  static_assert(N > 0, "comframe: reserved<N> needs N > 0");
  friend constexpr bool operator==(reserved, reserved) noexcept { return true; }
};

/// A struct member whose bytes are always in byte order `E`, whatever the call asks.
template <class T, endian E>
struct ordered {
  using value_type = T;
  static constexpr endian order = E;
  T value{};
  constexpr ordered() noexcept = default;
  constexpr ordered(const T& v) noexcept : value(v) {}  // NOLINT
  constexpr operator const T&() const noexcept { return value; }
  constexpr operator T&() noexcept { return value; }
  friend constexpr bool operator==(const ordered&, const ordered&) = default;
};
template <class T> using big = ordered<T, endian::big>;
template <class T> using little = ordered<T, endian::little>;

/// A field of `W` bits in a bit record. T is bool, an integer type or an enum.
template <class T, unsigned W>
struct bit_field {
  static_assert(W >= 1 && W <= 64, "comframe: a bit field is 1 to 64 bits wide");
  static_assert(std::is_integral_v<T> || std::is_enum_v<T>, "comframe: a bit field is bool, an integer or an enum");
  static_assert(std::is_same_v<T, bool> || W <= sizeof(T) * 8, "comframe: a bit field is wider than its type");
  using value_type = T;
  static constexpr unsigned width = W;
  T value{};
  constexpr bit_field() noexcept = default;
  constexpr bit_field(T v) noexcept : value(v) {}  // NOLINT
  constexpr operator T() const noexcept { return value; }
};

/// W reserved bits in a bit record: zero on encode, skipped on decode, not in JSON.
template <unsigned W>
struct reserved_bits {
  static_assert(W >= 1 && W <= 64, "comframe: reserved_bits<W> needs 1 to 64 bits");
  using value_type = bool;
  static constexpr unsigned width = W;
  friend constexpr bool operator==(reserved_bits, reserved_bits) noexcept { return true; }
};

/// The bit order of the bit record T; specialise for bit_order::lsb.
template <class T>
inline constexpr bit_order bit_order_of = bit_order::msb;

namespace detail {
template <class T> struct integer_n_traits : std::false_type {};
template <unsigned B, bool S> struct integer_n_traits<integer_n<B, S>> : std::true_type {};
template <class T> struct fixed_string_traits : std::false_type {};
template <std::size_t N> struct fixed_string_traits<fixed_string<N>> : std::true_type {
  static constexpr std::size_t length = N;
};
template <class T> struct fixed_bytes_traits : std::false_type {};
template <std::size_t N> struct fixed_bytes_traits<fixed_bytes<N>> : std::true_type {
  static constexpr std::size_t length = N;
};
template <std::size_t N> struct fixed_bytes_traits<reserved<N>> : std::true_type {
  static constexpr std::size_t length = N;
};
template <class T> struct reserved_traits : std::false_type {};
template <std::size_t N> struct reserved_traits<reserved<N>> : std::true_type {};
template <class T> struct ordered_traits : std::false_type {};
template <class T, endian E> struct ordered_traits<ordered<T, E>> : std::true_type {};
template <class T> struct bit_field_traits : std::false_type {};
template <class T, unsigned W> struct bit_field_traits<bit_field<T, W>> : std::true_type {};

template <class T> struct reserved_bits_traits : std::false_type {};
template <unsigned W> struct reserved_bits_traits<reserved_bits<W>> : std::true_type {};

template <class T> inline constexpr bool is_reserved_v = reserved_traits<T>::value;
template <class T> inline constexpr bool is_reserved_bits_v = reserved_bits_traits<T>::value;
/// Members that hold no value: reserved bytes and reserved bits.
template <class T> inline constexpr bool is_gap_v = is_reserved_v<T> || is_reserved_bits_v<T>;
template <class T> inline constexpr bool is_ordered_v = ordered_traits<T>::value;
template <class T> inline constexpr bool is_bit_field_v = bit_field_traits<T>::value;
}  // namespace detail

// ---- packed arrays in bit records ----------------------------------------------
// A bit record member std::array<core::bit_field<T, W>, N> is a packed array:
// N elements of W bits, one after the other, each in the record's bit order
// (schema {"name": …, "type": "u4", "count": N}); JSON array.

namespace detail {
template <class T> struct packed_bits_traits : std::false_type {};
template <class T, unsigned W, std::size_t N>
struct packed_bits_traits<std::array<bit_field<T, W>, N>> : std::true_type {
  static_assert(N > 0, "comframe: a packed array in a bit record has at least one element");
  using element = bit_field<T, W>;
  static constexpr unsigned element_width = W;
  static constexpr std::size_t count = N;
};
template <class T> inline constexpr bool is_packed_bits_v = packed_bits_traits<T>::value;
/// Members a bit record may have: bit fields, reserved bits and packed arrays of bit fields.
template <class T> inline constexpr bool is_bit_member_v = is_bit_field_v<T> || is_reserved_bits_v<T> || is_packed_bits_v<T>;
/// Bits a bit record member covers.
template <class M>
constexpr unsigned bit_width_of() noexcept {
  if constexpr (is_packed_bits_v<M>) return static_cast<unsigned>(packed_bits_traits<M>::element_width * packed_bits_traits<M>::count);
  else return M::width;
}
}  // namespace detail

/// A member name as a template argument (core::counted's count field).
template <std::size_t N>
struct field_name {
  char text[N]{};
  consteval field_name(const char (&s)[N]) {  // NOLINT: a literal converts
    for (std::size_t i = 0; i < N; ++i) text[i] = s[i];
  }
  constexpr std::string_view view() const noexcept { return {text, N - 1}; }
};

/// A counted field: a std::vector<T> whose length the earlier member named
/// `Count` of the same struct holds, counted in `Unit` (docs/schema.md,
/// "Counted fields"). Encoding writes that member from the vector's length
/// (the value it holds is ignored); decoding reads it and takes that many
/// elements. The elements have a fixed size.
///   struct Registers { std::uint8_t byte_count; core::counted<std::vector<core::big<std::uint16_t>>,
///                      "byte_count", core::count_unit::bytes> values; };
template <class Vec, field_name Count, count_unit Unit = count_unit::elements>
struct counted : Vec {
  using vector_type = Vec;
  static constexpr std::string_view count_field = Count.view();
  static constexpr count_unit unit = Unit;
  using Vec::Vec;
  counted() = default;
  counted(const Vec& v) : Vec(v) {}             // NOLINT: converts like the vector it is
  counted(Vec&& v) noexcept : Vec(std::move(v)) {}  // NOLINT
};

namespace detail {
template <class T> struct counted_traits : std::false_type {};
template <class Vec, field_name C, count_unit U> struct counted_traits<counted<Vec, C, U>> : std::true_type {};
template <class T> inline constexpr bool is_counted_v = counted_traits<T>::value;
}  // namespace detail

}  // namespace comframe::core
