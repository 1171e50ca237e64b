// Random values of any static type, as the property tests draw them
// (tests/core/faces_agree_property_test.cpp, tests/devices/codegen_differential_test.cpp):
// every kind of the type system, values within each type's range, dynamic
// arrays of 0 to 8 elements.
#pragma once

#include <cmath>
#include <cstring>
#include <random>
#include <type_traits>

#include "comframe/core/codec.hpp"
#include "comframe/core/float16.hpp"

namespace cft {

using namespace comframe::core;

// Random bits as a value of W bits, sign-extended when `is_signed`.
inline std::uint64_t random_bits(std::mt19937_64& rng, unsigned width, bool is_signed) {
  const std::uint64_t raw = rng() & detail::low_mask(width);
  return is_signed ? static_cast<std::uint64_t>(detail::sign_extend(raw, width)) : raw;
}

template <class E>
E random_enumerator(std::mt19937_64& rng) {
  using tab = detail::enum_table<E>;
  return static_cast<E>(static_cast<std::underlying_type_t<E>>(tab::values[rng() % tab::size]));
}

template <class T, unsigned W>
void randomize_bits(bit_field<T, W>& f, std::mt19937_64& rng) {
  if constexpr (std::is_same_v<T, bool>) {
    f.value = rng() & 1;
  } else if constexpr (detail::described_enum<T>) {
    f.value = random_enumerator<T>(rng);
  } else {
    using R = comframe::core::detail::number_repr_t<T>;
    f.value = static_cast<T>(static_cast<R>(random_bits(rng, W, std::is_signed_v<R>)));
  }
}

template <unsigned W>
void randomize_bits(reserved_bits<W>&, std::mt19937_64&) {}

template <class T, unsigned W, std::size_t N>
void randomize_bits(std::array<bit_field<T, W>, N>& a, std::mt19937_64& rng) {
  for (auto& f : a) randomize_bits(f, rng);
}

template <class T>
void randomize(T& v, std::mt19937_64& rng) {
  constexpr type_kind k = kind_v<T>;
  if constexpr (detail::is_ordered_v<T>) {
    randomize(v.value, rng);
  } else if constexpr (k == type_kind::enumeration) {
    v = random_enumerator<T>(rng);
  } else if constexpr (k == type_kind::integer) {
    v.value = static_cast<typename T::value_type>(random_bits(rng, T::bits, T::is_signed));
  } else if constexpr (k == type_kind::float16) {
    // Any bit pattern: subnormals, infinities and -0 included; NaN as the one NaN JSON keeps ("nan").
    v = float16::from_bits(static_cast<std::uint16_t>(rng()));
    if (std::isnan(static_cast<float>(v))) v = float16::from_bits(0x7e00);
  } else if constexpr (k == type_kind::flags) {
    v.bits = static_cast<typename T::base_type>(rng() & detail::flags_table<T>::known);
  } else if constexpr (k == type_kind::text) {
    // ASCII and two-byte UTF-8 characters, NUL-padded: what a device would send.
    v = T{};
    std::size_t n = 0;
    const std::size_t want = rng() % (v.data.size() + 1);
    while (n < want) {
      if (rng() % 4 == 0 && n + 2 <= want) {
        v.data[n++] = static_cast<char>(0xc3);
        v.data[n++] = static_cast<char>(0x80 + rng() % 0x40);
      } else {
        v.data[n++] = static_cast<char>('a' + rng() % 26);
      }
    }
  } else if constexpr (k == type_kind::raw_bytes) {
    if constexpr (!detail::is_reserved_v<T>)
      for (auto& b : v.data) b = static_cast<std::uint8_t>(rng());
  } else if constexpr (k == type_kind::bit_record) {
    boost::mp11::mp_for_each<detail::members_t<T>>([&](auto d) { randomize_bits(v.*decltype(d)::pointer, rng); });
  } else if constexpr (k == type_kind::number) {
    if constexpr (std::is_enum_v<T>) v = static_cast<T>(rng() % 3);
    else if constexpr (std::is_same_v<T, bool>) v = rng() & 1;
    else if constexpr (std::is_floating_point_v<T>) {
      // Finite values over a wide range of magnitudes, and exact zero.
      std::uniform_real_distribution<double> mant(-1.0, 1.0);
      std::uniform_int_distribution<int> exp(-30, 30);
      v = rng() % 16 == 0 ? T{0} : static_cast<T>(std::ldexp(mant(rng), exp(rng)));
    } else {
      std::uint64_t bits = rng();
      std::memcpy(&v, &bits, sizeof v);
    }
  } else if constexpr (k == type_kind::array) {
    for (auto& e : v) randomize(e, rng);
  } else if constexpr (k == type_kind::dynamic_array) {
    v.resize(rng() % 4 == 0 ? 0 : rng() % 9);
    for (auto& e : v) randomize(e, rng);
  } else if constexpr (k == type_kind::structure) {
    boost::mp11::mp_for_each<detail::members_t<T>>([&](auto d) { randomize(v.*decltype(d)::pointer, rng); });
  }
}

}  // namespace cft
